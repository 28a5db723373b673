"""pyproject.toml: a light core install, extras for the rest, typed packages, install hints that work."""
import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib", reason="reading pyproject.toml needs Python 3.11+")
ROOT = Path(__file__).parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
EXTRAS = PROJECT["optional-dependencies"]
PACKAGES = ("agentenvs", "reward_plugins", "baselines")


def names(requirements: list[str]) -> set[str]:
    """Distribution names of requirement strings (``"torch>=2.2"`` -> ``"torch"``)."""
    return {re.match(r"[A-Za-z0-9_.\-]+(\[[^\]]*\])?", r).group(0).lower() for r in requirements}


def test_the_core_install_is_the_envs_alone():
    assert names(PROJECT["dependencies"]) == {"gymnasium", "pettingzoo", "numpy", "pillow", "pygame"}


def test_extras_add_the_rest():
    assert {"torch", "pandas"} <= names(EXTRAS["shapers"])
    assert "agentenvs[shapers]" in names(EXTRAS["baselines"])
    assert {"stable-baselines3", "sb3-contrib", "matplotlib", "rliable", "pyyaml", "tensorboard"} <= names(
        EXTRAS["baselines"])
    assert names(EXTRAS["llm"]) == {"openai"}
    assert {"ruff", "mypy", "pytest", "pytest-xdist", "pytest-timeout", "types-pyyaml"} <= names(EXTRAS["dev"])
    (everything,) = EXTRAS["all"]
    assert set(re.fullmatch(r"agentenvs\[(.*)\]", everything).group(1).split(",")) == set(EXTRAS) - {"all", "agents"}
    assert names(EXTRAS["agents"]) == {"trl", "verifiers"}  # opt-in: verifiers pulls a large tree


def test_the_readme_set_up_installs_every_extra():
    assert '"${PIP[@]}" -e "$ROOT[all]"' in (ROOT / "scripts" / "setup.sh").read_text()


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_ships_py_typed(package):
    assert (ROOT / package / "py.typed").is_file()
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "py.typed" in package_data[package]


HINT = re.compile(r"(?:agentenvs|ROOT|[\"' ]\.)\[([\w,\-]+)\]")


def install_hints() -> list[tuple[str, str]]:
    """``(file, extra)`` for every extra named in an install hint of code, docs and scripts.

    Hints are ``agentenvs[x]``, ``.[x]`` and ``$ROOT[x]`` in text, and the extra argument of
    ``missing_extra(package, extra)`` calls in code.
    """
    files = [p for pattern in ("*.md", "docs/**/*.md", "scripts/*.sh") for p in ROOT.glob(pattern)]
    files += [p for package in PACKAGES for p in (ROOT / package).rglob("*.py")]
    hints = []
    for path in files:
        text = path.read_text()
        hints += [(path.name, extra) for group in HINT.findall(text) for extra in group.split(",")]
        if path.suffix == ".py":
            for node in ast.walk(ast.parse(text)):
                if (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None))
                        == "missing_extra" and len(node.args) == 2 and isinstance(node.args[1], ast.Constant)):
                    hints.append((path.name, node.args[1].value))
    return hints


def test_every_install_hint_names_a_real_extra():
    hints = install_hints()
    assert ("runner.py", "ray") in hints and ("setup.sh", "all") in hints  # the scan finds both kinds
    assert [(file, extra) for file, extra in hints if extra not in EXTRAS] == []


def test_reward_plugins_without_torch_names_the_extra():
    code = ("import sys; sys.modules['torch'] = None\n"
            "try:\n    import reward_plugins\n"
            "except Exception as e:\n    print(type(e).__name__, e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "MissingDependencyError reward_plugins needs torch: pip install 'agentenvs[shapers]'"
