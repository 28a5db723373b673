"""docs/agents.md stays true: its example runs as written."""
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "agents.md"


def test_the_example_runs_and_shows_valid_and_invalid_turns(capsys):
    (block,) = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    exec(compile(block, "docs/agents.md", "exec"), {"__name__": "__doc_example__"})
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "True up None 0.0"
    assert lines[1].startswith("False None no <answer>") and lines[1].endswith(" -0.1")
    assert lines[2] == "True left None 0.0"
