"""GridCursor: a small Gymnasium env with a cursor and a target box, exposing the grounding reward_state.

A test fixture (a real env the wrappers drive), standing in for the agentenvs GUI envs in these
tests: the cursor moves between the centres of ``cols x rows`` cells of ``cell`` pixels and
clicks; the sparse reward is 1 for a click inside the target box.
"""
from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

LEFT, RIGHT, UP, DOWN, STAY, CLICK, INVALID = range(7)
MOVES = {LEFT: (-1, 0), RIGHT: (1, 0), UP: (0, -1), DOWN: (0, 1)}


class GridCursor(gym.Env):
    """Cursor on a grid of cells; the target is a pixel box.

    Actions: 0-3 move one cell (left, right, up, down; walls stop), 4 stays, 5 clicks (ends the
    episode: reward 1 inside the target, edges included, else 0), 6 is an unparsable action (a
    no-op with ``action_is_valid`` 0). Observation: the cursor's cell (col, row). Truncated after
    ``max_steps`` steps. ``start``: the start cell, or ``None`` for a seeded random one.
    """

    def __init__(self, cols: int = 7, rows: int = 5, cell: int = 10,
                 target_box: tuple[float, float, float, float] = (30.0, 20.0, 40.0, 30.0),
                 start: tuple[int, int] | None = (0, 0), max_steps: int = 20) -> None:
        self.cols, self.rows, self.cell, self.max_steps = cols, rows, cell, max_steps
        self.target_box = np.array(target_box, np.float32)
        self.start = start
        self.observation_space = spaces.Box(0, max(cols, rows), (2,), np.int64)
        self.action_space = spaces.Discrete(7)
        self.pos = (0, 0)
        self.t = 0
        self.clicked = self.valid = False

    def cursor(self, pos: tuple[int, int] | None = None) -> np.ndarray:
        """Pixel position of the centre of cell ``pos`` (default: the cursor's)."""
        col, row = self.pos if pos is None else pos
        return np.array([(col + 0.5) * self.cell, (row + 0.5) * self.cell], np.float32)

    def move(self, pos: tuple[int, int], action: int) -> tuple[int, int]:
        """The cell after ``action`` from ``pos`` (the rule the value-iteration test shares)."""
        dx, dy = MOVES.get(action, (0, 0))
        return min(max(pos[0] + dx, 0), self.cols - 1), min(max(pos[1] + dy, 0), self.rows - 1)

    def hit(self, pos: tuple[int, int]) -> bool:
        x, y = self.cursor(pos)
        x1, y1, x2, y2 = self.target_box
        return bool(x1 <= x <= x2 and y1 <= y <= y2)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        if self.start is None:
            self.pos = (int(self.np_random.integers(self.cols)), int(self.np_random.integers(self.rows)))
        else:
            self.pos = self.start
        self.t, self.clicked, self.valid = 0, False, True
        return np.array(self.pos, np.int64), {}

    def step(self, action: int):
        action = int(action)
        self.t += 1
        self.valid = action != INVALID
        self.clicked = action == CLICK
        self.pos = self.move(self.pos, action)
        reward = float(self.clicked and self.hit(self.pos))
        return np.array(self.pos, np.int64), reward, self.clicked, self.t >= self.max_steps, {}

    def reward_state(self) -> dict[str, np.ndarray]:
        return {
            "cursor": self.cursor(),
            "target_box": self.target_box.copy(),
            "screen_size": np.array([self.cols * self.cell, self.rows * self.cell], np.float32),
            "clicked": np.array(int(self.clicked)),
            "action_is_valid": np.array(int(self.valid)),
            "step": np.array(self.t),
            "max_steps": np.array(self.max_steps),
        }
