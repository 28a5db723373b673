"""The shipped checkers on a user's own envs: missing extras skip, agentenvs-only contracts are opt-in,
seed sensitivity has no false positive on fixed-start envs, and a divergence names the field that differs."""
import dataclasses
import re
import subprocess
import sys

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces

from agentenvs.registration import GYM_ENVS
from agentenvs.sokoban.env import SokobanEnv
from agentenvs.testing import ConformanceError, check_determinism, check_env_id, checks_for, skipped_checks
from agentenvs.testing.common import difference

CONTRACT = {"reward_state", "instruction", "success_flag", "render_modes"}


class Corridor(gym.Env):
    """A plain Gymnasium env: 6 cells, fixed start at 0, action 1 steps right; no render modes, no extras.

    ``slip``: the step is lost with probability 0.5, drawn from ``rng`` (``"seeded"``: the env's
    ``np_random``; ``"fixed"``: a generator made once at construction, ignoring reset's seed;
    ``"unseeded"``: fresh OS entropy; ``"observed"``: like unseeded, but the loss only shows in
    the observation's second entry, the reward and flags stay the same).
    """

    def __init__(self, rng: str = "none"):
        self.observation_space = spaces.Box(0, 6, (2,), np.int64)
        self.action_space = spaces.Discrete(2)
        self.rng = rng
        self.own = np.random.default_rng(0 if rng == "fixed" else None)
        self.pos = self.t = 0

    def _random(self):
        return self.np_random.random() if self.rng == "seeded" else self.own.random()

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.pos = self.t = 0
        return np.array([0, 0]), {}

    def step(self, action):
        self.t += 1
        lost = self.rng != "none" and self._random() < 0.5
        move = 0 if lost and self.rng != "observed" else int(action)
        self.pos = min(self.pos + move, 5)
        done = self.pos == 5
        return np.array([self.pos, int(lost)]), 0.0, done, self.t >= 12, {}


@pytest.fixture
def register():
    made = []

    def register_(env_id, **kwargs):
        gym.register(env_id, entry_point=Corridor, kwargs=kwargs)
        made.append(env_id)
        return env_id

    yield register_
    for env_id in made:
        del gym.registry[env_id]


SNIPPET = """
import importlib.machinery, sys
class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] != "stable_baselines3":
            return None
        if {at_load}:
            class Loader:
                def create_module(self, spec):
                    raise ModuleNotFoundError("No module named 'stable_baselines3'", name=name)
                def exec_module(self, module):
                    pass
            return importlib.machinery.ModuleSpec(name, Loader())
        raise ModuleNotFoundError("No module named 'stable_baselines3'", name=name)
sys.meta_path.insert(0, Refuse())
from agentenvs.testing import check_env_id
print(check_env_id("agentenvs/Sokoban-Tiny-v0")["sb3_api"])
"""


