"""Sokoban constants: tile codes, actions, lookup tables and colours. The one source of truth.

The state of a room is a grid of tile codes (the ``grid`` observation is that grid verbatim).
The lookup tables below are indexed by tile code; :mod:`.rules` uses them as Python tuples
on the single-env fast path and as numpy arrays on the batched path, so both paths apply
exactly the same rules.
"""
from __future__ import annotations

import numpy as np

WALL = 0
FLOOR = 1
GOAL = 2
BOX_ON_GOAL = 3
BOX = 4
PLAYER = 5
PLAYER_ON_GOAL = 6
NUM_TILES = 7

TILE_NAMES = ("wall", "floor", "goal", "box_on_goal", "box", "player", "player_on_goal")
TILE_TO_XSB = ("#", " ", ".", "*", "$", "@", "+")

UP, DOWN, LEFT, RIGHT = 0, 1, 2, 3
NUM_ACTIONS = 4
ACTION_NAMES = ("up", "down", "left", "right")
ACTION_DELTAS = ((-1, 0), (1, 0), (0, -1), (0, 1))
"""(row, column) change of each action, indexed by action."""

NOOP = NUM_ACTIONS
"""Index of the no-op used internally (vector autoreset, multi-agent Discrete(5), bad text)."""


def flat_deltas(width: int) -> tuple[int, ...]:
    """Flat-index change of each action in a row-major grid ``width`` columns wide, then 0 for the no-op."""
    return tuple(dr * width + dc for dr, dc in ACTION_DELTAS) + (0,)


# Lookup tables indexed by tile code.
IS_FREE = (0, 1, 1, 0, 0, 0, 0)
"""1 where a player or box may enter: floor and goal."""
IS_BOX = (0, 0, 0, 1, 1, 0, 0)
IS_GOAL = (0, 0, 1, 1, 0, 0, 1)
IS_BLOCK = (1, 0, 0, 1, 1, 0, 0)
"""1 for what a frozen-block test treats as solid: wall and box."""
PLAYER_LEAVES = (WALL, FLOOR, GOAL, BOX_ON_GOAL, BOX, FLOOR, GOAL)
"""Tile left behind when the player walks off a cell."""
PLAYER_ENTERS = (WALL, PLAYER, PLAYER_ON_GOAL, PLAYER_ON_GOAL, PLAYER, PLAYER, PLAYER_ON_GOAL)
"""Tile after the player walks onto a cell (a box there has been pushed away)."""
BOX_ENTERS = (WALL, BOX, BOX_ON_GOAL, BOX_ON_GOAL, BOX, BOX, BOX_ON_GOAL)
"""Tile after a box is pushed onto a free cell."""

IS_FREE_NP = np.array(IS_FREE, dtype=bool)
IS_BOX_NP = np.array(IS_BOX, dtype=bool)
IS_GOAL_NP = np.array(IS_GOAL, dtype=bool)
IS_BLOCK_NP = np.array(IS_BLOCK, dtype=bool)
PLAYER_LEAVES_NP = np.array(PLAYER_LEAVES, dtype=np.uint8)
PLAYER_ENTERS_NP = np.array(PLAYER_ENTERS, dtype=np.uint8)
BOX_ENTERS_NP = np.array(BOX_ENTERS, dtype=np.uint8)

COLORS = {
    "wall": (95, 75, 60),
    "mortar": (60, 45, 35),
    "floor": (20, 20, 24),
    "goal": (220, 60, 60),
    "box": (200, 150, 60),
    "box_edge": (120, 80, 25),
    "box_on_goal": (90, 190, 90),
    "box_on_goal_edge": (40, 110, 40),
    "player": (70, 150, 240),
    "player_edge": (230, 230, 240),
}
"""RGB colours of the sprites in :mod:`.render`."""

TILE_SIZE = 16
"""Default sprite edge in pixels."""

REWARD_MODES = {
    "sparse": (0.0, 0.0, 1.0),
    "gym-sokoban": (-0.1, 1.0, 10.0),
}
"""``reward_mode -> (per step, per box onto (+) / off (-) a goal, on solving)``."""

OBS_MODES = ("grid", "onehot", "rgb", "text")

