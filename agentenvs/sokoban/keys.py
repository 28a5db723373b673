"""Exact 64-bit keys of Sokoban positions (Zobrist hashing), for count-based exploration bonuses.

A position's key is the XOR of one random 64-bit word per (cell, feature) it has: walls and goals
(fixed for a level), the player's cell and every box's cell. Equal grids get equal keys, in every
env and process (the words come from a generator seeded by the room shape only), and distinct
grids collide with probability about ``2**-64``. Reading keys off an observation costs a hash of
the whole grid; here a move changes the key by a word looked up in :attr:`ZobristKeys.moves`, so
the vector env keeps 1024 keys current for a few microseconds per step.
"""
from __future__ import annotations

import functools

import numpy as np

from .constants import BOX, BOX_ON_GOAL, GOAL, NUM_ACTIONS, NUM_TILES, PLAYER, PLAYER_ON_GOAL, WALL, flat_deltas

#: Outcomes of a move, the last index of :attr:`ZobristKeys.moves`.
BLOCKED, WALKED, PUSHED = 0, 1, 2

_SEED = 0x5EED_0F_50C0BA4


class ZobristKeys:
    """The random words of one room shape and the key changes of every move.

    Attributes:
    ----------
    tiles:
        ``int64 [H * W, NUM_TILES]``: the word each tile code contributes at each cell.
    moves:
        ``int64 [H * W, NUM_ACTIONS + 1, 3]``: the key change when the player standing on a cell
        takes an action (the last one a no-op) and is blocked, walks or pushes a box.
    """

    def __init__(self, shape: tuple[int, int]) -> None:
        height, width = shape
        cells = height * width
        rng = np.random.default_rng([_SEED, height, width])
        wall, goal, player, box = rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max, (4, cells),
                                               dtype=np.int64, endpoint=True)
        self.shape = (height, width)
        self.tiles = np.zeros((cells, NUM_TILES), dtype=np.int64)
        self.tiles[:, WALL] = wall
        self.tiles[:, GOAL] = goal
        self.tiles[:, BOX_ON_GOAL] = box ^ goal
        self.tiles[:, BOX] = box
        self.tiles[:, PLAYER] = player
        self.tiles[:, PLAYER_ON_GOAL] = player ^ goal
        here = np.arange(cells)
        self.moves = np.zeros((cells, NUM_ACTIONS + 1, 3), dtype=np.int64)
        for action, delta in enumerate(flat_deltas(width)):
            target = np.clip(here + delta, 0, cells - 1)  # off-room moves never happen: rooms are walled
            beyond = np.clip(here + 2 * delta, 0, cells - 1)
            walk = player ^ player[target]
            self.moves[:, action, WALKED] = walk
            self.moves[:, action, PUSHED] = walk ^ box[target] ^ box[beyond]
        self.moves[:, NUM_ACTIONS] = 0  # the no-op never moves anything
        self._flat_moves = self.moves.reshape(-1)

    def of_grids(self, grids: np.ndarray) -> np.ndarray:
        """``int64 [N]`` keys of ``N`` rooms given as tile grids ``[N, H, W]`` or ``[N, H * W]``."""
        flat = np.asarray(grids, dtype=np.uint8).reshape(len(grids), -1)
        return np.bitwise_xor.reduce(self.tiles[np.arange(flat.shape[1]), flat], axis=1)

    def of_grid(self, grid: np.ndarray) -> np.int64:
        """The key of one room's tile grid ``[H, W]``."""
        return self.of_grids(np.asarray(grid)[None])[0]

    def update(self, keys: np.ndarray, cells: np.ndarray, actions: np.ndarray,
               moved: np.ndarray, pushed: np.ndarray) -> None:
        """Apply one batched step to ``keys`` in place.

        :param cells: the player's cell (flat index within its room) before the step, ``[B]``.
        :param actions: the action each env took (``NUM_ACTIONS`` for a no-op), ``[B]``.
        :param moved, pushed: ``bool [B]``: the player moved; it pushed a box.
        """
        index = cells * (3 * (NUM_ACTIONS + 1))
        index += actions.astype(np.int64, copy=False) * 3
        index += moved.view(np.uint8)
        index += pushed.view(np.uint8)
        keys ^= self._flat_moves[index]


@functools.lru_cache(maxsize=16)
def zobrist_keys(shape: tuple[int, int]) -> ZobristKeys:
    """The :class:`ZobristKeys` of a room shape (shared: they are read-only)."""
    return ZobristKeys((int(shape[0]), int(shape[1])))
