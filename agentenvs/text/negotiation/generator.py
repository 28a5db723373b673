"""Seeded games: item counts and private valuations as in Lewis et al. (2017), each with a fair split."""
from __future__ import annotations

import functools
import itertools

import numpy as np

from .rules import MAX_COUNT, MIN_COUNT, NUM_TYPES, TOTAL_VALUE, Game, Split, fair_split


@functools.cache
def valuations(counts: Split) -> tuple[Split, ...]:
    """Every value vector (non-negative ints) that makes the pool ``counts`` worth :data:`TOTAL_VALUE`."""
    ranges = [range(TOTAL_VALUE // c + 1) for c in counts]
    return tuple(v for v in itertools.product(*ranges) if sum(a * c for a, c in zip(v, counts)) == TOTAL_VALUE)


def acceptable(counts: Split, values: tuple[Split, Split]) -> bool:
    """The paper's conditions (every type valued by someone, some type valued by both) and a fair split exists."""
    some = all(a > 0 or b > 0 for a, b in zip(*values))
    both = any(a > 0 and b > 0 for a, b in zip(*values))
    return some and both and fair_split(counts, values) is not None


def generate_game(rng: np.random.Generator) -> Game:
    """A new game drawn with ``rng``: counts per type, two valuations, redrawn until :func:`acceptable`."""
    while True:
        counts = tuple(int(c) for c in rng.integers(MIN_COUNT, MAX_COUNT + 1, NUM_TYPES))
        options = valuations(counts)
        if not options:  # no integer values make this pool worth TOTAL_VALUE, e.g. 3 of each
            continue
        first, second = (options[int(i)] for i in rng.integers(len(options), size=2))
        if acceptable(counts, (first, second)):
            return Game(counts=counts, values=(first, second))
