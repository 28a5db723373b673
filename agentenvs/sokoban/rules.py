"""Sokoban state transitions: a scalar fast path for one env and a batched numpy path.

A room state is a row-major grid of tile codes (:mod:`.constants`), flattened; the player is
a flat index into it. Both paths read the same lookup tables, and ``tests/sokoban`` checks
that they agree on random transitions.

Rooms must be enclosed by walls on the grid border (every :class:`~.level.Level` parsed or
generated here is); the batched path relies on it so that cells touched by a blocked move
never belong to a neighbouring env.
"""
from __future__ import annotations

import numpy as np

from .constants import (
    BOX,
    BOX_ENTERS,
    BOX_ENTERS_NP,
    BOX_ON_GOAL,
    FLOOR,
    GOAL,
    IS_BOX,
    IS_BOX_NP,
    IS_FREE,
    IS_FREE_NP,
    IS_GOAL_NP,
    PLAYER,
    PLAYER_ENTERS,
    PLAYER_ENTERS_NP,
    PLAYER_LEAVES,
    PLAYER_LEAVES_NP,
    PLAYER_ON_GOAL,
    WALL,
)
from .level import Level


def step_scalar(state: bytearray, player: int, delta: int) -> tuple[int, int, int]:
    """Move the player by ``delta`` cells in ``state`` (modified in place).

    Parameters
    ----------
    state:
        Flat tile codes of one room.
    player:
        Flat index of the player.
    delta:
        Flat offset of the move (:func:`.constants.flat_deltas`); 0 is a no-op.

    Returns:
    -------
    tuple[int, int, int]
        The player's new index, the index the box was pushed to (-1 without a push), and the
        change in boxes on goals (-1, 0 or +1).
    """
    target = player + delta
    tile = state[target]
    if IS_FREE[tile]:
        state[player] = PLAYER_LEAVES[state[player]]
        state[target] = PLAYER_ENTERS[tile]
        return target, -1, 0
    if IS_BOX[tile]:
        beyond = target + delta
        behind = state[beyond]
        if IS_FREE[behind]:
            state[player] = PLAYER_LEAVES[state[player]]
            state[target] = PLAYER_ENTERS[tile]
            state[beyond] = BOX_ENTERS[behind]
            return target, beyond, (behind == GOAL) - (tile == BOX_ON_GOAL)
    return player, -1, 0


def step_batch(
    state: np.ndarray, player: np.ndarray, delta: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Move every player of a batch of rooms at once (``state`` modified in place).

    Parameters
    ----------
    state:
        ``uint8`` array of shape ``(B * H * W,)``: the rooms' flat grids one after another.
    player:
        ``int64`` array ``(B,)`` of flat indices into ``state``.
    delta:
        ``int64`` array ``(B,)`` of flat move offsets; 0 is a no-op.

    Returns:
    -------
    tuple of arrays ``(B,)``
        New player indices, whether a box was pushed, the index it was pushed to (meaningful
        where pushed), and the change in boxes on goals (``int64``: -1, 0, +1).
    """
    target = player + delta
    beyond = np.clip(target + delta, 0, state.shape[0] - 1)
    here = state[player]
    tile = state[target]
    behind = state[beyond]
    push = IS_BOX_NP[tile] & IS_FREE_NP[behind]
    move = IS_FREE_NP[tile] | push
    # Blocked envs write back the values they read; their cells are their own or border walls.
    state[player] = np.where(move, PLAYER_LEAVES_NP[here], here)
    state[target] = np.where(move, PLAYER_ENTERS_NP[tile], tile)
    state[beyond] = np.where(push, BOX_ENTERS_NP[behind], behind)
    change = (IS_GOAL_NP[behind].astype(np.int64) - IS_GOAL_NP[tile]) * push
    return np.where(move, target, player), push, beyond, change


def encode_level(level: Level, shape: tuple[int, int]) -> np.ndarray:
    """Tile grid ``uint8 [H, W]`` of ``level`` centred in a room of ``shape``, padded with walls."""
    height, width = level.shape
    rows, cols = shape
    if height > rows or width > cols:
        raise ValueError(f"level of shape {level.shape} does not fit a room of shape {shape}")
    top, left = (rows - height) // 2, (cols - width) // 2
    grid = np.full(shape, WALL, dtype=np.uint8)
    inner = grid[top:top + height, left:left + width]
    inner[~level.walls] = FLOOR
    inner[level.goals] = GOAL
    inner[level.boxes] = np.where(level.goals[level.boxes], BOX_ON_GOAL, BOX)
    pr, pc = level.player
    inner[pr, pc] = PLAYER_ON_GOAL if level.goals[pr, pc] else PLAYER
    return grid


def decode_grid(grid: np.ndarray) -> Level:
    """The :class:`~.level.Level` a tile grid ``[H, W]`` shows (inverse of :func:`encode_level`)."""
    grid = np.asarray(grid)
    player = np.argwhere((grid == PLAYER) | (grid == PLAYER_ON_GOAL))[0]
    return Level(
        walls=grid == WALL,
        goals=IS_GOAL_NP[grid],
        boxes=IS_BOX_NP[grid],
        player=(int(player[0]), int(player[1])),
    )

