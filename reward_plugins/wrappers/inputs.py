"""Where each shaper input comes from in an env.

The input table, image and text entries of observation spaces, which inputs an env cannot
provide, and small numpy helpers shared by the wrappers.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from gymnasium import spaces

Path = tuple[str, ...]


def to_tensor(value: Any) -> Any:
    """Numpy (or a dict of numpy) -> CPU tensors without copying; strings stay a list."""
    if type(value) is np.ndarray and value.dtype.kind in "biuf" and value.flags.c_contiguous:
        return torch.from_numpy(value)
    if isinstance(value, Mapping):
        return {k: to_tensor(v) for k, v in value.items()}
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, (tuple, list)):
        return list(value)
    array = np.asarray(value)
    if array.dtype == object or array.dtype.kind in "US":
        return array.tolist()
    return torch.from_numpy(np.ascontiguousarray(array))


def _float32(value: Any) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(value, dtype=np.float32))


def _bool(value: Any) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(value, dtype=bool))


def _strings(value: Any) -> list[str]:
    return [str(s) for s in (value.tolist() if isinstance(value, np.ndarray) else value)]


@dataclass(frozen=True)
class InputSource:
    """Where a wrapper gets one input of :data:`~reward_plugins.base.INPUTS` for a batch of ``B``.

    ``origin`` is ``"step"`` (the env's step: observations, action, reward, flags),
    ``"env_method"`` (a method of that name on ``env.unwrapped``: one batched call on vector envs
    that have it, else one call per sub-env, stacked; per agent in PettingZoo) or ``"wrapper"``
    (the wrapper derives it: frames from image observations or ``render()``, text from Text
    observations or ``info["text"]``). ``convert`` turns the wrapper's batched value into the
    :class:`~reward_plugins.base.TransitionBatch` field; ``finite`` says the input is checked for
    NaN/inf before any shaper sees it.
    """

    name: str
    origin: str
    convert: Callable[[Any], Any]
    finite: bool = False


#: One row per input: adding an input to the wrappers is adding a row here (and a
#: ``TransitionBatch`` field).
INPUT_TABLE: tuple[InputSource, ...] = (
    InputSource("obs", "step", to_tensor, finite=True),
    InputSource("next_obs", "step", to_tensor, finite=True),
    InputSource("action", "step", to_tensor),
    InputSource("reward", "step", _float32, finite=True),
    InputSource("done", "step", _bool),
    InputSource("terminated", "step", _bool),
    InputSource("reward_state", "env_method", to_tensor, finite=True),
    InputSource("state_key", "env_method", to_tensor),
    InputSource("instruction", "env_method", _strings),
    InputSource("caption", "env_method", _strings),
    InputSource("frames", "wrapper", to_tensor, finite=True),
    InputSource("text", "wrapper", _strings),
)

#: Inputs an env provides through a method of the same name on ``env.unwrapped``.
ENV_METHOD_INPUTS = tuple(row.name for row in INPUT_TABLE if row.origin == "env_method")


def _is_image(space: spaces.Space) -> bool:
    return (
        isinstance(space, spaces.Box)
        and space.dtype == np.uint8
        and len(space.shape) == 3
        and space.shape[-1] == 3
    )


def find_entry(space: spaces.Space, kind: str) -> Path | None:
    """Path to the image (``kind="image"``) or Text (``kind="text"``) part of an observation space.

    ``()`` for the whole observation, ``(key,)`` for a Dict entry, ``None`` if absent.
    """
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
    env_methods: Collection[str],
    render_mode: str | None,
    text_from_info: bool,
) -> dict[str, str]:
    """Input name -> why this env cannot provide it (only for inputs it cannot provide).

    :param env_methods: the :data:`ENV_METHOD_INPUTS` the env has a method for.
    """
    out = {name: f"the env has no {name}() method" for name in ENV_METHOD_INPUTS if name not in env_methods}
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


def stack_rows(items: list[Any]) -> Any:
    """Per-env values -> one batch: dicts of arrays key by key, arrays and scalars stacked."""
    if items and isinstance(items[0], Mapping):
        return {key: np.stack([np.asarray(item[key]) for item in items]) for key in items[0]}
    return np.stack([np.asarray(item) for item in items])


def method_sources(
    batched: Any, per_env: Callable[[str], Callable[[], list[Any]] | None]
) -> dict[str, Callable[[], Any]]:
    """Input name -> function returning it for the whole batch, for the env-method inputs offered.

    :param batched: the object whose own method answers for the whole batch when it has one
        (a native vector env).
    :param per_env: ``name -> None`` when some sub-env lacks method ``name``, else a function
        calling it on every sub-env.
    """
    sources: dict[str, Callable[[], Any]] = {}
    for name in ENV_METHOD_INPUTS:
        method = getattr(batched, name, None)
        if callable(method):
            sources[name] = method
            continue
        call = per_env(name)
        if call is not None:
            sources[name] = functools.partial(_stacked, call)
    return sources


def _stacked(call: Callable[[], list[Any]]) -> Any:
    return stack_rows(call())


def replace_rows(batched: Any, rows: np.ndarray, values: list[Any]) -> Any:
    """A copy of ``batched`` with row ``rows[j]`` set to ``values[j]`` (dict observations too)."""
    if isinstance(batched, Mapping):
        return {k: replace_rows(v, rows, [val[k] for val in values]) for k, v in batched.items()}
    if isinstance(batched, np.ndarray):
        array = batched.copy()
        array[rows] = np.stack([np.asarray(v) for v in values])
        return array
    out = list(batched)
    for row, value in zip(rows.tolist(), values):
        out[row] = value
    return out
