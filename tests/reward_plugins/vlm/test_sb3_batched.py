"""VLM-RM's batched mode: a rollout's frames scored in chunks and written into SB3's buffers before the update."""
import numpy as np
import pytest
import torch

import agentenvs  # noqa: F401  (registers the envs)
from reward_plugins import TransitionBatch
from reward_plugins.errors import ShaperConfigError
from reward_plugins.vlm.clip import VLMClipReward

sb3 = pytest.importorskip("stable_baselines3")
from stable_baselines3.common.callbacks import BaseCallback, CallbackList  # noqa: E402
from stable_baselines3.common.env_util import make_vec_env  # noqa: E402

from reward_plugins.vlm.sb3_batched import BatchedRewardCallback  # noqa: E402

ENV = "agentenvs/Sokoban-Visual-v0"


class Recorder(BaseCallback):
    """Keeps what the env showed (``get_images``) each step, and the buffer as SB3 left it before shaping."""

    def _on_rollout_start(self):
        self.frames, self.dones = [], []

    def _on_step(self):
        self.frames.append(np.stack(self.training_env.get_images()))
        self.dones.append(self.locals["dones"].copy())
        return True

    def _on_rollout_end(self):
        buffer = getattr(self.model, "rollout_buffer", None) or self.model.replay_buffer
        self.rewards = buffer.rewards.copy()


class AfterShaping(BaseCallback):
    """Keeps the on-policy buffer and SB3's last values as they are when the update starts (it flattens them)."""

    def _on_step(self):
        return True

    def _on_rollout_end(self):
        buffer = self.model.rollout_buffer
        self.kept = {name: getattr(buffer, name).copy()
                     for name in ("rewards", "values", "episode_starts", "advantages", "returns")}
        self.last_values = self.locals["values"].numpy().ravel()
        self.last_dones = self.locals["dones"].astype(np.float32)


def gae(rewards, values, episode_starts, last_values, last_dones, gamma, lam):
    """Generalised advantage estimation written out (Schulman et al., 2016), as SB3 defines it."""
    advantages, running = np.zeros_like(rewards), 0.0
    for t in reversed(range(rewards.shape[0])):
        next_non_terminal = 1.0 - (last_dones if t == rewards.shape[0] - 1 else episode_starts[t + 1])
        next_values = last_values if t == rewards.shape[0] - 1 else values[t + 1]
        delta = rewards[t] + gamma * next_values * next_non_terminal - values[t]
        running = delta + gamma * lam * next_non_terminal * running
        advantages[t] = running
    return advantages


def shaper(tiny_clip):
    return VLMClipReward(tiny_clip, "all boxes on their targets", "a sokoban level", device="cpu")


def test_ppo_rollout_rewards_get_the_frames_rewards_and_advantages_are_recomputed(tiny_clip):
    venv = make_vec_env(ENV, n_envs=2, seed=0, env_kwargs={"render_mode": "rgb_array"})
    model = sb3.PPO("CnnPolicy", venv, n_steps=8, batch_size=16, n_epochs=1, seed=0, device="cpu",
                    policy_kwargs={"features_extractor_kwargs": {"features_dim": 16}})
    recorder, batched, after = Recorder(), BatchedRewardCallback(shaper(tiny_clip), weight=0.5, chunk_size=5), \
        AfterShaping()
    model.learn(total_timesteps=16, callback=CallbackList([recorder, batched, after]))
    assert not np.any(recorder.dones)  # no episode ended, so get_images() shows each step's next observation
    frames = torch.from_numpy(np.concatenate(recorder.frames))
    scored = shaper(tiny_clip)(TransitionBatch(frames=frames, size=len(frames))).numpy().reshape(8, 2)
    kept = after.kept
    np.testing.assert_allclose(kept["rewards"], recorder.rewards + 0.5 * scored, atol=1e-5)
    expected = gae(kept["rewards"], kept["values"], kept["episode_starts"], after.last_values, after.last_dones,
                   model.gamma, model.gae_lambda)
    np.testing.assert_allclose(kept["advantages"], expected, atol=1e-4)
    np.testing.assert_allclose(kept["returns"], kept["advantages"] + kept["values"], atol=1e-5)
    venv.close()


def test_dqn_replay_buffer_rows_of_the_rollout_get_the_rewards(tiny_clip):
    venv = make_vec_env(ENV, n_envs=2, seed=1, env_kwargs={"render_mode": "rgb_array"})
    model = sb3.DQN("CnnPolicy", venv, buffer_size=12, learning_starts=1000, train_freq=4, seed=0, device="cpu",
                    policy_kwargs={"features_extractor_kwargs": {"features_dim": 16}})
    recorder, batched = Recorder(), BatchedRewardCallback(shaper(tiny_clip), weight=2.0)
    model.learn(total_timesteps=16, callback=CallbackList([recorder, batched]))  # two rollouts of 4 steps
    assert not np.any(recorder.dones)
    frames = torch.from_numpy(np.concatenate(recorder.frames))
    scored = shaper(tiny_clip)(TransitionBatch(frames=frames, size=len(frames))).numpy().reshape(4, 2)
    buffer = model.replay_buffer  # 12 // 2 envs = 6 rows; the second rollout wrote rows 4, 5, 0, 1 (wrapping around)
    rows = [4, 5, 0, 1]
    np.testing.assert_allclose(buffer.rewards[rows], recorder.rewards[rows] + 2.0 * scored, atol=1e-5)
    np.testing.assert_allclose(buffer.rewards[[2, 3]], recorder.rewards[[2, 3]])  # the first rollout's, untouched
    venv.close()


def test_shapers_reading_other_inputs_are_refused():
    from reward_plugins import make_shaper

    with pytest.raises(ShaperConfigError, match="ShapedVecEnv"):
        BatchedRewardCallback(make_shaper("count"))
