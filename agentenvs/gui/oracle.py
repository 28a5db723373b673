"""Reference policies of the GUI envs: they read the target box from the env and go straight to its centre.

Registered as the ``oracle`` of every GUI row (``baselines.reference`` plays them beside a random
policy to normalise scores). ``seed`` is accepted for the protocol and unused: both are deterministic.
"""
from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from .actions import CLICK, DIRECTIONS, LARGE_STEP, MAX_MOVE, SMALL_STEP
from .screen import inside


class GUICursorOracle:
    """Moves the pointer to the target's centre in the fewest steps its action mode allows, then clicks.

    Discrete: the move (of 16) that brings the pointer nearest the centre, until the pointer is in the
    box; continuous: the delta to the centre (clipped); absolute and text: the centre at once, then a click.
    """

    def __init__(self, env: gym.Env, seed: int) -> None:
        self.env: Any = env.unwrapped

    def reset(self, env: gym.Env, obs: Any, info: dict[str, Any]) -> None:
        self.env = env.unwrapped

    def act(self, obs: Any) -> Any:
        env = self.env
        box, cursor, size = np.asarray(env.target_box, float), env.cursor, env.screen_size
        centre = (box[:2] + box[2:]) / 2
        hit = inside(box, *cursor)
        if env.action_mode == "discrete":
            if hit:
                return CLICK
            moves = np.concatenate([DIRECTIONS * SMALL_STEP, DIRECTIONS * LARGE_STEP]) * size
            landed = np.clip(cursor + moves, 0, size - 1)
            return int(np.argmin(np.abs(landed - centre).sum(axis=1)))
        if env.action_mode == "continuous":
            delta = np.clip((centre - cursor) / (MAX_MOVE * size), -1, 1)
            move = np.zeros(2) if hit else delta
            return np.array([move[0], move[1], 1.0 if hit else -1.0], np.float32)
        if env.action_mode == "absolute":
            return np.array([*(centre / size), 1.0], np.float32)
        return "<answer>STOP</answer>" if hit else f"<answer>({centre[0]:.0f}, {centre[1]:.0f})</answer>"


class GUIGroundOracle:
    """Names the target: its centre (point mode) or its box (box mode), normalised."""

    def __init__(self, env: gym.Env, seed: int) -> None:
        self.env: Any = env.unwrapped

    def reset(self, env: gym.Env, obs: Any, info: dict[str, Any]) -> None:
        self.env = env.unwrapped

    def act(self, obs: Any) -> np.ndarray:
        box = np.asarray(self.env.target_box, float) / np.tile(self.env.screen_size, 2)
        if self.env.action_mode == "box":
            return box.astype(np.float32)
        return ((box[:2] + box[2:]) / 2).astype(np.float32)
