"""Import boundaries between the three packages, checked over the source and in a fresh interpreter.

agentenvs (the core install) imports neither reward_plugins, baselines nor torch; reward_plugins
never imports agentenvs or baselines. Function-level (lazy) imports count too.
"""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
FORBIDDEN = {
    "agentenvs": {"reward_plugins", "baselines", "torch"},
    "reward_plugins": {"agentenvs", "baselines"},
}


#: The single exception: the opt-in MiniLM observation of the -Discrete text envs borrows reward_plugins'
#: sentence encoder (torch); only an env built with observation="minilm" imports it.
EXEMPT = {"agentenvs/text/embedding.py": {"reward_plugins"}}


def imported_packages(source: str) -> set[str]:
    """Top-level names of every absolute import in ``source``, nested ones included."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.partition(".")[0])
    return names


def test_imported_packages_sees_nested_and_dotted_imports_but_not_relative_ones():
    source = "import os.path\nfrom .x import y\ndef f():\n    from torch.nn import Module\n    import a, b.c\n"
    assert imported_packages(source) == {"os", "torch", "a", "b"}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_stay_inside_their_boundary(package):
    violations = []
    for path in sorted((ROOT / package).rglob("*.py")):
        exempt = EXEMPT.get(path.relative_to(ROOT).as_posix(), set())
        bad = imported_packages(path.read_text()) & FORBIDDEN[package] - exempt
        violations += [f"{path.relative_to(ROOT)} imports {name}" for name in sorted(bad)]
    assert not violations, "\n".join(violations)


STEP_EVERY_ENV = """
import sys
import gymnasium as gym
import agentenvs
from agentenvs.registration import GYM_ENVS, MULTI_AGENT_ENVS, missing_extra

for entry in GYM_ENVS:
    if missing_extra(entry):  # not installed here: nothing to step
        continue
    env = gym.make(entry.id)
    env.reset(seed=0)
    env.step(env.action_space.sample())
    env.close()
    modes = ["sync"] + (["vector_entry_point"] if entry.vector_entry_point else [])
    for mode in modes:
        venv = gym.make_vec(entry.id, num_envs=2, vectorization_mode=mode)
        venv.reset(seed=0)
        venv.step(venv.action_space.sample())
        venv.close()
for entry in MULTI_AGENT_ENVS:
    if missing_extra(entry):
        continue
    env = agentenvs.make_multi_agent(entry.id)
    env.reset(seed=0)
    env.step({agent: env.action_space(agent).sample() for agent in env.agents})
    env.close()
    aec = agentenvs.make_multi_agent(entry.id, aec=True)
    aec.reset(seed=0)
    aec.step(aec.action_space(aec.agent_selection).sample())
    aec.close()
print(sorted({m.partition(".")[0] for m in sys.modules} & {"torch", "reward_plugins", "baselines"}))
"""


def test_making_and_stepping_every_env_loads_no_torch_shapers_or_baselines():
    out = subprocess.run([sys.executable, "-c", STEP_EVERY_ENV], capture_output=True, text=True, timeout=300,
                         cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_agentenvs_imports_only_the_standard_library_its_core_dependencies_and_its_extras():
    from agentenvs.registration import EXTRA_MODULES

    allowed = set(sys.stdlib_module_names) | {"agentenvs", "gymnasium", "numpy", "pettingzoo", "pygame", "PIL"}
    allowed |= {module for modules in EXTRA_MODULES.values() for module in modules} - {"torch"}
    undeclared = {}
    for path in sorted((ROOT / "agentenvs").rglob("*.py")):
        outside = imported_packages(path.read_text()) - allowed - EXEMPT.get(path.relative_to(ROOT).as_posix(), set())
        if outside:
            undeclared[str(path.relative_to(ROOT))] = sorted(outside)
    assert not undeclared, f"imports that neither the core install nor EXTRA_MODULES provides: {undeclared}"
