"""The ``agentenvs`` command: ``list``, and the commands plugged in through ``agentenvs.commands``.

Each test runs the command in a fresh interpreter; tests/conftest.py declares pyproject's entry
points to it (installed metadata may predate pyproject.toml).
"""
import subprocess
import sys
from pathlib import Path

import pytest

from agentenvs.registration import all_entries

tomllib = pytest.importorskip("tomllib", reason="reading pyproject.toml needs Python 3.11+")
ROOT = Path(__file__).parents[2]
COMMANDS = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["agentenvs.commands"]
BASELINES_MODULES = ("torch", "yaml", "stable_baselines3", "sb3_contrib", "matplotlib", "pandas", "rliable", "tqdm")


def agentenvs_cli(*args: str, block: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """Run ``agentenvs ARGS`` in a fresh interpreter; modules in ``block`` import as not installed."""
    code = (f"import sys; sys.modules.update(dict.fromkeys({list(block)!r})); "
            "from agentenvs.cli import main; raise SystemExit(main())")
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=180)


def test_pyproject_plugs_in_every_experiment_command_from_baselines():
    assert set(COMMANDS) == {"train", "grid", "report", "demo", "shapers", "reward"}
    assert all(value == "baselines.cli:main [baselines]" for name, value in COMMANDS.items() if name != "reward")
    assert COMMANDS["reward"] == "baselines.reward_cli:main [baselines]"


def test_list_prints_every_id_with_a_description_without_loading_commands():
    out = agentenvs_cli("list", block=BASELINES_MODULES)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) == len(all_entries())
    for entry, line in zip(all_entries(), lines):
        assert line.startswith(entry.id) and entry.description in line


def test_help_lists_the_plugged_in_commands_and_their_extra():
    out = agentenvs_cli("--help", block=BASELINES_MODULES)
    assert out.returncode == 0, out.stderr
    for name in ["list", *COMMANDS]:
        assert f"    {name} " in out.stdout
    assert "pip install 'agentenvs[baselines]'" in out.stdout


def test_a_command_runs_the_entry_point_with_its_arguments():
    out = agentenvs_cli("train", "--help")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("usage: agentenvs-baselines train") and "--env" in out.stdout


def test_a_command_whose_extra_is_missing_names_the_extra():
    out = agentenvs_cli("train", "--env", "agentenvs/Sokoban-Tiny-v0", block=BASELINES_MODULES)
    assert out.returncode == 2
    assert "`agentenvs train` needs the 'baselines' extra" in out.stderr
    assert "pip install 'agentenvs[baselines]'" in out.stderr
    assert "Traceback" not in out.stderr


def test_an_unknown_command_is_an_argparse_error():
    out = agentenvs_cli("nosuch")
    assert out.returncode == 2 and "invalid choice: 'nosuch'" in out.stderr
