"""The info dicts every family returns: the same keys, types and meaning everywhere.

Every ``info`` (reset and step, single and vector env, each agent) carries :data:`INFO_KEYS`:

- ``is_success`` (bool): the task is achieved; the last step of an episode is the one that
  counts (SB3's ``Monitor`` and our evaluation read it);
- ``action_is_valid`` (bool): the action was understood (text actions that parse, legal moves);
- ``steps`` (int): steps taken in this episode.

A family adds its own keys after these.
"""
from __future__ import annotations

from typing import Any

import numpy as np

INFO_KEYS = ("is_success", "action_is_valid", "steps")


def make_info(is_success: Any, steps: Any, action_is_valid: Any = True,
              extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The info of one env (Python ``bool``/``int``) or of a batch (arrays with a leading env axis).

    Scalars (anything but a numpy array as ``is_success``) come back as Python ``bool`` and
    ``int`` (what SB3 and JSON logs expect); arrays keep their shape with dtype ``bool`` / ``int64``.
    ``extra`` holds the family's own keys, added unchanged after the core ones. Arguments are
    positional-friendly because single envs call this on every step.
    """
    if not isinstance(is_success, np.ndarray):
        return {"is_success": bool(is_success), "action_is_valid": bool(action_is_valid), "steps": int(steps),
                **(extra or {})}
    return {
        "is_success": is_success.astype(bool),
        "action_is_valid": np.broadcast_to(np.asarray(action_is_valid, dtype=bool), is_success.shape).copy(),
        "steps": np.array(steps, dtype=np.int64),
        **(extra or {}),
    }


def vector_info(info: dict[str, np.ndarray], present: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """A batched :func:`make_info` in Gymnasium's vector layout: each key gains its ``"_key"`` mask.

    Args:
        info: key -> array with a leading ``num_envs`` axis.
        present: which envs report this step (default: all).
    """
    out: dict[str, np.ndarray] = {}
    for key, value in info.items():
        value = np.asarray(value)
        out[key] = value
        out["_" + key] = np.ones(len(value), dtype=bool) if present is None else np.asarray(present, dtype=bool).copy()
    return out
