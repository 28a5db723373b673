"""What GUICursor and GUIGround share: tasks, observations, reward, reward state, info and rendering.

An episode draws one task (``options={"task_index": i}`` picks one), renders its screen once
(``render()``'s full frame) and resizes it once to ``obs_size``; steps only move the pointer.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.error import ResetNeeded

from ..core.info import make_info
from ..core.render import Renderer
from ..errors import ConfigError
from .cursor import CursorLayer, pointer_height
from .observation import check_size, encode_instruction, observation_space, resize
from .reward_state import reward_state_doc, reward_state_space, reward_state_values, task_arrays
from .screen import Task, inside
from .tasks import TaskSource

RewardFn = Callable[[dict[str, Any]], float]
"""``reward_fn(reward_state) -> float``: the env's reward from its reward state after the step."""


def hit_reward(state: dict[str, Any]) -> float:
    """1 on the step that clicks inside the target box (edges included), else 0."""
    return float(bool(state["clicked"]) and inside(state["target_box"], *state["cursor"]))


class GUIEnv(gym.Env):
    """The shared shell of the GUI envs (see :class:`~.cursor_env.GUICursorEnv` for the arguments)."""

    metadata = {"render_modes": ["rgb_array", "human", "ansi"], "render_fps": 8}

    def __init__(self, tasks: TaskSource, *, obs_size: tuple[int, int] | None, instruction_mode: str, buckets: int,
                 max_steps: int, render_mode: str | None, with_cursor: bool, reward_fn: RewardFn | None):
        if isinstance(max_steps, bool) or not isinstance(max_steps, (int, np.integer)) or max_steps < 1:
            raise ConfigError(f"max_steps must be an int >= 1, got {max_steps!r}")
        if reward_fn is not None and not callable(reward_fn):
            raise ConfigError(f"reward_fn must be callable(reward_state) -> float, got {reward_fn!r}")
        self.tasks = tasks
        self.obs_size = check_size("obs_size", obs_size, allow_none=True)
        self.max_steps = int(max_steps)
        self.reward_fn = reward_fn or hit_reward
        self._image_size = self.obs_size or tasks.max_size
        self.observation_space: spaces.Dict = observation_space(self._image_size, instruction_mode, buckets,
                                                                with_cursor)
        self.reward_state_space = reward_state_space(tasks.max_size, tasks.max_elements, self.max_steps)
        self.reward_state_doc = reward_state_doc(self.reward_state_space)
        self._renderer = Renderer(render_mode, self.metadata["render_modes"], rgb=self._frame, ansi=self._ansi,
                                  title="agentenvs GUI", fps=self.metadata["render_fps"], zoom=1)
        self.render_mode = render_mode
        self._task: Task | None = None
        self._episode: dict[str, np.ndarray] = {}
        self._obs_layer: CursorLayer | None = None
        self._full_layer: CursorLayer | None = None
        self._instruction_obs: Any = None
        self.cursor = np.zeros(2)
        self.pred_box = np.zeros(4)
        self.clicked = self.valid = False
        self.steps = 0

    # -- episodes ----------------------------------------------------------------------------
    def _start(self, seed: int | None, options: dict[str, Any] | None) -> Task:
        super().reset(seed=seed)
        index = (options or {}).get("task_index")
        if index is None:
            index = int(self.np_random.integers(len(self.tasks)))
        elif isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not 0 <= index < len(self.tasks):
            raise ConfigError(f"options['task_index'] must be an int in 0..{len(self.tasks) - 1}, got {index!r}")
        task = self.tasks.task(int(index))
        self._task = task
        self._episode = task_arrays(task, self.tasks.max_elements, self.reward_state_space)
        image = resize(task.screen.image, self._image_size)
        self._obs_layer = CursorLayer(image, pointer_height(image.shape[0]))
        self._full_layer = None
        self._instruction_obs = encode_instruction(task.instruction, self.observation_space.spaces["instruction"])
        self.steps = 0
        self.clicked, self.valid = False, True
        return task

    def _require_task(self) -> Task:
        if self._task is None:
            raise ResetNeeded(f"call reset() before using {type(self).__name__}")
        return self._task

    @property
    def screen_size(self) -> np.ndarray:
        """``float [2]``: the current screen's (width, height)."""
        return self._episode["screen_size"]

    def _instruction(self) -> Any:
        """The instruction observation: a fresh array (hashed) or the text."""
        obs = self._instruction_obs
        return obs.copy() if isinstance(obs, np.ndarray) else obs

    def _hit(self) -> bool:
        return self.clicked and inside(self._require_task().target_element.box, *self.cursor)

    def _reward(self) -> float:
        if self.reward_fn is hit_reward:  # the default needs two flags, not the whole reward state
            return float(self._hit())
        return float(self.reward_fn(self.reward_state()))

    def _info(self) -> dict[str, Any]:
        return make_info(self._hit(), self.steps, self.valid, {"instruction_kind": self._require_task().kind})

    # -- the contract --------------------------------------------------------------------------
    def instruction(self) -> str:
        """The current task in words."""
        return self._require_task().instruction

    def reward_state(self) -> dict[str, Any]:
        """The reward state (see :attr:`reward_state_doc`), contained in :attr:`reward_state_space`."""
        self._require_task()
        return reward_state_values(self._episode, cursor=self.cursor, pred_box=self.pred_box, clicked=self.clicked,
                                   valid=self.valid, step=self.steps, max_steps=self.max_steps)

    @property
    def target_box(self) -> tuple[int, int, int, int]:
        """The target element's box in screen pixels (what the oracles read)."""
        return self._require_task().target_element.box

    # -- pictures ------------------------------------------------------------------------------
    def _frame(self) -> np.ndarray:
        """The full-resolution screen with the pointer, composited in place like the observation."""
        task = self._require_task()
        if self._full_layer is None:
            self._full_layer = CursorLayer(task.screen.image, pointer_height(task.screen.size[1]))
        self._full_layer.place(*self.cursor)
        return self._full_layer.frame.copy()

    def _ansi(self) -> str:
        task = self._require_task()
        lines = [f"instruction: {task.instruction}", f"cursor: ({self.cursor[0]:.0f}, {self.cursor[1]:.0f})"]
        lines += [f"[{i}] {e.role} {e.label!r} {e.box} in {e.container}" for i, e in enumerate(task.screen.elements)]
        return "\n".join(lines)

    def render(self) -> Any:
        return self._renderer.render()

    def close(self) -> None:
        self._renderer.close()
