"""Shaping wrappers on the agentenvs Sokoban env and its native vector env (reward_state path)."""
from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

import agentenvs  # noqa: F401  (registers the ids)
from reward_plugins import RewardShaper, TransitionBatch
from reward_plugins.wrappers import ShapedEnv, ShapedVectorEnv

LEVEL = "######\n##   #\n##.$@#\n##   #\n##   #\n######"
ID = "agentenvs/Sokoban-Tiny-v0"


class PlayerVisits(RewardShaper):
    """Per-env episodic visit count of the player's cell (from reward_state), reward 1/n,
    plus the step counter: exercises reward_state, per-env state, masking and resets."""

    requires = frozenset({"reward_state", "next_obs"})

    def __init__(self) -> None:
        super().__init__("cpu")

    def setup(self, observation_space, action_space, num_envs):
        self.visits = torch.zeros(num_envs, *observation_space.shape)

    def forward(self, batch: TransitionBatch) -> torch.Tensor:
        rows = torch.arange(batch.batch_size)
        player = batch.reward_state["player"].long()
        self.visits[rows, player[:, 0], player[:, 1]] += batch.valid_mask().float()
        n = self.visits[rows, player[:, 0], player[:, 1]].clamp_min(1)
        return 1.0 / n + 0.01 * batch.reward_state["steps"].float() + 0.001 * batch.next_obs.flatten(1).float().sum(1)

    def reset(self, done_mask):
        self.visits[done_mask] = 0


def test_native_sokoban_vector_env_equals_single_envs():
    n, steps = 6, 60
    actions = np.random.default_rng(0).integers(0, 4, size=(steps, n))
    venv = ShapedVectorEnv(
        gym.make_vec(ID, num_envs=n, vectorization_mode="vector_entry_point", levels=[LEVEL], max_steps=7),
        PlayerVisits(),
    )
    venv.reset(seed=0)
    vector = [[] for _ in range(n)]
    masked = 0
    for a in actions:
        _, reward, _, _, info = venv.step(a)
        masked += int((~info["_reward_components"]).sum())
        for i in np.flatnonzero(info["_reward_components"]):
            vector[i].append(reward[i])
    assert masked > 0
    for i in range(n):
        env = ShapedEnv(gym.make(ID, levels=[LEVEL], max_steps=7), PlayerVisits())
        env.reset(seed=0)
        single, pending = [], False
        for a in actions[:, i]:
            if pending:
                env.reset()
                pending = False
                continue
            _, r, term, trunc, _ = env.step(int(a))
            single.append(r)
            pending = term or trunc
        np.testing.assert_allclose(vector[i], single, rtol=1e-6)


def test_sokoban_frames_and_reward_state_inputs_are_available():
    class FrameMean(RewardShaper):
        requires = frozenset({"frames"})

        def forward(self, batch):
            return batch.frames.float().mean((1, 2, 3))

    envs = gym.make_vec(ID, num_envs=2, vectorization_mode="vector_entry_point", render_mode="rgb_array")
    venv = ShapedVectorEnv(envs, FrameMean("cpu"))
    venv.reset(seed=0)
    _, _, _, _, info = venv.step(np.zeros(2, np.int64))
    expected = venv.unwrapped.render().reshape(2, -1).mean(1)
    np.testing.assert_allclose(info["reward_components"]["FrameMean"], expected, rtol=1e-5)
    ShapedEnv(gym.make(ID), PlayerVisits())  # reward_state found through the wrapper stack


@pytest.mark.parametrize("spec", ["icm", "e3b", "rnd", {"name": "rnd", "epochs": 2, "minibatch_size": 4}])
def test_learned_shapers_skip_steps_where_every_env_is_resetting(spec):
    # One env, 5-step episodes: under NEXT_STEP autoreset every 6th batch has no transition.
    venv = gym.make_vec(ID, num_envs=1, vectorization_mode="vector_entry_point", max_steps=5)
    env = ShapedVectorEnv(venv, [spec])
    shaper = env.core.shapers[0]
    env.reset(seed=0)
    moved = {"reset": 0, "valid": 0}
    steps = {"reset": 0, "valid": 0}
    for t in range(14):
        before = {k: v.clone() for k, v in shaper.state_dict().items() if isinstance(v, torch.Tensor)}
        _, reward, terminated, truncated, info = env.step(np.array([t % 4]))
        kind = "valid" if info["_reward_components"][0] else "reset"
        after = shaper.state_dict()
        steps[kind] += 1
        moved[kind] += any(not torch.equal(before[k], after[k]) for k in before)
        assert np.isfinite(reward).all()
        if kind == "reset":  # no transition: no bonus, no learning
            assert info["reward_components"][shaper.name][0] == 0.0
    assert steps["reset"] >= 2 and moved["reset"] == 0
    assert moved["valid"] == steps["valid"]  # ... while every real transition trains the shaper


