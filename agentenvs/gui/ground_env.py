"""GUIGround: ScreenSpot-style grounding in one step: see the screenshot and the instruction, name a point or a box."""
from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from ..core.arguments import refuse_unknown_kwargs
from ..errors import ConfigError, InvalidActionError
from .base import GUIEnv, RewardFn
from .constants import LOOKS, THEMES
from .generator import ScreenConfig
from .tasks import GeneratedTasks, TaskSource

GROUND_MODES = {"point": 2, "box": 4}
"""Action mode -> action length (normalised x, y; or x1, y1, x2, y2)."""


def ground_actions(mode: str, actions: object, sizes: np.ndarray,
                   batch: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The clicks (``float [B, 2]``) and predicted boxes (``float [B, 4]``) of normalised point or box actions.

    Args:
        mode: ``"point"`` or ``"box"``.
        actions: one action (``batch=None``) or ``batch`` of them.
        sizes: ``float [B, 2]`` screen (width, height) of each row.
        batch: ``None`` for one env's action, else the number of rows.

    Raises:
        InvalidActionError: an action outside the space, naming it.
    """
    size = GROUND_MODES[mode]
    shape = (size,) if batch is None else (batch, size)
    try:
        array = np.asarray(actions, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise InvalidActionError(f"{mode} action {actions!r} is not {size} numbers in [0, 1]") from err
    if array.shape != shape or not np.isfinite(array).all() or (array < 0).any() or (array > 1).any():
        raise InvalidActionError(f"{mode} action {actions!r} is outside the action space (shape {shape}, "
                                 "values in [0, 1])")
    pixels = array.reshape(-1, size) * np.tile(sizes, size // 2)
    if size == 2:
        return pixels, np.tile(pixels, 2)
    boxes = np.concatenate([np.minimum(pixels[:, :2], pixels[:, 2:]), np.maximum(pixels[:, :2], pixels[:, 2:])], 1)
    return (boxes[:, :2] + boxes[:, 2:]) / 2, boxes


class GUIGroundEnv(GUIEnv):
    """Point at (or box) the instructed element in one step; the episode then terminates.

    Observation (``Dict``): ``image`` (``uint8 [h, w, 3]``, the screen resized to ``obs_size``) and
    ``instruction`` (hashed words or text), as :class:`~.cursor_env.GUICursorEnv` but without a cursor.

    Actions (normalised to the screen's width and height, in ``[0, 1]``): ``"point"``: ``(x, y)``;
    ``"box"``: ``(x1, y1, x2, y2)`` (corners in either order; its centre is the click). An action
    outside the space raises :class:`~agentenvs.errors.InvalidActionError` naming it.

    Reward: ``reward_fn(reward_state)``, by default 1 when the point (the box's centre) lies in the target
    box, edges included, as SeeClick scores ScreenSpot. ``reward_state()`` after the step holds the point
    as ``cursor`` and the box as ``pred_box`` (a zero-size box at the point for point actions).

    Args:
        action_mode: ``"point"`` or ``"box"``.
        tasks: a task source (e.g. :func:`~.screenspot.load_screenspot`'s); the generator's when ``None``.
        Others: as :class:`~.cursor_env.GUICursorEnv` (``max_steps`` is 1).
    """

    def __init__(self, screen_size: tuple[int, int] = (1280, 800), obs_size: tuple[int, int] | None = (128, 80),
                 action_mode: str = "point", instruction_mode: str = "hashed", buckets: int = 256,
                 split: str = "train", looks: tuple[str, ...] = LOOKS, themes: tuple[str, ...] = THEMES,
                 min_elements: int = 1, max_elements: int = 64, tasks: TaskSource | None = None,
                 reward_fn: RewardFn | None = None, render_mode: str | None = None, **unknown: Any):
        refuse_unknown_kwargs("GUIGroundEnv", unknown, GUIGroundEnv.__init__)
        if action_mode not in GROUND_MODES:
            raise ConfigError(f"action_mode must be one of {tuple(GROUND_MODES)}, got {action_mode!r}")
        self.action_mode = action_mode
        source = tasks or GeneratedTasks(ScreenConfig(tuple(screen_size), tuple(looks), tuple(themes),  # type: ignore[arg-type]
                                                      min_elements, max_elements, split))
        super().__init__(source, obs_size=obs_size, instruction_mode=instruction_mode, buckets=buckets,
                         max_steps=1, render_mode=render_mode, with_cursor=False, reward_fn=reward_fn)
        self.action_space = spaces.Box(0.0, 1.0, (GROUND_MODES[action_mode],), np.float32)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict]:
        self._start(seed, options)
        self.cursor = (self.screen_size - 1) / 2
        self.pred_box = np.tile(self.cursor, 2)
        self._renderer.after_change()
        return self._observe(), self._info()

    def step(self, action: Any) -> tuple[dict[str, Any], float, bool, bool, dict[str, Any]]:
        self._require_task()
        cursor, box = ground_actions(self.action_mode, action, self.screen_size[None])
        self.cursor, self.pred_box = cursor[0], box[0]
        self.clicked, self.valid = True, True
        self.steps = 1
        reward = self._reward()
        self._renderer.after_change()
        return self._observe(), reward, True, False, self._info()

    def _observe(self) -> dict[str, Any]:
        layer = self._obs_layer
        assert layer is not None  # set by reset, which step requires
        return {"image": layer.clean.copy(), "instruction": self._instruction()}
