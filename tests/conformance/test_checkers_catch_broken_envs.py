"""The shipped checkers catch envs that break the contract: each broken env here is made to fail one rule."""
import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces

from agentenvs.core import FieldDoc, describe_reward_state
from agentenvs.sokoban.multi import SokobanMultiEnv
from agentenvs.testing import (
    ConformanceError,
    check_copies,
    check_env_id,
    check_multi_agent_copies,
    check_multi_agent_reward_state,
    check_reward_state,
    check_reward_state_space,
    check_vector_reward_state,
)

BROKEN_ID = "agentenvs_tests/BrokenProgress-v0"
VALID_ID = "agentenvs_tests/Walk-v0"


class Walk(gym.Env):
    """A 10-cell corridor: action 1 steps right, 0 stays; ``progress`` is the share of the corridor walked.

    With ``overshoot=True`` its reward_state reports progress 1.5 from the fourth step on: outside
    ``Box(0, 1)``. Everything else is a valid env, so only the reward-state check may fail.
    """

    metadata = {"render_modes": ["ansi"]}

    def __init__(self, overshoot: bool = False, render_mode: str | None = None):
        self.observation_space = spaces.Discrete(10)
        self.action_space = spaces.Discrete(2)
        self.render_mode = render_mode
        self.overshoot = overshoot
        self.reward_state_space = spaces.Dict({
            "progress": spaces.Box(0.0, 1.0, (), np.float32),
            "steps": spaces.Box(0, 10, (), np.int64),
        })
        self.reward_state_doc = describe_reward_state(self.reward_state_space)
        self.pos = self.steps = 0

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.pos, self.steps = int(self.np_random.integers(0, 5)), 0
        return self.pos, {"is_success": False}

    def step(self, action):
        self.pos, self.steps = min(self.pos + int(action), 9), self.steps + 1
        done = self.pos == 9
        return self.pos, float(done), done, self.steps >= 10 and not done, {"is_success": done}

    def reward_state(self):
        progress = 1.5 if self.overshoot and self.steps >= 4 else self.pos / 9
        return {"progress": np.array(progress, dtype=np.float32), "steps": np.array(self.steps, dtype=np.int64)}

    def instruction(self):
        return "Walk to the end of the corridor."

    def render(self):
        return "." * self.pos + "@" + "." * (9 - self.pos)


@pytest.fixture(scope="module")
def broken_id():
    gym.register(BROKEN_ID, entry_point=Walk, kwargs={"overshoot": True})
    yield BROKEN_ID
    del gym.registry[BROKEN_ID]


def test_check_env_id_runs_every_check_on_a_users_valid_env():
    gym.register(VALID_ID, entry_point=Walk)
    try:
        results = check_env_id(VALID_ID)
    finally:
        del gym.registry[VALID_ID]
    passed = {name for name, result in results.items() if result == "passed"}
    assert passed == {"gymnasium_api", "determinism", "render_modes", "copies", "make_vec_sync", "reward_state",
                      "instruction", "success_flag", "sb3_api"}
    assert results["state_key"].startswith("skipped: the env offers no state_key()")
    assert results["vector_entry_point"] == "skipped: the id registers no native vector env"


def test_a_valid_env_passes_the_reward_state_check():
    check_reward_state(Walk(), "Walk")


def test_value_outside_its_space_is_named_with_env_field_and_value():
    with pytest.raises(ConformanceError, match=r"Walk after step 4: reward_state\(\)\['progress'\] = float32\[\] 1\.5"):
        check_reward_state(Walk(overshoot=True), "Walk")


def test_check_env_id_on_a_registered_broken_env_fails_only_its_reward_state(broken_id):
    with pytest.raises(ConformanceError) as caught:
        check_env_id(broken_id)
    message = str(caught.value)
    assert f"{broken_id} fails 1 conformance check(s)" in message
    assert "reward_state: ConformanceError" in message and "'progress'" in message and "1.5" in message


class WrongDtype(Walk):
    def reward_state(self):
        return {**super().reward_state(), "steps": np.array(self.steps, dtype=np.int32)}


class MissingField(Walk):
    def reward_state(self):
        return {"steps": np.array(self.steps, dtype=np.int64)}


class ExtraField(Walk):
    def reward_state(self):
        return {**super().reward_state(), "secret": np.zeros(1)}


@pytest.mark.parametrize(("env_class", "pattern"), [
    (WrongDtype, r"\['steps'\] = int32\[\] 0 is outside"),
    (MissingField, r"lacks fields \['progress'\]"),
    (ExtraField, r"has fields \['secret'\] that reward_state_space does not declare"),
])
def test_wrong_dtype_missing_and_undeclared_fields_are_caught(env_class, pattern):
    with pytest.raises(ConformanceError, match=pattern):
        check_reward_state(env_class(), "Walk")


def test_a_space_breaking_the_vocabulary_or_undocumented_is_caught():
    bad = spaces.Dict({"cursor": spaces.Box(0, 1, (2,), np.int64)})
    with pytest.raises(ConformanceError, match="vocabulary: field 'cursor' is int64"):
        check_reward_state_space(bad, "cursor", "Env")
    good = spaces.Dict({"level": spaces.Box(0, 3, (), np.int64)})
    with pytest.raises(ConformanceError, match=r"does not describe fields \['level'\]"):
        check_reward_state_space(good, "nothing here", "Env")
    check_reward_state_space(good, describe_reward_state(good, {"level": FieldDoc("dungeon level", "levels")}), "Env")
    steps = spaces.Dict({"steps": spaces.Box(0, 9, (), np.int64)})
    with pytest.raises(ConformanceError, match="other units: .*steps .*'env steps'"):
        check_reward_state_space(steps, "steps: int64, units: seconds since the start", "Env")