def test_count_on_text_observations_keys_each_board_apart():
    env = ShapedEnv(gym.make(ID, obs_mode="text"), ["count"])
    obs, _ = env.reset(seed=3)
    seen, bonuses = [obs], []
    for action in ["left", "up", "right", "down", "left", "left"]:
        obs, _, terminated, truncated, info = env.step(action)
        seen.append(obs)
        bonuses.append(info["reward_components"]["count"])
        if terminated or truncated:
            break
    visits = {}
    expected = []
    for board in seen[1:]:
        visits[board] = visits.get(board, 0) + 1
        expected.append(1 / np.sqrt(visits[board]))
    assert len(set(seen[1:])) > 1
    np.testing.assert_allclose(bonuses, expected, rtol=1e-6)


def _keyed_and_hashed(kind: str):
    """Shapers counting env state keys and observation hashes side by side."""
    return [
        {"name": kind, "input": "state_key", "device": "cpu"},
        {"name": kind, "hash": "exact", "device": "cpu"},
    ]


@pytest.mark.parametrize("kind", ["count", "episodic_count"])
@pytest.mark.parametrize("mode", ["vector_entry_point", "sync"])
def test_counts_of_env_state_keys_equal_counts_of_observations(kind, mode):
    # Sokoban keys are exact keys of the grid, so both shapers count the same visits, through
    # autoresets and with key tracking started by the wrapper's first step.
    venv = gym.make_vec(ID, num_envs=5, vectorization_mode=mode, max_steps=12)
    env = ShapedVectorEnv(venv, _keyed_and_hashed(kind))
    keyed, hashed = env.core.labels
    env.reset(seed=4)
    rng = np.random.default_rng(4)
    below_one = 0
    for _ in range(80):
        _, _, _, _, info = env.step(rng.integers(0, 4, 5))
        parts = info["reward_components"]
        np.testing.assert_array_equal(parts[keyed], parts[hashed])
        below_one += int((parts[keyed] < 1).sum())
    assert below_one > 50  # states were revisited, so the comparison covered counts above 1
    assert len(env.core.shapers[0].table) == len(env.core.shapers[1].table)


def test_single_env_state_key_counts_equal_observation_counts():
    env = ShapedEnv(gym.make(ID, levels=[LEVEL], max_steps=10), _keyed_and_hashed("count"))
    keyed, hashed = env.core.labels
    env.reset(seed=0)
    for a in np.random.default_rng(1).integers(0, 4, 60):
        _, _, terminated, truncated, info = env.step(int(a))
        assert info["reward_components"][keyed] == info["reward_components"][hashed]
        if terminated or truncated:
            env.reset()
    assert env.core.shapers[0].hash_kind == "env" and len(env.core.shapers[0].table) > 3


def test_state_key_input_is_checked_at_wrap_time():
    from reward_plugins import make_shaper
    from reward_plugins.errors import MissingInputError, ShaperConfigError

    with pytest.raises(MissingInputError, match="state_key.*no state_key\\(\\) method.*Sokoban"):
        ShapedEnv(gym.make("CartPole-v1"), [{"name": "count", "input": "state_key"}])
    with pytest.raises(ShaperConfigError, match="simhash"):
        make_shaper("count", input="state_key", hash="simhash")
    with pytest.raises(ShaperConfigError, match="count bonuses"):
        make_shaper("rnd", input="state_key")


def test_state_keys_are_refused_where_envs_reset_before_keys_are_read():
    from gymnasium.vector import AutoresetMode
    from stable_baselines3.common.vec_env import DummyVecEnv

    from reward_plugins.errors import MissingInputError
    from reward_plugins.wrappers import ShapedVecEnv

    spec = [{"name": "count", "input": "state_key"}]
    same_step = gym.make_vec(ID, num_envs=2, vectorization_mode="sync",
                             vector_kwargs={"autoreset_mode": AutoresetMode.SAME_STEP})
    with pytest.raises(MissingInputError, match="SAME_STEP.*next episode's first state"):
        ShapedVectorEnv(same_step, spec)
    with pytest.raises(MissingInputError, match="DummyVecEnv resets finished envs.*NativeVecEnvAdapter"):
        ShapedVecEnv(DummyVecEnv([lambda: gym.make(ID)] * 2), spec)
    ShapedVectorEnv(same_step, ["count"])  # observations carry their final state: still fine
