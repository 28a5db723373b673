"""Sokoban's info dict, built by :func:`agentenvs.core.make_info` for every Sokoban env.

Keys: the core's ``is_success``, ``action_is_valid`` and ``steps``, plus ``boxes_on_target``
(boxes on goals) and ``deadlock`` (some box can provably never reach a goal). Scalars in the
single and multi-agent envs, ``[num_envs]`` arrays in the vector env.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core import info as core_info

INFO_KEYS = (*core_info.INFO_KEYS, "boxes_on_target", "deadlock")
"""Every key of a Sokoban info."""


def sokoban_info(on_target: Any, num_boxes: Any, deadlock: Any, steps: Any, action_is_valid: Any = True) -> dict:
    """The info of one room (Python scalars) or of a batch of rooms (``[num_envs]`` arrays)."""
    if isinstance(on_target, np.ndarray):
        extra: dict[str, Any] = {"boxes_on_target": on_target.astype(np.int64), "deadlock": np.array(deadlock, bool)}
    else:
        extra = {"boxes_on_target": on_target, "deadlock": bool(deadlock)}  # on_target: a Python int here
    return core_info.make_info(on_target == num_boxes, steps, action_is_valid, extra)
