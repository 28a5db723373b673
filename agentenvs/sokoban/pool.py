"""Levels compiled for play, and :class:`LevelPool`, a seeded set of them for cheap resets."""
from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError
from .deadlock import dead_squares, deadlocked
from .keys import zobrist_keys
from .level import Level
from .rules import encode_level

LevelGenerator = Callable[[np.random.Generator], Level]
"""A task distribution: draws one level from the generator it is given."""


@dataclass(frozen=True, eq=False)
class CompiledLevel:
    """A level as the rules play it, in a room of a fixed shape.

    Attributes:
    ----------
    grid:
        ``uint8 [H, W]`` tile codes, the level centred and padded with walls.
    player:
        Flat index of the player in ``grid``.
    dead:
        ``bool [H, W]`` dead squares (:func:`.deadlock.dead_squares`).
    deadlock:
        Whether the start position is already deadlocked.
    boxes_on_target:
        Boxes on goals at the start.
    num_boxes:
        Boxes in the level.
    window:
        ``(top, left, height, width)`` of the level inside ``grid`` (for XSB without padding).
    """

    grid: np.ndarray
    player: int
    dead: np.ndarray
    deadlock: bool
    boxes_on_target: int
    num_boxes: int
    window: tuple[int, int, int, int]


def compile_level(level: Level, shape: tuple[int, int]) -> CompiledLevel:
    """Encode ``level`` into a room of ``shape`` and precompute what the rules need."""
    if level.shape[0] > shape[0] or level.shape[1] > shape[1]:
        raise ConfigError(
            f"a level of shape {level.shape} does not fit dim_room={shape}; "
            f"pass dim_room of at least {level.shape}"
        )
    grid = encode_level(level, shape)
    dead = dead_squares(grid)
    top, left = (shape[0] - level.shape[0]) // 2, (shape[1] - level.shape[1]) // 2
    pr, pc = level.player
    return CompiledLevel(
        grid=grid,
        player=(pr + top) * shape[1] + pc + left,
        dead=dead,
        deadlock=deadlocked(grid, dead),
        boxes_on_target=int((level.boxes & level.goals).sum()),
        num_boxes=level.num_boxes,
        window=(top, left, *level.shape),
    )


class LevelPool:
    """A fixed set of compiled levels in one room shape, stacked for batched resets.

    Parameters
    ----------
    levels:
        The levels; each must fit in ``shape``.
    shape:
        ``(H, W)`` of the room every level is padded to.

    Attributes:
    ----------
    compiled:
        The :class:`CompiledLevel` of each level.
    grids, dead:
        ``[P, H, W]`` stacks of :attr:`CompiledLevel.grid` and :attr:`CompiledLevel.dead`.
    players, deadlock, boxes_on_target, num_boxes:
        ``[P]`` arrays of the per-level values.
    windows:
        ``int64 [P, 4]`` level windows (top, left, height, width).
    """

    def __init__(self, levels: Sequence[Level], shape: tuple[int, int]):
        if not levels:
            raise ConfigError("a LevelPool needs at least one level")
        self.levels = list(levels)
        self.shape = (int(shape[0]), int(shape[1]))
        self.compiled = [compile_level(level, self.shape) for level in self.levels]
        compiled = self.compiled
        self.grids = np.stack([c.grid for c in compiled])
        self.dead = np.stack([c.dead for c in compiled])
        self.players = np.array([c.player for c in compiled], dtype=np.int64)
        self.deadlock = np.array([c.deadlock for c in compiled], dtype=bool)
        self.boxes_on_target = np.array([c.boxes_on_target for c in compiled], dtype=np.int64)
        self.num_boxes = np.array([c.num_boxes for c in compiled], dtype=np.int64)
        self.windows = np.array([c.window for c in compiled], dtype=np.int64)

    @classmethod
    def generate(cls, generator: LevelGenerator, size: int, seed: int | np.random.SeedSequence | None,
                 shape: tuple[int, int]) -> LevelPool:
        """A pool of ``size`` levels drawn from ``generator`` with ``numpy.random.default_rng(seed)``."""
        if size < 1:
            raise ConfigError(f"pool size must be at least 1, got {size}")
        rng = np.random.default_rng(seed)
        return cls([generator(rng) for _ in range(size)], shape)

    def __len__(self) -> int:
        return len(self.levels)

    @functools.cached_property
    def keys(self) -> np.ndarray:
        """``int64 [P]`` Zobrist keys of the start positions (:mod:`.keys`)."""
        return zobrist_keys(self.shape).of_grids(self.grids)

    def sample(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """``count`` level indices drawn uniformly (with replacement) with ``rng``."""
        return rng.integers(0, len(self.levels), count)
