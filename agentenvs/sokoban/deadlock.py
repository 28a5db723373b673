"""Deadlock detection: dead squares (precomputed per level) and frozen 2x2 blocks.

A position is deadlocked when some box can provably never reach a goal. Two cheap, sound
tests cover the common cases:

- *dead square*: a box off goal on a cell from which no goal can be reached by pushing. The
  set is computed once per level by pulling a box backwards from every goal.
- *frozen block*: a 2x2 square whose four cells are each a wall or a box, with at least one
  box off goal; none of those boxes can ever move again.

Both tests only need checking around a box that just moved, and a deadlock never goes away.
"""
from __future__ import annotations

import numpy as np

from .constants import BOX, IS_BLOCK, IS_BLOCK_NP, IS_BOX_NP, IS_GOAL_NP, WALL


def dead_squares(grid: np.ndarray) -> np.ndarray:
    """Bool ``[H, W]``: non-wall cells from which a box can never be pushed onto any goal.

    A box can reach a goal from cell ``c`` iff pulling it from the goal can bring it to ``c``:
    a pull moves a box from ``n`` to ``n - d`` while the player steps from ``n - d`` to
    ``n - 2d``, so both cells must be free of walls.
    """
    height, width = grid.shape
    free = (grid.ravel() != WALL).tolist()
    goal_cells = np.flatnonzero(IS_GOAL_NP[grid]).tolist()
    live = [False] * (height * width)
    for cell in goal_cells:
        live[cell] = True
    stack = goal_cells
    steps = (-width, width, -1, 1)
    while stack:
        cell = stack.pop()
        for d in steps:
            to = cell + d
            if free[to] and not live[to] and free[to + d]:
                live[to] = True
                stack.append(to)
    return (np.array(free) & ~np.array(live)).reshape(height, width)


def frozen_at(state: bytearray, cell: int, width: int) -> bool:
    """Whether one of the four 2x2 squares holding ``cell`` is a frozen block (flat scalar state)."""
    for corner in (cell, cell - 1, cell - width, cell - width - 1):
        a = state[corner]
        b = state[corner + 1]
        c = state[corner + width]
        d = state[corner + width + 1]
        if IS_BLOCK[a] and IS_BLOCK[b] and IS_BLOCK[c] and IS_BLOCK[d] and BOX in (a, b, c, d):
            return True
    return False


def deadlocked_after_push(state: bytearray, dead: bytes, cell: int, width: int) -> bool:
    """Deadlock test for the box just pushed to ``cell`` (scalar path)."""
    return (dead[cell] == 1 and state[cell] == BOX) or frozen_at(state, cell, width)


def deadlocked_after_push_batch(state: np.ndarray, dead: np.ndarray, cells: np.ndarray, width: int) -> np.ndarray:
    """Batched :func:`deadlocked_after_push`: ``state`` and ``dead`` are flat over the batch, ``cells`` ``(K,)``."""
    corners = cells[:, None] + np.array([0, -1, -width, -width - 1])
    quads = state[corners[:, :, None] + np.array([0, 1, width, width + 1])]
    frozen = (IS_BLOCK_NP[quads].all(axis=2) & (quads == BOX).any(axis=2)).any(axis=1)
    return frozen | (dead[cells] & (state[cells] == BOX))


def deadlocked(grid: np.ndarray, dead: np.ndarray) -> bool:
    """Full deadlock test of a grid ``[H, W]`` (used once per reset, on every box)."""
    flat = bytearray(grid.ravel().tobytes())
    dead_flat = dead.ravel().tobytes()
    width = grid.shape[1]
    return any(
        deadlocked_after_push(flat, dead_flat, int(cell), width)
        for cell in np.flatnonzero(IS_BOX_NP[grid.ravel()])
    )
