"""ShapedVecEnv (SB3) and ShapedParallelEnv (PettingZoo)."""
from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium import spaces
from pettingzoo import ParallelEnv
from stable_baselines3.common.vec_env import DummyVecEnv

from reward_plugins import RewardShaper, TransitionBatch, register_shaper
from reward_plugins.errors import ShaperConfigError
from reward_plugins.wrappers import ShapedParallelEnv, ShapedVecEnv


class Recorder(RewardShaper):
    """Returns the first feature of next_obs and records what it was given."""

    requires = frozenset({"next_obs", "terminated", "done"})

    def __init__(self) -> None:
        super().__init__("cpu")
        self.batches: list[TransitionBatch] = []
        self.resets: list[list[bool]] = []

    def forward(self, batch):
        self.batches.append(batch)
        return batch.next_obs.float().reshape(batch.batch_size, -1)[:, 0]

    def reset(self, done_mask):
        self.resets.append(done_mask.tolist())


def test_sb3_uses_terminal_observation_as_next_obs_and_time_limit_is_not_terminal():
    rec = Recorder()
    venv = ShapedVecEnv(DummyVecEnv([lambda: gym.make("CartPole-v1", max_episode_steps=3)] * 2), rec, weights=2.0)
    venv.seed(0)
    venv.reset()
    for _ in range(2):
        venv.step(np.array([0, 1]))
    obs, rewards, dones, infos = venv.step(np.array([0, 1]))
    assert dones.tolist() == [True, True]
    batch = rec.batches[-1]
    for j in range(2):
        terminal = infos[j]["terminal_observation"]
        assert not np.allclose(terminal, obs[j])  # obs[j] is already the reset observation
        np.testing.assert_allclose(batch.next_obs[j].numpy(), terminal)
        assert infos[j]["reward_components"] == pytest.approx({"env": 1.0, "Recorder": float(terminal[0])})
        assert rewards[j] == pytest.approx(1.0 + 2.0 * terminal[0], rel=1e-5)
    assert batch.terminated.tolist() == [False, False] and batch.done.tolist() == [True, True]
    assert rec.resets[-1] == [True, True]


class Race(ParallelEnv):
    """Two agents count up; 'a' terminates after 2 steps, 'b' after 4. Reward: 1 per step."""

    metadata = {"name": "race_v0"}

    def __init__(self):
        self.possible_agents = ["a", "b"]
        self._ends = {"a": 2, "b": 4}
        self._observation_space = spaces.Box(0, 10, (1,), np.float32)
        self._action_space = spaces.Discrete(2)

    def observation_space(self, agent):
        return self._observation_space

    def action_space(self, agent):
        return self._action_space

    def reset(self, seed=None, options=None):
        self.agents = list(self.possible_agents)
        self.t = 0
        return {a: np.array([0.0], np.float32) for a in self.agents}, {a: {} for a in self.agents}

    def step(self, actions):
        self.t += 1
        obs = {a: np.array([self.t + (10 * (a == "b"))], np.float32) / 2 for a in actions}
        rewards = {a: 1.0 for a in actions}
        terms = {a: self.t >= self._ends[a] for a in actions}
        truncs = {a: False for a in actions}
        self.agents = [a for a in self.agents if not terms[a]]
        return obs, rewards, terms, truncs, {a: {} for a in actions}

    def reward_state(self):
        return {"t": np.array(self.t)}


class TimeAndObs(RewardShaper):
    requires = frozenset({"next_obs", "reward_state"})

    def __init__(self):
        super().__init__("cpu")
        self.valid = []

    def forward(self, batch):
        self.valid.append(batch.valid_mask().tolist())
        return batch.next_obs[:, 0] * 100 + batch.reward_state["t"].float()


def test_pettingzoo_agents_form_the_batch_with_per_agent_rewards_and_absent_agents_masked():
    shaper = TimeAndObs()
    env = ShapedParallelEnv(Race(), shaper, weights=0.5)
    env.reset(seed=0)
    for t in (1, 2):
        _, rewards, terms, _, infos = env.step({a: 0 for a in env.agents})
        expect = {"a": t / 2 * 100 + t, "b": (t + 10) / 2 * 100 + t}
        assert rewards == pytest.approx({a: 1.0 + 0.5 * v for a, v in expect.items()})
        assert {a: infos[a]["reward_components"]["TimeAndObs"] for a in infos} == pytest.approx(expect)
        assert all(infos[a]["reward_components"]["env"] == 1.0 for a in infos)
    assert env.agents == ["b"]
    _, rewards, _, _, infos = env.step({"b": 0})
    assert set(rewards) == {"b"} and shaper.valid[-1] == [False, True]
    assert rewards["b"] == pytest.approx(1.0 + 0.5 * ((3 + 10) / 2 * 100 + 3))


