"""VLM-RM's batched mode for Stable-Baselines3: score a finished rollout's frames in large chunks.

Instead of one CLIP forward pass per env step (``ShapedVecEnv``), :class:`BatchedRewardCallback`
keeps the frame after every step of a rollout and, when the rollout ends and before the policy
update, scores all ``n_steps x n_envs`` frames ``chunk_size`` at a time and adds ``weight x``
the rewards to the algorithm's buffer: the ``RolloutBuffer`` of on-policy algorithms (PPO, A2C;
returns and advantages are then recomputed) or the last transitions of the ``ReplayBuffer`` of
off-policy ones (SAC, as VLM-RM trains). Large chunks keep a GPU busy where per-step batches of
``n_envs`` frames do not. Imports stable_baselines3.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..base import RewardShaper, TransitionBatch
from ..errors import MissingDependencyError, ShaperConfigError

try:
    from stable_baselines3.common.buffers import ReplayBuffer, RolloutBuffer
    from stable_baselines3.common.callbacks import BaseCallback
except ImportError as e:  # pragma: no cover - depends on the environment
    raise MissingDependencyError(
        "BatchedRewardCallback needs stable-baselines3: pip install 'agentenvs[baselines]' (or stable-baselines3)"
    ) from e

#: Inputs the callback can give a shaper: the frame after each step and each env's instruction.
BATCHED_INPUTS = frozenset({"frames", "instruction"})


def _channels_last(frames: np.ndarray) -> np.ndarray:
    """``[N, H, W, 3]`` from SB3's channel-first image observations (``VecTransposeImage``) or as given."""
    if frames.ndim == 4 and frames.shape[-1] != 3 and frames.shape[1] == 3:
        return np.ascontiguousarray(frames.transpose(0, 2, 3, 1))
    return frames


class BatchedRewardCallback(BaseCallback):
    """Adds ``weight x shaper(frames)`` to the buffer's rewards once per rollout, ``chunk_size`` frames per call.

    The frame of a step is its next observation (``infos[i]["terminal_observation"]`` for envs that
    just finished) when observations are RGB images, else ``training_env.get_images()`` (which
    shows the reset state of finished envs). The shaper must be stateless and read only
    ``frames`` and ``instruction`` (``vlm_clip`` does); instructions are read after each step.
    Logs ``batched_reward/mean`` and ``batched_reward/frames``.

    :param shaper: a stateless shaper, e.g. ``make_shaper("vlm_clip", model=..., ...)``.
    :param weight: factor on the shaped rewards added to the env rewards.
    :param chunk_size: frames per shaper call.
    """

    def __init__(self, shaper: RewardShaper, weight: float = 1.0, chunk_size: int = 1024, verbose: int = 0) -> None:
        super().__init__(verbose)
        extra = set(shaper.requires) - BATCHED_INPUTS
        if extra:
            raise ShaperConfigError(f"BatchedRewardCallback gives shapers {sorted(BATCHED_INPUTS)} only; "
                                    f"{type(shaper).__name__} also reads {sorted(extra)}: use ShapedVecEnv")
        if int(chunk_size) < 1:
            raise ShaperConfigError(f"chunk_size must be >= 1, got {chunk_size}")
        self.shaper, self.weight, self.chunk_size = shaper, float(weight), int(chunk_size)
        self._frames: list[np.ndarray] = []
        self._instructions: list[list[str]] = []

    def _on_rollout_start(self) -> None:
        self._frames, self._instructions = [], []

    def _on_step(self) -> bool:
        new_obs, infos, dones = self.locals["new_obs"], self.locals["infos"], self.locals["dones"]
        if isinstance(new_obs, np.ndarray) and new_obs.dtype == np.uint8 and new_obs.ndim == 4:
            frames = new_obs.copy()
            for i in np.flatnonzero(dones):
                if "terminal_observation" in infos[i]:
                    frames[i] = infos[i]["terminal_observation"]
        else:
            frames = np.stack([np.asarray(image) for image in self.training_env.get_images()])
        self._frames.append(_channels_last(frames))
        if "instruction" in self.shaper.requires:
            self._instructions.append([str(s) for s in self.training_env.env_method("instruction")])
        return True

    def _on_rollout_end(self) -> None:
        if not self._frames:
            return
        steps, n_envs = len(self._frames), self._frames[0].shape[0]
        frames = np.concatenate(self._frames)  # step-major: row t * n_envs + i
        instructions = [s for row in self._instructions for s in row] or None
        rewards = self.score(frames, instructions).reshape(steps, n_envs)
        self._add(rewards * self.weight)
        self.logger.record("batched_reward/mean", float(rewards.mean()))
        self.logger.record("batched_reward/frames", int(frames.shape[0]))
        self._frames, self._instructions = [], []

    @torch.no_grad()
    def score(self, frames: np.ndarray, instructions: list[str] | None = None) -> np.ndarray:
        """The shaper's float32 rewards of ``[N, H, W, 3]`` uint8 frames, ``chunk_size`` per call."""
        out = []
        for start in range(0, frames.shape[0], self.chunk_size):
            stop = min(start + self.chunk_size, frames.shape[0])
            batch = TransitionBatch(frames=torch.from_numpy(frames[start:stop]),
                                    instruction=None if instructions is None else instructions[start:stop],
                                    size=stop - start)
            out.append(self.shaper(batch.to(self.shaper.device)).float().cpu().numpy())
        return np.concatenate(out)

    def _add(self, rewards: np.ndarray) -> None:
        """Add ``[steps, n_envs]`` rewards to the transitions this rollout wrote."""
        model: Any = self.model
        buffer = getattr(model, "rollout_buffer", None)
        if isinstance(buffer, RolloutBuffer):
            buffer.rewards[:rewards.shape[0]] += rewards
            buffer.compute_returns_and_advantage(last_values=self.locals["values"], dones=self.locals["dones"])
            return
        buffer = getattr(model, "replay_buffer", None)
        if isinstance(buffer, ReplayBuffer):  # the last `kept` rows before pos, wrapping around
            kept = min(rewards.shape[0], buffer.buffer_size)
            rows = (buffer.pos - kept + np.arange(kept)) % buffer.buffer_size
            buffer.rewards[rows] += rewards[-kept:]
            return
        raise ShaperConfigError(f"{type(model).__name__} has neither a RolloutBuffer nor a ReplayBuffer to write to")
