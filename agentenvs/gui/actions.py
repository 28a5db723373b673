"""The cursor's action modes, their spaces, and how an action moves the cursor (single env and batches alike).

- ``"discrete"``: ``Discrete(17)``: 8 directions (E, NE, N, NW, W, SW, S, SE) x a small step (1/100 of the
  screen per axis) and a large one (1/10), then ``CLICK`` (16);
- ``"continuous"``: ``Box([-1, 1]^3)``: ``(dx, dy)`` times a quarter of the screen, clicking where the
  cursor lands when the third value is > 0;
- ``"absolute"``: ``Box([0, 0, -1], [1, 1, 1])``: go to the normalised point ``(x, y)``, clicking there when
  the third value is > 0 (as GUI-Cursor's model names a point);
- ``"text"``: what an LLM/VLM writes: ``<answer>(x, y)</answer>`` (go to pixel ``(x, y)``),
  ``<answer>STOP</answer>`` (click where the cursor is) or ``MOVE(dx, dy)`` (pixels); the last such
  command in the text counts, and text without one is a no-op with ``info["action_is_valid"] = False``.
  Parsed with one regular expression, never evaluated.
"""
from __future__ import annotations

import re

import numpy as np
from gymnasium import spaces

from ..core.text import text_space
from ..errors import ConfigError, InvalidActionError

ACTION_MODES = ("discrete", "continuous", "absolute", "text")
DIRECTIONS = np.array([(1, 0), (1, -1), (0, -1), (-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1)], dtype=np.float64)
SMALL_STEP, LARGE_STEP, MAX_MOVE = 1 / 100, 1 / 10, 1 / 4
"""Discrete step sizes and the continuous mode's largest move, as fractions of the screen's width and height."""
CLICK = 16
NUM_DISCRETE = 17
ACTION_NAMES = tuple(f"{d}_{s}" for s in ("small", "large") for d in ("E", "NE", "N", "NW", "W", "SW", "S", "SE")) + (
    "CLICK",)
_NUMBER = r"\s*(-?\d+(?:\.\d*)?)\s*"
_COMMAND = re.compile(rf"<answer>\s*(?:\({_NUMBER},{_NUMBER}\)|(STOP))\s*</answer>|MOVE\({_NUMBER},{_NUMBER}\)",
                      re.IGNORECASE)
TEXT_ACTION_LENGTH = 4096


def check_action_mode(mode: str, allowed: tuple[str, ...] = ACTION_MODES) -> str:
    """``mode`` if allowed, else a :class:`ConfigError` naming the choices."""
    if mode not in allowed:
        raise ConfigError(f"action_mode must be one of {allowed}, got {mode!r}")
    return mode


def action_space(mode: str) -> spaces.Space:
    """The action space of ``mode``."""
    if mode == "discrete":
        return spaces.Discrete(NUM_DISCRETE)
    if mode == "continuous":
        return spaces.Box(-1.0, 1.0, (3,), np.float32)
    if mode == "absolute":
        return spaces.Box(np.array([0, 0, -1], np.float32), np.array([1, 1, 1], np.float32), dtype=np.float32)
    return text_space(TEXT_ACTION_LENGTH)


def parse_text(text: str) -> tuple[str, float, float] | None:
    """The last command in ``text``: ``("goto", x, y)``, ``("move", dx, dy)``, ``("stop", 0, 0)``, or ``None``."""
    matches = list(_COMMAND.finditer(text))
    if not matches:
        return None
    x, y, stop, dx, dy = matches[-1].groups()
    if stop:
        return "stop", 0.0, 0.0
    if x is not None:
        return "goto", float(x), float(y)
    return "move", float(dx), float(dy)


def _box_actions(actions: object, mode: str, batch: int | None) -> np.ndarray:
    space = action_space(mode)
    shape = (3,) if batch is None else (batch, 3)
    try:
        array = np.asarray(actions, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise InvalidActionError(f"{mode} actions are float arrays of shape {shape}, got {actions!r}") from err
    assert isinstance(space, spaces.Box)
    if array.shape != shape or not np.isfinite(array).all() or (array < space.low).any() or (array > space.high).any():
        raise InvalidActionError(f"{mode} action {actions!r} is outside the action space {space} "
                                 f"(shape {shape}, values within the bounds)")
    return array.reshape(-1, 3)


def _discrete_actions(actions: object, batch: int | None) -> np.ndarray:
    if batch is None and isinstance(actions, (int, np.integer)) and not isinstance(actions, bool) and \
            0 <= actions < NUM_DISCRETE:  # the common single-env case, without array checks
        return np.array([actions], dtype=np.int64)
    array = np.asarray(actions)
    shape = () if batch is None else (batch,)
    if array.shape != shape or array.dtype == bool or not np.issubdtype(array.dtype, np.integer) or \
            (array < 0).any() or (array >= NUM_DISCRETE).any():
        raise InvalidActionError(f"discrete action {actions!r} is not an integer in 0..{NUM_DISCRETE - 1} "
                                 f"(shape {shape}); actions are {ACTION_NAMES}")
    return array.reshape(-1).astype(np.int64)


def apply_actions(mode: str, actions: object, cursor: np.ndarray, size: np.ndarray,
                  batch: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """New cursors, click flags and validity flags for ``actions`` taken at ``cursor``.

    Args:
        mode: the action mode (not ``"text"`` when ``batch`` is given).
        actions: one action (``batch=None``) or ``batch`` of them.
        cursor: ``float [B, 2]`` current points in pixels.
        size: ``float [B, 2]`` screen (width, height) of each row.
        batch: ``None`` for one env's action, else the number of rows.

    Returns:
        ``(cursor float [B, 2], clicked bool [B], valid bool [B])``; cursors stay on the screen.

    Raises:
        InvalidActionError: an action outside the space, naming it.
    """
    rows = cursor.shape[0]
    clicked = np.zeros(rows, dtype=bool)
    valid = np.ones(rows, dtype=bool)
    if mode == "discrete":
        index = _discrete_actions(actions, batch)
        clicked = index == CLICK
        steps = np.where(index[:, None] < 8, SMALL_STEP, LARGE_STEP) * size
        move = np.where(clicked[:, None], 0.0, DIRECTIONS[index % 8] * steps)
        target = cursor + move
    elif mode in ("continuous", "absolute"):
        array = _box_actions(actions, mode, batch)
        clicked = array[:, 2] > 0
        target = cursor + array[:, :2] * MAX_MOVE * size if mode == "continuous" else array[:, :2] * size
    else:
        if not isinstance(actions, str):
            raise InvalidActionError(f"text actions are strings, got {type(actions).__name__}: {actions!r}")
        command = parse_text(actions)
        target = cursor.copy()
        if command is None:
            valid[:] = False
        elif command[0] == "stop":
            clicked[:] = True
        elif command[0] == "goto":
            target = np.array([[command[1], command[2]]])
        else:
            target = cursor + np.array([[command[1], command[2]]])
    return np.clip(target, 0.0, size - 1), clicked, valid
