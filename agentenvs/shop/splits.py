"""Train, val and test goals: disjoint goal-id ranges and disjoint target products, one rule for every family.

A goal id determines its goal: the id seeds the draw of a target product of the split (products
whose index modulo 10 is 0 for test, 1 for val, 2-9 for train) and of the goal's attributes,
options and price limit. Envs draw a goal id from their split's range with their seeded RNG, so
the same seed gives the same goal in TextShop and in the web shop.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ConfigError
from .catalogue import Catalogue
from .goal import Goal, make_goal

SPLITS: dict[str, tuple[int, int]] = {
    "train": (0, 1_000_000_000),
    "val": (1_000_000_000, 1_000_000),
    "test": (1_001_000_000, 1_000_000),
}
"""Split -> (first goal id, number of goal ids)."""

SPLIT_RESIDUES: dict[str, tuple[int, ...]] = {"test": (0,), "val": (1,), "train": tuple(range(2, 10))}
"""Split -> the residues modulo 10 of its target products' indices."""

MIN_PRODUCTS = 10
"""The smallest catalogue in which every split has a target product."""


def check_split(split: Any, catalogue: Catalogue | None = None) -> str:
    """``split`` if it is a known split (and ``catalogue`` holds products of it), else a ConfigError naming it."""
    if split not in SPLITS:
        raise ConfigError(f"split must be one of {sorted(SPLITS)}, got {split!r}")
    if catalogue is not None and len(catalogue) < MIN_PRODUCTS:
        raise ConfigError(f"num_products must be >= {MIN_PRODUCTS} so that every split has target products, "
                          f"got {len(catalogue)}")
    return str(split)


def draw_goal_id(split: str, rng: np.random.Generator) -> int:
    """A goal id of ``split``, uniform over its range."""
    first, count = SPLITS[split]
    return first + int(rng.integers(count))


def target_of(catalogue: Catalogue, split: str, rng: np.random.Generator) -> int:
    """A uniform product of ``split``: a block of ten and a residue, redrawn past the catalogue's end."""
    residues = SPLIT_RESIDUES[split]
    blocks = -(-len(catalogue) // 10)
    while True:
        index = 10 * int(rng.integers(blocks)) + residues[int(rng.integers(len(residues)))]
        if index < len(catalogue):
            return index


def goal_of(catalogue: Catalogue, split: str, goal_id: Any) -> Goal:
    """The goal of ``goal_id`` (an int in ``split``'s range); the same id always gives the same goal.

    Raises:
        ConfigError: ``goal_id`` is not an int of the split's range.
    """
    first, count = SPLITS[split]
    if isinstance(goal_id, bool) or not isinstance(goal_id, (int, np.integer)) or not first <= goal_id < first + count:
        raise ConfigError(f"goal_id for split {split!r} must be an int in [{first}, {first + count}), got {goal_id!r}")
    rng = np.random.default_rng([int(goal_id), catalogue.seed])
    return make_goal(catalogue, target_of(catalogue, split, rng), rng)
