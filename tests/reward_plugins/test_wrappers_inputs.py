"""The input table: every INPUT has a row, instruction() reaches shapers through all four
wrappers, non-finite inputs are caught before any shaper sees them, and the declared protocols
(resume, terminal states, reset masks) replace probes.
"""
from __future__ import annotations

import copy
import logging

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, SyncVectorEnv, VectorEnv
from stable_baselines3.common.vec_env import DummyVecEnv

from reward_plugins import INPUTS, RewardShaper, TransitionBatch, make_shaper
from reward_plugins.errors import MissingInputError, NonFiniteInputError
from reward_plugins.schedules import Linear
from reward_plugins.wrappers import ShapedEnv, ShapedVecEnv, ShapedVectorEnv
from reward_plugins.wrappers.inputs import ENV_METHOD_INPUTS, INPUT_TABLE

WORDS = ("left", "right", "up")


class Goal(gym.Env):
    """A counter with a goal in words: ``instruction()`` names a target drawn at reset."""

    def __init__(self) -> None:
        self.observation_space = spaces.Box(-10, 10, (2,), np.float32)
        self.action_space = spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.target, self.t = WORDS[int(self.np_random.integers(0, 3))], 0
        return np.zeros(2, np.float32), {}

    def step(self, action):
        self.t += 1
        return np.array([self.t, action], np.float32), 0.0, False, self.t >= 3, {}

    def instruction(self) -> str:
        return f"go {self.target} now"


class GoalVec(VectorEnv):
    """Native vector Goal: ``instruction()`` returns one string per env."""

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP}

    def __init__(self, num_envs: int) -> None:
        self.num_envs = num_envs
        self.single_observation_space = spaces.Box(-10, 10, (2,), np.float32)
        self.single_action_space = spaces.Discrete(2)
        self.observation_space = gym.vector.utils.batch_space(self.single_observation_space, num_envs)
        self.action_space = gym.vector.utils.batch_space(self.single_action_space, num_envs)

    def reset(self, *, seed=None, options=None):
        return np.zeros((self.num_envs, 2), np.float32), {}

    def step(self, actions):
        n = self.num_envs
        return np.zeros((n, 2), np.float32), np.zeros(n), np.zeros(n, bool), np.zeros(n, bool), {}

    def instruction(self) -> list[str]:
        return [WORDS[i % 3] * (i + 1) for i in range(self.num_envs)]


class InstructionLength(RewardShaper):
    """The length of each env's instruction; records the instructions it saw."""

    requires = frozenset({"instruction"})

    def __init__(self) -> None:
        super().__init__("cpu")
        self.seen: list[list[str]] = []

    def forward(self, batch: TransitionBatch) -> torch.Tensor:
        self.seen.append(list(batch.instruction))
        return torch.tensor([float(len(s)) for s in batch.instruction])


def test_every_input_has_one_row_in_the_table():
    names = [row.name for row in INPUT_TABLE]
    assert sorted(names) == sorted(INPUTS) and len(names) == len(set(names))
    assert set(ENV_METHOD_INPUTS) == {"reward_state", "state_key", "instruction", "caption"}
    assert set(TransitionBatch.__dataclass_fields__) >= INPUTS


def test_single_env_instruction_reaches_the_shaper():
    shaper = InstructionLength()
    env = ShapedEnv(Goal(), shaper)
    env.reset(seed=3)
    _, reward, *_, info = env.step(0)
    expect = env.unwrapped.instruction()
    assert shaper.seen == [[expect]] and reward == float(len(expect)) == info["reward_components"]["InstructionLength"]


def test_vector_envs_give_one_instruction_per_env():
    shaper = InstructionLength()
    venv = ShapedVectorEnv(GoalVec(3), shaper)
    venv.reset()
    _, rewards, *_ = venv.step(np.zeros(3, np.int64))
    assert shaper.seen == [["left", "rightright", "upupup"]] and rewards.tolist() == [4.0, 10.0, 6.0]

    shaper = InstructionLength()
    sync = ShapedVectorEnv(SyncVectorEnv([Goal] * 2), shaper)  # asks each sub-env
    sync.reset(seed=[1, 2])
    sync.step(np.zeros(2, np.int64))
    assert shaper.seen == [[env.instruction() for env in sync.unwrapped.envs]]

    shaper = InstructionLength()
    sb3 = ShapedVecEnv(DummyVecEnv([Goal] * 2), shaper)
    sb3.seed(5)
    sb3.reset()
    sb3.step(np.zeros(2, np.int64))
    assert shaper.seen == [[env.instruction() for env in sb3.unwrapped.envs]]


def test_envs_without_instruction_are_refused_at_wrap_time():
    with pytest.raises(MissingInputError, match=r"'instruction'.*no instruction\(\) method.*env.unwrapped.instruction"):
        ShapedEnv(gym.make("CartPole-v1"), InstructionLength())


class NaNAt(gym.ObservationWrapper):
    """The real CartPole stream with NaN (or inf) in the observation of step ``at``."""

    def __init__(self, env: gym.Env, at: int, value: float = float("nan")) -> None:
        super().__init__(env)
        self.at, self.value, self.t = at, value, 0

    def reset(self, **kwargs):
        self.t = -1
        return super().reset(**kwargs)

    def observation(self, obs):
        self.t += 1
        return np.full_like(obs, self.value) if self.t == self.at else obs