class VectorWalk(gym.vector.VectorEnv):
    """``n`` corridors stepped together; ``bad_row`` (if set) reports steps = -1 in that row."""

    def __init__(self, num_envs=3, bad_row=None, batched_space=True):
        self.num_envs = num_envs
        self.single_observation_space = spaces.Discrete(10)
        self.single_action_space = spaces.Discrete(2)
        self.observation_space = gym.vector.utils.batch_space(self.single_observation_space, num_envs)
        self.action_space = gym.vector.utils.batch_space(self.single_action_space, num_envs)
        self.single_reward_state_space = Walk().reward_state_space
        self.reward_state_space = (gym.vector.utils.batch_space(self.single_reward_state_space, num_envs)
                                   if batched_space else self.single_reward_state_space)
        self.reward_state_doc = describe_reward_state(self.single_reward_state_space)
        self.bad_row = bad_row
        self.pos = np.zeros(num_envs, np.int64)
        self.steps = np.zeros(num_envs, np.int64)

    def reset(self, *, seed=None, options=None):
        self.pos[:] = 0
        self.steps[:] = 0
        return self.pos.copy(), {}

    def step(self, actions):
        self.pos = np.minimum(self.pos + actions, 9)
        self.steps = np.minimum(self.steps + 1, 10)
        zeros = np.zeros(self.num_envs, bool)
        return self.pos.copy(), zeros.astype(float), zeros, zeros, {}

    def reward_state(self):
        steps = self.steps.copy()
        if self.bad_row is not None:
            steps[self.bad_row] = -1
        return {"progress": (self.pos / 9).astype(np.float32), "steps": steps}


def test_vector_checks_catch_a_bad_row_and_an_unbatched_space():
    check_vector_reward_state(VectorWalk(), "VectorWalk", steps=5)
    with pytest.raises(ConformanceError, match=r"\(vector\) after reset\(seed=0\): reward_state\(\)\['steps'\]"):
        check_vector_reward_state(VectorWalk(bad_row=1), "VectorWalk", steps=5)
    with pytest.raises(ConformanceError, match="batched over num_envs=3"):
        check_vector_reward_state(VectorWalk(batched_space=False), "VectorWalk", steps=5)


class NegativeStepsMulti(SokobanMultiEnv):
    def reward_state(self):
        state = super().reward_state()
        state["player_1"]["steps"] = np.array(-5, dtype=np.int64)
        return state


class MissingAgentMulti(SokobanMultiEnv):
    def reward_state(self):
        state = super().reward_state()
        del state["player_0"]
        return state


def test_multi_agent_check_names_the_agent_and_field():
    check_multi_agent_reward_state(SokobanMultiEnv(), "Multi", steps=20)
    with pytest.raises(ConformanceError, match=r"agent 'player_1': reward_state\(\)\['steps'\] = int64\[\] -5"):
        check_multi_agent_reward_state(NegativeStepsMulti(), "Multi", steps=5)
    with pytest.raises(ConformanceError, match="keyed by every possible agent"):
        check_multi_agent_reward_state(MissingAgentMulti(), "Multi", steps=5)


class ViewCounter(Walk):
    """Keeps its position through a view of a buffer: a pickle turns the view into an unrelated copy,
    so the copy's observations stop changing while it steps (the wave-1 vector env defect)."""

    def reset(self, *, seed=None, options=None):
        obs, info = super().reset(seed=seed)
        self.buffer = np.array([self.pos])
        self.view = self.buffer[:]
        return int(self.buffer[0]), info

    def step(self, action):
        self.view[0] = min(self.view[0] + int(action), 9)
        self.pos = int(self.buffer[0])
        return super().step(0)


class SharedCounter(Walk):
    """Keeps its position in a class-level list: copies share it, so stepping one moves the other."""

    shared = [0]

    def step(self, action):
        self.shared[0] += int(action)
        self.pos = min(self.shared[0], 9)
        return super().step(0)


def test_copy_checks_catch_frozen_views_and_shared_state():
    check_copies(Walk, "Walk")
    with pytest.raises(ConformanceError, match=r"after pickle, step \d+ of the copy differs"):
        check_copies(ViewCounter, "ViewCounter")
    with pytest.raises(ConformanceError, match="after pickle, step .* differs"):
        check_copies(SharedCounter, "SharedCounter")


class LeakyMulti(SokobanMultiEnv):
    """Deep copies share the level state bytes through a module-level holder."""

    holder: dict = {}

    def step(self, actions):
        out = super().step(actions)
        LeakyMulti.holder.setdefault("steps", 0)
        LeakyMulti.holder["steps"] += 1
        self._steps = LeakyMulti.holder["steps"]
        return out


def test_multi_agent_copy_check_catches_shared_state():
    check_multi_agent_copies(SokobanMultiEnv, "Multi")
    with pytest.raises(ConformanceError, match="copy differs from the original"):
        check_multi_agent_copies(LeakyMulti, "LeakyMulti")
