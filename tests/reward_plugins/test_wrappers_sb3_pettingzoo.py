"""ShapedVecEnv (SB3) and ShapedParallelEnv (PettingZoo)."""
from __future__ import annotations

import functools

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces
from pettingzoo import ParallelEnv  # noqa: E402
from stable_baselines3.common.vec_env import DummyVecEnv  # noqa: E402

from reward_plugins import RewardShaper, TransitionBatch
from reward_plugins.wrappers import ShapedParallelEnv, ShapedVecEnv  # noqa: E402


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

    @functools.cache
    def observation_space(self, agent):
        return spaces.Box(0, 10, (1,), np.float32)

    @functools.cache
    def action_space(self, agent):
        return spaces.Discrete(2)

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
