"""GUICursor: move a mouse pointer over a screenshot and click the element the instruction names.

As "Learning GUI Grounding with Spatial Reasoning from Visual Feedback" (GUI-Cursor) sets it up: the
agent sees the screen with the pointer drawn on it, the instruction and the pointer's position,
moves, and finally clicks; the episode ends on the click (terminated) or after ``max_steps``
(truncated).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core.arguments import refuse_unknown_kwargs
from .actions import action_space, apply_actions, check_action_mode
from .base import GUIEnv, RewardFn
from .constants import LOOKS, THEMES
from .generator import ScreenConfig
from .tasks import GeneratedTasks, TaskSource


class GUICursorEnv(GUIEnv):
    """Click the instructed element by moving a cursor (see the module doc).

    Observation (``Dict``):
        ``image``: ``uint8 [h, w, 3]``, the screen resized to ``obs_size`` (full size when ``None``) with the pointer;
        ``instruction``: ``float32 [buckets]`` hashed word counts, or the text (``instruction_mode="text"``);
        ``cursor``: ``float32 [2]``, the pointer's (x, y) as fractions of the screen's width and height.

    Actions: see :mod:`.actions` (``action_mode`` discrete, continuous, absolute or text). An action outside
    the space raises :class:`~agentenvs.errors.InvalidActionError` (a ``ValueError``) naming it.

    Reward: ``reward_fn(reward_state)``, by default 1 when a click lands in the target box (edges included).
    ``info``: ``is_success`` (the click hit), ``action_is_valid``, ``steps``, ``instruction_kind``.

    Args:
        screen_size: ``(width, height)`` of generated screens.
        obs_size: ``(width, height)`` of the observed image, or ``None`` for the full screen.
        action_mode: ``"discrete"``, ``"continuous"``, ``"absolute"`` or ``"text"``.
        instruction_mode: ``"hashed"`` (SB3's ``MultiInputPolicy`` takes it) or ``"text"``.
        buckets: length of the hashed instruction.
        max_steps: steps before truncation.
        split: ``"train"``, ``"val"`` or ``"test"`` (disjoint screens; unseen labels in test).
        looks, themes: which screen styles to draw.
        min_elements, max_elements: elements per screen.
        tasks: a task source instead of the generator (the arguments above that describe screens are then unused).
        reward_fn: replaces the hit reward.
        render_mode: ``"rgb_array"`` (full screen with pointer), ``"human"`` or ``"ansi"`` (elements as text).
    """

    def __init__(self, screen_size: tuple[int, int] = (1280, 800), obs_size: tuple[int, int] | None = (128, 80),
                 action_mode: str = "discrete", instruction_mode: str = "hashed", buckets: int = 256,
                 max_steps: int = 40, split: str = "train", looks: tuple[str, ...] = LOOKS,
                 themes: tuple[str, ...] = THEMES, min_elements: int = 1, max_elements: int = 64,
                 tasks: TaskSource | None = None, reward_fn: RewardFn | None = None, render_mode: str | None = None,
                 **unknown: Any):
        refuse_unknown_kwargs("GUICursorEnv", unknown, GUICursorEnv.__init__)
        self.action_mode = check_action_mode(action_mode)
        source = tasks or GeneratedTasks(ScreenConfig(tuple(screen_size), tuple(looks), tuple(themes),  # type: ignore[arg-type]
                                                      min_elements, max_elements, split))
        super().__init__(source, obs_size=obs_size, instruction_mode=instruction_mode, buckets=buckets,
                         max_steps=max_steps, render_mode=render_mode, with_cursor=True, reward_fn=reward_fn)
        self.action_space = action_space(action_mode)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict]:
        self._start(seed, options)
        self.cursor = self.np_random.uniform(0, self.screen_size - 1)
        self.pred_box = np.tile(self.cursor, 2)
        self._renderer.after_change()
        return self._observe(), self._info()

    def step(self, action: Any) -> tuple[dict[str, Any], float, bool, bool, dict[str, Any]]:
        self._require_task()
        cursor, clicked, valid = apply_actions(self.action_mode, action, self.cursor[None], self.screen_size[None])
        self.cursor = cursor[0]
        self.pred_box = np.tile(self.cursor, 2)
        self.clicked, self.valid = bool(clicked[0]), bool(valid[0])
        self.steps += 1
        reward = self._reward()
        truncated = not self.clicked and self.steps >= self.max_steps
        self._renderer.after_change()
        return self._observe(), reward, self.clicked, truncated, self._info()

    def _observe(self) -> dict[str, Any]:
        layer = self._obs_layer
        assert layer is not None  # set by reset, which step requires
        scale = np.array(layer.frame.shape[1::-1]) / self.screen_size
        layer.place(*(self.cursor * scale))
        return {"image": layer.frame.copy(), "instruction": self._instruction(),
                "cursor": (self.cursor / self.screen_size).astype(np.float32)}
