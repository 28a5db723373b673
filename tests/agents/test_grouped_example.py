"""examples/grpo_loop.py runs, and prints group statistics whose advantages follow from its returns."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).parents[2]


def test_grpo_example_prints_group_relative_advantages_of_its_returns():
    cmd = [sys.executable, str(ROOT / "examples" / "grpo_loop.py"), "--iterations", "2", "--groups", "2",
           "--group-size", "3", "--max-steps", "8", "--backend", "thread"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300, check=True)
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [(r["iteration"], r["group"], r["seed"]) for r in rows] == [(0, 0, 0), (0, 1, 1), (1, 0, 2), (1, 1, 3)]
    for row in rows:
        assert row["episodes"] == 3 and 0.0 <= row["success_rate"] <= row["pass@3"] <= 1.0
        returns = np.array(row["shaped_returns"])
        expected = (returns - returns.mean()) / (returns.std() + 1e-6)
        np.testing.assert_allclose(row["advantages"], expected, atol=2e-3)
        assert returns.min() > 0  # 8 turns of text-novelty bonus (weight 0.05) on top of the raw reward


def test_readme_grouped_section_runs_as_written(capsys):
    text = (ROOT / "README.md").read_text()
    section = text.split("\n## Grouped envs for GRPO\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(block, "README.md grouped envs", "exec"), {"__name__": "__readme__"})
    out = capsys.readouterr().out
    assert "[0 0 0 0 1 1 1 1] [ True  True  True  True  True  True  True  True]" in out
    assert "'episodes': array([0, 0])" in out  # one turn ends no episode
