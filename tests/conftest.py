"""Test-wide settings: headless pygame, deterministic torch threads, pyproject's command entry points."""
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the installed entry points are used as they are
    tomllib = None

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

ROOT = Path(__file__).parents[1]


def pytest_configure(config):
    """Declare pyproject.toml's ``agentenvs.commands`` entry points to this run and its subprocesses.

    Entry points are read from installed metadata, which an editable install writes once and a
    later pyproject.toml change leaves stale; a dist-info holding the worktree's table, first on
    the path, makes the ``agentenvs`` command dispatch what pyproject.toml declares.
    """
    if tomllib is None:
        return
    commands = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["agentenvs.commands"]
    site = Path(tempfile.mkdtemp(prefix="agentenvs-commands-"))
    dist = site / "agentenvs_commands_under_test-0.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: agentenvs-commands-under-test\nVersion: 0.0\n")
    (dist / "entry_points.txt").write_text(
        "[agentenvs.commands]\n" + "".join(f"{name} = {value}\n" for name, value in commands.items()))
    sys.path.insert(0, str(site))
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    config.agentenvs_commands_site = site


def pytest_unconfigure(config):
    shutil.rmtree(getattr(config, "agentenvs_commands_site", ""), ignore_errors=True)


@pytest.fixture
def llm_cache_dir(monkeypatch, tmp_path):
    """No LLM settings (``AGENTENVS_LLM_*``, ``OPENAI_API_KEY``) leak in; the default reply cache is a fresh folder."""
    for name in ("AGENTENVS_LLM_BASE_URL", "AGENTENVS_LLM_API_KEY", "AGENTENVS_LLM_MODEL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AGENTENVS_LLM_CACHE_DIR", str(tmp_path / "llm-cache"))
    return tmp_path / "llm-cache"
