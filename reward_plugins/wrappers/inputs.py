"""Where each shaper input comes from in an env: image and text entries of observation spaces,
which inputs an env cannot provide, and small numpy helpers shared by the wrappers."""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np
from gymnasium import spaces

Path = tuple[str, ...]


def _is_image(space: spaces.Space) -> bool:
    return (
        isinstance(space, spaces.Box)
        and space.dtype == np.uint8
        and len(space.shape) == 3
        and space.shape[-1] == 3
    )


def find_entry(space: spaces.Space, kind: str) -> Path | None:
    """Path to the image (``kind="image"``) or Text (``kind="text"``) part of an observation
    space: ``()`` for the whole observation, ``(key,)`` for a Dict entry, ``None`` if absent."""
    test = _is_image if kind == "image" else (lambda s: isinstance(s, spaces.Text))
    if test(space):
        return ()
    if isinstance(space, spaces.Dict):
        for key, sub in space.spaces.items():
            if test(sub):
                return (key,)
    return None


def pick(obs: Any, path: Path) -> Any:
    """The part of ``obs`` at ``path``."""
    for key in path:
        obs = obs[key]
    return obs


def unavailable_inputs(
    observation_space: spaces.Space,
    *,
    has_reward_state: bool,
    render_mode: str | None,
    text_from_info: bool,
) -> dict[str, str]:
    """Input name -> why this env cannot provide it (only for inputs it cannot provide)."""
    out = {}
    if not has_reward_state:
        out["reward_state"] = "the env has no reward_state() method"
    if find_entry(observation_space, "image") is None and render_mode != "rgb_array":
        out["frames"] = f"observations are not RGB images and render_mode is {render_mode!r}"
    if find_entry(observation_space, "text") is None and not text_from_info:
        out["text"] = "observations have no Text entry and text_from_info is False"
    return out


def batch_one(value: Any) -> Any:
    """A single-env value as a batch of 1 (dicts entry by entry, strings as a list)."""
    if isinstance(value, Mapping):
        return {k: batch_one(v) for k, v in value.items()}
    if isinstance(value, str):
        return [value]
    return np.asarray(value)[None]


def copy_obs(obs: Any) -> Any:
    """A copy of a batched observation, so a vector env reusing its buffers cannot change it."""
    if isinstance(obs, Mapping):
        return {k: copy_obs(v) for k, v in obs.items()}
    if isinstance(obs, np.ndarray):
        return obs.copy()
    return obs


def stack_dicts(items: list[Mapping[str, Any]]) -> dict[str, np.ndarray]:
    """A list of per-env dicts of arrays -> one dict of arrays with a leading batch axis."""
    return {key: np.stack([np.asarray(item[key]) for item in items]) for key in items[0]}


def replace_rows(batched: Any, rows: np.ndarray, values: list[Any]) -> Any:
    """A copy of ``batched`` with row ``rows[j]`` set to ``values[j]`` (dict observations too)."""
    if isinstance(batched, Mapping):
        return {k: replace_rows(v, rows, [val[k] for val in values]) for k, v in batched.items()}
    if isinstance(batched, np.ndarray):
        out = batched.copy()
        out[rows] = np.stack([np.asarray(v) for v in values])
        return out
    out = list(batched)
    for row, value in zip(rows.tolist(), values):
        out[row] = value
    return out
