"""Builders shared by the intrinsic-shaper tests: spaces, seeded batches, set-up shapers."""
from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import torch

from reward_plugins import RewardShaper, TransitionBatch, make_shaper

#: Observation spaces every shaper must handle.
SPACES: dict[str, gym.Space] = {
    "grid6x6": gym.spaces.Box(0, 6, (6, 6), np.uint8),
    "grid7x7": gym.spaces.Box(0, 6, (7, 7), np.uint8),
    "image84_hwc": gym.spaces.Box(0, 255, (84, 84, 3), np.uint8),
    "image84_chw": gym.spaces.Box(0, 255, (3, 84, 84), np.uint8),
    "vector": gym.spaces.Box(-1.0, 1.0, (5,), np.float32),
    "dict": gym.spaces.Dict(
        {"grid": gym.spaces.Box(0, 6, (7, 7), np.uint8), "pos": gym.spaces.Box(-1.0, 1.0, (2,), np.float32)}
    ),
    "text": gym.spaces.Text(max_length=40),
}


def sample_obs(space: gym.Space, n: int, rng: np.random.Generator) -> Any:
    """A batch of ``n`` observations of ``space`` drawn from ``rng``."""
    if isinstance(space, gym.spaces.Dict):
        return {k: sample_obs(s, n, rng) for k, s in space.spaces.items()}
    if isinstance(space, gym.spaces.Text):
        words = ["go", "north", "red", "door", "key", "pick", "up", "box"]
        return [" ".join(rng.choice(words, size=3)) for _ in range(n)]
    low = np.maximum(space.low, -1.0)
    high = np.minimum(space.high, 255.0)
    if np.issubdtype(space.dtype, np.integer):
        return torch.as_tensor(rng.integers(low, high + 1, size=(n, *space.shape)).astype(space.dtype))
    return torch.as_tensor(rng.uniform(low, high, size=(n, *space.shape)).astype(space.dtype))


def make_batch(space: gym.Space, n: int, seed: int = 0, actions: int = 4) -> TransitionBatch:
    """A seeded batch of ``n`` transitions with Discrete(``actions``) actions."""
    rng = np.random.default_rng(seed)
    return TransitionBatch(
        obs=sample_obs(space, n, rng),
        next_obs=sample_obs(space, n, rng),
        action=torch.as_tensor(rng.integers(0, actions, size=n)),
        reward=torch.zeros(n),
        done=torch.zeros(n, dtype=torch.bool),
    )


def build(name: str, space: gym.Space, num_envs: int, action_space: gym.Space | None = None,
          device: str = "cpu", **kwargs: Any) -> RewardShaper:
    """``make_shaper(name)`` set up for ``space`` with ``num_envs`` envs."""
    shaper = make_shaper(name, device=device, **kwargs)
    shaper.setup(space, action_space or gym.spaces.Discrete(4), num_envs)
    return shaper