def _snapshot(shaper: RewardShaper) -> dict[str, object]:
    """Every buffer, parameter, statistic and optimiser value of ``shaper``, copied."""
    return copy.deepcopy(shaper.state_dict())


def _same(a: object, b: object) -> bool:
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.shape == b.shape and bool(torch.equal(a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return isinstance(b, (list, tuple)) and len(a) == len(b) and all(map(_same, a, b))
    return a == b


def _assert_same(a: dict[str, object], b: dict[str, object]) -> None:
    assert a.keys() == b.keys()
    for key in a:
        assert _same(a[key], b[key]), key


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_a_nonfinite_observation_touches_no_statistic_or_weight_in_warn_mode(value, caplog):
    rnd = make_shaper("rnd", device="cpu", seed=0, feature_dim=8)
    env = ShapedEnv(NaNAt(gym.make("CartPole-v1"), at=3, value=value), rnd, on_nonfinite="warn")
    env.reset(seed=0)
    assert env.step(0)[4]["reward_components"]["rnd"] == 0.0  # RND's first reward: no spread yet
    assert env.step(0)[4]["reward_components"]["rnd"] > 0.0
    before = _snapshot(rnd)
    with caplog.at_level(logging.WARNING, logger="reward_plugins"):
        obs, reward, *_, info = env.step(0)
    assert not np.isfinite(obs).all()  # the env's own observation is passed on untouched
    assert info["reward_components"]["rnd"] == 0.0 and reward == 1.0
    assert "input 'next_obs' is NaN or inf at rows [0]" in caplog.text
    _assert_same(_snapshot(rnd), before)
    assert env.core.num_env_steps == 2  # the bad row was not counted
    good = env.step(0)[4]["reward_components"]["rnd"]
    assert np.isfinite(good) and good != 0.0
    assert not _same(_snapshot(rnd), before)  # learning goes on with good rows
    caplog.clear()
    env.reset(seed=1)
    with caplog.at_level(logging.WARNING, logger="reward_plugins"):
        for _ in range(4):
            env.step(0)
    assert "NaN or inf" not in caplog.text  # warned once per input


def test_a_nonfinite_observation_raises_before_any_shaper_and_the_next_step_works():
    rnd = make_shaper("rnd", device="cpu", seed=0, feature_dim=8)
    env = ShapedEnv(NaNAt(gym.make("CartPole-v1"), at=3), rnd)
    env.reset(seed=0)
    env.step(0)
    env.step(0)
    before = _snapshot(rnd)
    with pytest.raises(NonFiniteInputError, match=r"input 'next_obs' is NaN or inf at rows \[0\]"):
        env.step(0)
    _assert_same(_snapshot(rnd), before)
    good = env.step(0)[4]["reward_components"]["rnd"]
    assert np.isfinite(good) and good != 0.0 and not _same(_snapshot(rnd), before)


def test_nonfinite_inputs_mark_only_their_rows_in_a_vector_env(caplog):
    class RewardEcho(RewardShaper):
        requires = frozenset({"reward"})

        def __init__(self) -> None:
            super().__init__("cpu")
            self.valid: list[list[bool]] = []

        def forward(self, batch):
            self.valid.append(batch.valid_mask().tolist())
            assert torch.isfinite(batch.reward).all()  # zeroed before the shaper sees it
            return batch.reward + 1.0

    class NaNReward(gym.Wrapper):
        def step(self, action):
            obs, _, term, trunc, info = self.env.step(action)
            return obs, float("nan") if action == 1 else 0.5, term, trunc, info

    echo = RewardEcho()
    venv = ShapedVectorEnv(SyncVectorEnv([lambda: NaNReward(gym.make("CartPole-v1"))] * 3), echo, on_nonfinite="warn")
    venv.reset(seed=0)
    _, rewards, *_, infos = venv.step(np.array([0, 1, 0]))
    assert echo.valid == [[True, False, True]]
    assert infos["reward_components"]["RewardEcho"].tolist() == [1.5, 0.0, 1.5]
    _, rewards, *_, infos = venv.step(np.array([0, 0, 0]))
    assert echo.valid[-1] == [True, True, True]  # that step only


def test_resume_env_steps_continues_schedules_and_update_counters():
    weight = Linear(1.0, 0.0, 100)
    venv = ShapedVecEnv(DummyVecEnv([Goal] * 2), InstructionLength(), weights=weight, resume_env_steps=60,
                        update_every=4)
    assert venv.current_weights == pytest.approx({"InstructionLength": 0.4})
    assert venv.core.num_wrapper_steps == 30
    venv.reset()
    venv.step(np.zeros(2, np.int64))
    assert venv.current_weights == pytest.approx({"InstructionLength": 0.38})


def test_state_inputs_follow_the_declared_terminal_state_protocol():
    class KeyedVec(DummyVecEnv):
        def state_key(self):
            return np.arange(self.num_envs, dtype=np.int64)

    class Keys(RewardShaper):
        requires = frozenset({"state_key"})

        def forward(self, batch):
            return batch.state_key.float()

    with pytest.raises(MissingInputError, match="resets finished envs within step_wait"):
        ShapedVecEnv(KeyedVec([Goal] * 2), Keys("cpu"))
    declared = KeyedVec([Goal] * 2)
    declared.metadata["keeps_terminal_states"] = True
    venv = ShapedVecEnv(declared, Keys("cpu"))
    venv.reset()
    assert venv.step(np.zeros(2, np.int64))[1].tolist() == [0.0, 1.0]

