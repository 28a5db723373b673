"""Exact 64-bit keys of GUICursor states: which task is on screen, and where the pointer is.

GiGPO groups steps by anchor state and count bonuses read ``state_key``; a cursor state is the
task (its screen's pixels, the instruction and the target) plus the pointer's position as the
observation gives it (``float32`` fractions of the screen: a move and its opposite can leave the
float64 pixels a rounding error apart, which no observation shows). A task's digest (BLAKE2b of
those, once per task) does not depend on where the task came from, so the single env and the
native vector env give the same screen and pointer the same key in any process; the pointer's
bits are mixed in with SplitMix64's finaliser, so distinct states collide with probability about
``2**-64``.
"""
from __future__ import annotations

import hashlib

import numpy as np

from .screen import Task

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def task_digest(task: Task) -> np.uint64:
    """A 64-bit digest of ``task``: its screen's pixels, its instruction and its target's box."""
    hasher = hashlib.blake2b(digest_size=8)
    image = np.ascontiguousarray(task.screen.image)
    hasher.update(np.array(image.shape, np.int64).tobytes())
    hasher.update(image.tobytes())
    hasher.update(task.instruction.encode("utf-8", "surrogatepass"))
    hasher.update(np.array(task.target_element.box, np.int64).tobytes())
    return np.frombuffer(hasher.digest(), np.uint64)[0]


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: a bijection of uint64 that spreads every input bit over the output."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def cursor_state_keys(digests: np.ndarray, cursors: np.ndarray) -> np.ndarray:
    """``int64 [B]`` keys of ``B`` states: task ``digests`` (``uint64 [B]``) and observed pointers (``float32 [B, 2]``).

    ``cursors`` are the observations' ``cursor`` fields (fractions of the screen's width and height).
    """
    observed = np.ascontiguousarray(cursors, np.float32) + np.float32(0)  # + 0: -0.0 and 0.0 are one position
    bits = observed.view(np.uint32).astype(np.uint64)
    with np.errstate(over="ignore"):
        key = _mix(np.asarray(digests, np.uint64) + _GOLDEN)
        key = _mix(key ^ bits[:, 0])
        key = _mix((key + _GOLDEN) ^ bits[:, 1])
    return key.view(np.int64)
