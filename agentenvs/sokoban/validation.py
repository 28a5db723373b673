"""Argument checks shared by the single, vector and multi-agent Sokoban envs: one set of rules for all three.

All three accept and refuse the same configs, seeds and actions with the same errors.

Config values and seeds that are wrong raise :class:`~agentenvs.errors.ConfigError` naming the
argument; actions raise :class:`~agentenvs.errors.InvalidActionError`. Nothing is converted
silently: ``1.5`` is not an integer, ``True`` is not a count, ``"3"`` is not a number.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core.render import RENDER_MODES
from ..errors import ConfigError, InvalidActionError
from .constants import OBS_MODES, REWARD_MODES
from .generator import check_generator_args, max_boxes


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def check_int(name: str, value: Any, low: int, high: int | None = None) -> int:
    """``value`` as a Python int if it is an integer in ``low..high``; else a ConfigError naming ``name``."""
    if not _is_int(value):
        raise ConfigError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    if value < low or (high is not None and value > high):
        bound = f">= {low}" if high is None else f"in {low}..{high}"
        raise ConfigError(f"{name} must be {bound}, got {value}")
    return int(value)


def check_choice(name: str, value: Any, choices: tuple[Any, ...]) -> Any:
    """``value`` if it is one of ``choices``; else a ConfigError naming ``name`` and the choices."""
    if not isinstance(value, (str, type(None))) or value not in choices:
        raise ConfigError(f"{name} must be one of {choices}, got {value!r}")
    return value


def check_room(dim_room: Any, smallest: int = 3) -> tuple[int, int]:
    """``dim_room`` as ``(height, width)`` ints, each at least ``smallest`` (walls included)."""
    if isinstance(dim_room, (str, bytes)) or not hasattr(dim_room, "__len__") or len(dim_room) != 2:
        raise ConfigError(f"dim_room must be a (height, width) pair of integers, got {dim_room!r}")
    height, width = (check_int(f"dim_room[{i}]", side, smallest) for i, side in enumerate(dim_room))
    return height, width


def check_num_boxes(num_boxes: Any, dim_room: tuple[int, int]) -> int:
    """``num_boxes`` for procedural levels in a room of ``dim_room``: 1..:func:`max_boxes`."""
    num_boxes = check_int("num_boxes", num_boxes, 1)
    check_generator_args(dim_room, 1, 0)  # a room the generator can build in at all
    most = max_boxes(dim_room)
    if num_boxes > most:
        raise ConfigError(f"num_boxes={num_boxes} does not fit the levels generated in a {dim_room[0]}x{dim_room[1]} "
                          f"room; use num_boxes <= {most}, or a larger dim_room")
    return num_boxes


def check_config(dim_room: Any, num_boxes: Any, max_steps: Any, min_pushes: Any, obs_mode: Any, reward_mode: Any,
                 render_mode: Any, levels: Any, generator: Any) -> tuple[int, int]:
    """Validate the constructor arguments shared by the single and vector envs; return the room shape.

    ``num_boxes`` and ``min_pushes`` are bounded only where they are used: for procedural levels.
    """
    shape = check_room(dim_room)
    num_boxes = check_int("num_boxes", num_boxes, 1)
    check_int("max_steps", max_steps, 1)
    check_int("min_pushes", min_pushes, 0)
    check_choice("obs_mode", obs_mode, OBS_MODES)
    check_choice("reward_mode", reward_mode, tuple(REWARD_MODES))
    check_choice("render_mode", render_mode, (None, *RENDER_MODES))
    if levels is not None and generator is not None:
        raise ConfigError("pass either levels or generator, not both")
    if generator is not None and not callable(generator):
        raise ConfigError(f"generator must be a callable (numpy.random.Generator) -> Level, got {generator!r}")
    if levels is None and generator is None:
        check_num_boxes(num_boxes, shape)
    return shape


def check_agents(num_agents: Any, num_boxes: int, dim_room: tuple[int, int]) -> int:
    """``num_agents`` for multi-agent Sokoban: players and boxes fill at most half the room's inner cells."""
    num_agents = check_int("num_agents", num_agents, 1)
    most = (dim_room[0] - 2) * (dim_room[1] - 2) // 2 - num_boxes
    if num_agents > most:
        raise ConfigError(f"num_agents={num_agents} with num_boxes={num_boxes} does not fit a {dim_room} room: "
                          f"players and boxes take at most half its inner cells, so use num_agents <= "
                          f"{max(most, 0)} (or fewer boxes, or a larger dim_room)")
    return num_agents


def check_seed(seed: Any) -> int | None:
    """``seed`` as a Python int (or None): a non-negative integer, as every env's ``reset(seed=...)`` takes."""
    if seed is None:
        return None
    return check_int("seed", seed, 0)


def _allowed(names: tuple[str, ...]) -> str:
    return f"0..{len(names) - 1} ({', '.join(f'{i}={name}' for i, name in enumerate(names))})"


def action_index(action: Any, names: tuple[str, ...]) -> int:
    """The index of the action named by an integer (Python or numpy, or a one-element integer array).

    ``names`` are the actions in index order; anything else raises InvalidActionError.
    """
    value = action
    if isinstance(action, np.ndarray) and action.size == 1:
        value = action.reshape(())[()]
    if _is_int(value) and 0 <= value < len(names):
        return int(value)
    raise InvalidActionError(f"invalid Sokoban action {action!r}: allowed values are integers {_allowed(names)}; "
                             "not bools, floats or strings")


def action_indices(actions: Any, num_envs: int, names: tuple[str, ...]) -> np.ndarray:
    """A batch of actions, each element as :func:`action_index` takes it, of shape ``(num_envs,)``; an int array."""
    try:
        array = np.asarray(actions)
    except ValueError:  # ragged nesting
        array = np.asarray(None)
    bools = isinstance(actions, (list, tuple)) and any(isinstance(a, (bool, np.bool_)) for a in actions)
    if bools or array.shape != (num_envs,) or array.dtype.kind not in "iu" or (
        array.size and (array.min() < 0 or array.max() >= len(names))
    ):
        raise InvalidActionError(
            f"actions must be integers {_allowed(names)} of shape ({num_envs},), not bools, floats or strings; "
            f"got dtype {array.dtype}, shape {array.shape}, values {actions!r}"
        )
    return array