@pytest.mark.parametrize("at_load", [False, True], ids=["finder_refuses", "loader_refuses"])
def test_without_stable_baselines3_the_sb3_check_is_skipped_with_the_extra_named(at_load):
    out = subprocess.run([sys.executable, "-c", SNIPPET.format(at_load=at_load)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "skipped: needs agentenvs[baselines] (stable-baselines3)"


@pytest.mark.parametrize("env_id", ["me/My-v0", "CartPole-v1", "FrozenLake-v1"])
def test_a_plain_gymnasium_env_passes_with_agentenvs_contracts_skipped(register, env_id):
    if env_id == "me/My-v0":
        register(env_id)
    results = check_env_id(env_id)
    skipped = skipped_checks(env_id)
    assert {"reward_state", "instruction", "success_flag"} <= set(skipped)
    assert "reward_state()" in skipped["reward_state"] and "opt in" in skipped["reward_state"]
    assert "instruction()" in skipped["instruction"] and "is_success" in skipped["success_flag"]
    if env_id == "me/My-v0":
        assert skipped["render_modes"] == "the env declares no render modes (metadata['render_modes'] is empty)"
    assert {"gymnasium_api", "determinism", "copies"} <= {k for k, v in results.items() if v == "passed"}


def test_every_agentenvs_id_runs_the_contract_checks():
    for entry in GYM_ENVS:
        assert CONTRACT <= set(checks_for(entry.id)), entry.id


class NoRewardState(SokobanEnv):
    reward_state = None
    instruction = None


def test_an_agentenvs_id_that_drops_reward_state_fails_with_conformance_errors(monkeypatch):
    env_id = "agentenvs/Sokoban-Tiny-v0"
    monkeypatch.setitem(gym.registry, env_id,
                        dataclasses.replace(gym.spec(env_id), entry_point=NoRewardState, vector_entry_point=None))
    checks = checks_for(env_id)
    assert {"reward_state", "instruction"} <= set(checks)
    with pytest.raises(ConformanceError, match="offers no reward_state"):
        checks["reward_state"]()
    with pytest.raises(ConformanceError, match="offers no instruction"):
        checks["instruction"]()


class Raising(Corridor):
    def instruction(self):
        return self.goal  # AttributeError: a bug in the user's env


def test_an_unexpected_exception_in_a_check_becomes_a_conformance_error_naming_check_env_and_error():
    gym.register("me/Raising-v0", entry_point=Raising)
    try:
        with pytest.raises(ConformanceError, match=r"me/Raising-v0: check 'instruction' raised AttributeError: .*goal"):
            checks_for("me/Raising-v0")["instruction"]()
    finally:
        del gym.registry["me/Raising-v0"]


@pytest.mark.parametrize("kwargs", [{}, {"rng": "seeded"}, {"is_slippery": False}, {"is_slippery": True}],
                         ids=["fixed_start_deterministic", "seeded_slip", "frozenlake", "frozenlake_slippery"])
def test_fixed_start_envs_pass_the_determinism_check(register, kwargs):
    if "is_slippery" in kwargs:
        gym.register("me/Lake-v0", entry_point="gymnasium.envs.toy_text.frozen_lake:FrozenLakeEnv", kwargs=kwargs)
        try:
            check_determinism("me/Lake-v0")
        finally:
            del gym.registry["me/Lake-v0"]
    else:
        check_determinism(register("me/Corridor-v0", **kwargs))


def test_a_stochastic_env_that_ignores_its_seed_is_caught(register):
    with pytest.raises(ConformanceError, match="does not reseed"):
        check_determinism(register("me/Fixed-v0", rng="fixed"))


def test_a_divergence_names_the_differing_field_and_both_values(register):
    with pytest.raises(ConformanceError) as caught:
        check_determinism(register("me/Observed-v0", rng="observed"))
    assert re.search(r"same seed diverged at transition \d+: observation differs: int64\[2\] \[\d 0\] != "
                     r"int64\[2\] \[\d 1\]|int64\[2\] \[\d 1\] != int64\[2\] \[\d 0\]", str(caught.value))
    assert "(0.0, False, False, {})" not in str(caught.value)


def test_difference_names_reward_flags_and_info_keys():
    obs = np.zeros(3)
    assert difference((obs, 0.0, False, False, {}), (obs, 1.0, False, False, {})) == "reward differs: 0.0 != 1.0"
    assert difference((obs, 0.0, False, True, {}), (obs, 0.0, False, False, {})) == "truncated differs: True != False"
    assert (difference((obs, 0.0, False, False, {"a": 1, "b": 2}), (obs, 0.0, False, False, {"a": 1, "b": 3}))
            == "info['b'] differs: 2 != 3")
    assert (difference((obs, 0.0, False, False, {"a": 1}), (obs, 0.0, False, False, {"c": 1}))
            == "info keys differ: ['a'] != ['c']")
    long = difference((np.arange(1000), {}), (np.arange(1000) + 1, {}), ("observation", "info"))
    assert long.startswith("observation differs: int64[1000] [  0   1") and len(long) < 300


class BrokenStep(Corridor):
    def step(self, action):
        return self.missing


def test_an_env_that_breaks_on_its_first_step_is_a_conformance_error_in_planning_too():
    gym.register("me/Broken-v0", entry_point=BrokenStep)
    try:
        with pytest.raises(ConformanceError, match=r"me/Broken-v0: reset\(seed=0\) and one random.*AttributeError"):
            check_env_id("me/Broken-v0")
    finally:
        del gym.registry["me/Broken-v0"]


def test_an_id_registered_nondeterministic_skips_the_determinism_checks():
    gym.register("me/Live-v0", entry_point=Corridor, kwargs={"rng": "observed"}, nondeterministic=True)
    try:
        assert "determinism" not in checks_for("me/Live-v0")
        assert skipped_checks("me/Live-v0")["determinism"].startswith("the id is registered nondeterministic")
    finally:
        del gym.registry["me/Live-v0"]