@register_shaper("test_obs_width")
class ObsWidth(RewardShaper):
    """The width of each agent's observation, as ``setup`` saw it, plus its first feature."""

    requires = frozenset({"next_obs"})

    def __init__(self, device: str = "cpu") -> None:
        super().__init__(device)
        self.width = 0

    def setup(self, observation_space, action_space, num_envs):
        self.width = observation_space.shape[0]

    def forward(self, batch):
        assert batch.next_obs.shape[1] == self.width  # one batch per space
        return self.width + batch.next_obs[:, 0].float()


class Market(ParallelEnv):
    """Two buyers see 3 numbers, one seller sees 5; the seller says what it wants in words."""

    metadata = {"name": "market_v0"}

    def __init__(self):
        self.possible_agents = ["buyer_0", "seller", "buyer_1"]
        self._spaces = {
            a: spaces.Box(-100, 100, (5 if a == "seller" else 3,), np.float32) for a in self.possible_agents
        }

    def observation_space(self, agent):
        return self._spaces[agent]

    def action_space(self, agent):
        return spaces.Discrete(2)

    def _obs(self):
        return {a: np.full(self._spaces[a].shape, 10 * k + self.t, np.float32) for k, a in enumerate(self.agents)}

    def reset(self, seed=None, options=None):
        self.agents, self.t = list(self.possible_agents), 0
        return self._obs(), {a: {} for a in self.agents}

    def step(self, actions):
        self.t += 1
        rewards = {a: 0.0 for a in self.agents}
        done = {a: self.t >= 3 for a in self.agents}
        return self._obs(), rewards, done, dict(done), {a: {} for a in self.agents}

    def instruction(self):
        return {"buyer_0": "buy low", "buyer_1": "buy", "seller": "sell high"}


def test_agents_with_different_spaces_are_shaped_in_groups():
    env = ShapedParallelEnv(Market(), "test_obs_width")
    assert env.groups == {"buyer_0": ["buyer_0", "buyer_1"], "seller": ["seller"]}
    env.reset(seed=0)
    _, rewards, *_, infos = env.step({a: 0 for a in env.agents})
    assert rewards == {"buyer_0": 3 + 1.0, "seller": 5 + 11.0, "buyer_1": 3 + 21.0}
    assert infos["seller"]["reward_components"] == {"env": 0.0, "test_obs_width": 16.0}
    assert [c.shapers[0].width for c in env.cores.values()] == [3, 5]
    with pytest.raises(ShaperConfigError, match=r"each with its own shapers; read env.cores"):
        _ = env.core


def test_explicit_groups_per_group_shapers_and_per_agent_instructions():
    class Says(RewardShaper):
        requires = frozenset({"instruction"})

        def forward(self, batch):
            return torch.tensor([float(len(s)) for s in batch.instruction])

    env = ShapedParallelEnv(Market(), {"buyers": [Says("cpu")], "sellers": ["test_obs_width"]},
                            weights={"buyers": 2.0, "sellers": 1.0},
                            groups={"buyers": ["buyer_0", "buyer_1"], "sellers": ["seller"]})
    env.reset(seed=0)
    _, rewards, *_ = env.step({a: 1 for a in env.agents})
    assert rewards == {"buyer_0": 2.0 * len("buy low"), "seller": 5 + 11.0, "buyer_1": 2.0 * len("buy")}
    assert env.current_weights == {"buyers/Says": 2.0, "sellers/test_obs_width": 1.0}


@pytest.mark.parametrize("kwargs, message", [
    ({"groups": {"all": ["buyer_0", "seller", "buyer_1"]}}, r"group 'all': agents \['seller'\] have other"),
    ({"groups": {"buyers": ["buyer_0"]}}, r"must list every agent of possible_agents"),
    ({"shapers": {"buyer_0": ["test_obs_width"]}}, r"shapers keyed by group must name every group"),
    ({"shapers": [ObsWidth()]}, r"agents form 2 groups .* give specs"),
])
def test_groups_that_cannot_work_are_refused(kwargs, message):
    kwargs = {"shapers": "test_obs_width", **kwargs}
    with pytest.raises(ShaperConfigError, match=message):
        ShapedParallelEnv(Market(), kwargs.pop("shapers"), **kwargs)
