"""README.md stays true: the quick start runs as written, and the tables name every id and shaper."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from agentenvs.registration import GYM_ENVS, MULTI_AGENT_ENVS
from reward_plugins import available_shapers

README = Path(__file__).resolve().parents[2] / "README.md"


def _section(title: str) -> str:
    text = README.read_text()
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, flags=re.S | re.M)
    assert match, f"README.md has no '## {title}' section"
    return match.group(1)


def test_quick_start_runs_as_written(tmp_path, monkeypatch, capsys):
    blocks = re.findall(r"```python\n(.*?)```", _section("Quick start"), flags=re.S)
    assert len(blocks) == 1
    monkeypatch.chdir(tmp_path)
    exec(compile(blocks[0], "README.md quick start", "exec"), {"__name__": "__readme__"})
    out = capsys.readouterr().out
    assert re.search(r"solved in \d+ moves: True reward 1\.0", out), out
    assert "'count'" in out and "'rnd'" in out and "'env'" in out
    assert (tmp_path / "runs" / "quickstart" / "result.json").is_file()


def test_env_table_lists_every_registered_id_with_its_description():
    table = _section("Environments")
    for entry in GYM_ENVS + MULTI_AGENT_ENVS:
        row = re.search(rf"^\| `{re.escape(entry.id)}` \| (.*) \|$", table, flags=re.M)
        assert row, f"{entry.id} is registered but missing from README.md's environment table"
        assert row.group(1).startswith(entry.description.split(" (")[0])


@pytest.mark.parametrize("name", [n for n in available_shapers() if not n.startswith("test_")])  # tests register test_*
def test_shaper_table_names_every_registered_shaper(name):
    assert f"`{name}`" in _section("Reward shapers"), f"shaper {name!r} is missing from README.md"


def test_readme_commands_are_the_scripts_ci_runs():
    commands = re.findall(r"^bash (scripts/\S+)", _section("The two commands"), flags=re.M)
    assert commands == ["scripts/demo.sh", "scripts/test.sh"]
    root = README.parent
    assert "scripts/test.sh" in (root / ".ci" / "run").read_text()
    assert all((root / c).is_file() for c in commands)


def test_checker_example_runs_as_written(capsys):
    blocks = [b for b in re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S) if "check_env_id" in b]
    assert len(blocks) == 1
    exec(compile(blocks[0], "README.md checkers", "exec"), {"__name__": "__readme__"})
    assert "'gymnasium_api': 'passed'" in capsys.readouterr().out
