"""An LRU cache of embeddings on the shaper's device, keyed by frame hash or by text.

Sokoban and GUI frames repeat a lot, and so do text observations and instructions: a hit costs
a dictionary lookup instead of a forward pass of the encoder. Frames are keyed by a 64-bit hash
of their bytes (:class:`~reward_plugins.intrinsic.hashing.ExactHash`, computed on the frames'
device; distinct frames collide with probability about ``2**-64``).
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence

import gymnasium as gym
import numpy as np
import torch
from torch import Tensor

from ..intrinsic.hashing import ExactHash


def frame_keys(frames: Tensor) -> list[int]:
    """One 64-bit key per frame of ``[B, H, W, 3]`` uint8 ``frames`` (equal frames, equal keys)."""
    space = gym.spaces.Box(0, 255, tuple(frames.shape[1:]), np.uint8)
    return ExactHash(space)(frames, frames.device).tolist()


class EmbeddingCache:
    """Up to ``capacity`` embeddings by key, least recently used evicted first; ``capacity=0`` stores nothing.

    Counts :attr:`lookups` and :attr:`hits` (rows not embedded: cached, or repeating an earlier row
    of the same batch) so benchmarks and logs can report :attr:`hit_rate`.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = max(int(capacity), 0)
        self.entries: OrderedDict[Hashable, Tensor] = OrderedDict()
        self.lookups = 0
        self.hits = 0

    @property
    def hit_rate(self) -> float:
        """Hits per lookup so far (0 before the first lookup)."""
        return self.hits / self.lookups if self.lookups else 0.0

    def get(self, keys: Sequence[Hashable], compute: Callable[[list[int]], Tensor]) -> Tensor:
        """``[len(keys), D]`` embeddings: cached rows, and ``compute(rows)`` for the first row of each missing key.

        ``compute`` gets the row indices to embed and returns their ``[n, D]`` embeddings.
        """
        if not self.capacity:
            return compute(list(range(len(keys))))
        self.lookups += len(keys)
        first: dict[Hashable, int] = {}
        for row, key in enumerate(keys):
            if key in self.entries:
                self.entries.move_to_end(key)
            else:
                first.setdefault(key, row)
        self.hits += len(keys) - len(first)  # repeats inside the batch are embedded once too
        if first:
            for key, embedding in zip(first, compute(list(first.values()))):
                self.entries[key] = embedding
            while len(self.entries) > self.capacity:
                self.entries.popitem(last=False)
        found = [self.entries.get(key) for key in keys]
        if any(e is None for e in found):  # more distinct keys in one batch than the capacity
            return compute(list(range(len(keys))))
        return torch.stack(found)  # type: ignore[arg-type]

    def clear(self) -> None:
        """Forget every entry and the counts."""
        self.entries.clear()
        self.lookups = self.hits = 0
