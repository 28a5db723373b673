"""Native GUI vector envs: ``num_envs`` episodes over a pool of pre-rendered screens, stepped with numpy.

:class:`GUIPoolVectorEnv` holds what both share (the pool, resets, reward state, instructions,
rendering); :class:`GUICursorVectorEnv` moves pointers, :class:`GUIGroundVectorEnv` scores one point
or box per episode.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.error import ResetNeeded
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from ..core.arguments import refuse_unknown_kwargs
from ..core.info import make_info, vector_info
from ..errors import ConfigError
from .actions import action_space, apply_actions, check_action_mode
from .constants import LOOKS, SPLIT_SPAN, THEMES
from .cursor import place_batch, pointer_height, sprite
from .generator import ScreenConfig
from .ground_env import GROUND_MODES, ground_actions
from .observation import check_size, encode_instruction, observation_space, resize
from .reward_state import reward_state_doc, reward_state_space, task_arrays
from .tasks import GeneratedTasks


class GUIPoolVectorEnv(VectorEnv):
    """The shared part of the GUI vector envs (see :class:`GUICursorVectorEnv` for the arguments).

    Screens come from a pool of ``pool_size`` tasks (default ``max(64, num_envs)``) generated when the
    env is first reset with a new seed, each resized to ``obs_size`` once and kept: a reset is a row
    copy. Autoreset is Gymnasium's ``NEXT_STEP``; ``reset(options={"reset_mask": m})`` resets some envs.
    ``render()`` (``"rgb_array"``) returns the observed frames, ``uint8 [B, h, w, 3]``.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 8, "autoreset_mode": AutoresetMode.NEXT_STEP,
                "supports_reset_mask": True}

    def __init__(self, name: str, num_envs: int, screen_size: tuple[int, int], obs_size: tuple[int, int],
                 instruction_mode: str, buckets: int, max_steps: int, config: dict[str, Any], pool_size: int | None,
                 render_mode: str | None, with_cursor: bool):
        for arg, value in (("num_envs", num_envs), ("max_steps", max_steps), ("pool_size", pool_size or 1)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ConfigError(f"{arg} must be an int >= 1, got {value!r}")
        if instruction_mode == "text":
            raise ConfigError(f"the native {name} vector env has no text instructions; use vectorization_mode='sync'")
        if render_mode not in (None, "rgb_array"):
            raise ConfigError(f"the native {name} vector env renders 'rgb_array' only, got {render_mode!r}")
        size = check_size("obs_size", obs_size)
        assert size is not None  # check_size refuses None here
        self.name, self.obs_size, self.with_cursor = name, size, with_cursor
        self.num_envs, self.max_steps = int(num_envs), int(max_steps)
        self.render_mode = render_mode
        self.tasks = GeneratedTasks(ScreenConfig(tuple(screen_size), **config))  # type: ignore[arg-type]
        self.pool_size = int(pool_size) if pool_size is not None else max(64, self.num_envs)
        self.single_observation_space: spaces.Dict = observation_space(size, instruction_mode, buckets, with_cursor)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.single_reward_state_space = reward_state_space(self.tasks.max_size, self.tasks.max_elements,
                                                            self.max_steps)
        self.reward_state_space = batch_space(self.single_reward_state_space, self.num_envs)
        self.reward_state_doc = reward_state_doc(self.single_reward_state_space)
        self._rgb, self._alpha = sprite(pointer_height(size[1]))
        self._pool: dict[str, Any] | None = None
        self._pool_seed: Any = None
        self._rng = np.random.default_rng()
        b = self.num_envs
        pad_h, pad_w = self._alpha.shape
        self._frames = np.zeros((b, size[1] + pad_h, size[0] + pad_w, 3), np.uint8)
        self._source = np.zeros(b, np.int64)
        self._cursor = np.zeros((b, 2))
        self._pred_box = np.zeros((b, 4))
        self._steps = np.zeros(b, np.int64)
        self._clicked = np.zeros(b, bool)
        self._autoreset = np.zeros(b, bool)
        self._all = np.ones(b, bool)

    # -- the pool ------------------------------------------------------------------------------
    def _make_pool(self, seed: np.random.SeedSequence) -> dict[str, Any]:
        width, height = self.obs_size
        pad_h, pad_w = self._alpha.shape
        indices = np.random.default_rng(seed).integers(SPLIT_SPAN, size=self.pool_size)
        tasks = [self.tasks.task(int(i)) for i in indices]
        images = np.zeros((len(tasks), height + pad_h, width + pad_w, 3), np.uint8)
        arrays = [task_arrays(t, self.tasks.max_elements, self.single_reward_state_space) for t in tasks]
        instructions = [a.pop("instruction") for a in arrays]
        for row, task in enumerate(tasks):
            images[row, :height, :width] = resize(task.screen.image, self.obs_size)
        pool: dict[str, Any] = {key: np.stack([a[key] for a in arrays]) for key in arrays[0]}
        pool["images"] = images
        instruction_space = self.single_observation_space.spaces["instruction"]
        pool["instruction_obs"] = np.stack([np.asarray(encode_instruction(t.instruction, instruction_space))
                                            for t in tasks])
        pool["instructions"] = instructions
        pool["kinds"] = np.array([t.kind for t in tasks])
        return pool

    def _require_pool(self) -> dict[str, Any]:
        if self._pool is None:
            raise ResetNeeded(f"call reset() before using the {self.name} vector env")
        return self._pool

    # -- episodes --------------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
        """Reset every env, or those in ``options["reset_mask"]``; a new ``seed`` regenerates the pool."""
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
            raise ConfigError(f"seed must be None or an int >= 0, got {seed!r}")
        mask = self._all
        if options and options.get("reset_mask") is not None:
            mask = np.asarray(options["reset_mask"], dtype=bool)
            if mask.shape != (self.num_envs,):
                raise ConfigError(f"options['reset_mask'] must be a bool array of shape ({self.num_envs},), "
                                  f"got {mask.shape}")
        if seed is not None or self._pool is None:
            pool_seq, pick_seq = np.random.SeedSequence(seed).spawn(2)
            self._rng = np.random.default_rng(pick_seq)
            if self._pool is None or seed is None or seed != self._pool_seed:
                self._pool, self._pool_seed = self._make_pool(pool_seq), seed
        self._reset_envs(np.flatnonzero(mask))
        self._autoreset[mask] = False
        return self._observe(), self._info(np.zeros(self.num_envs, bool))

    def _reset_envs(self, ids: np.ndarray) -> None:
        """Give ``ids`` fresh pool screens: frames, cursors (uniform on the screen), counters."""
        if ids.size == 0:
            return
        pool = self._require_pool()
        picks = self._rng.integers(self.pool_size, size=ids.size)
        self._source[ids] = picks
        self._frames[ids] = pool["images"][picks]
        sizes = pool["screen_size"][picks]
        self._cursor[ids] = self._rng.uniform(0, sizes - 1) if self.with_cursor else (sizes - 1) / 2
        self._pred_box[ids] = np.tile(self._cursor[ids], 2)
        self._steps[ids] = 0
        self._clicked[ids] = False

    def _sizes(self) -> np.ndarray:
        return self._require_pool()["screen_size"][self._source]

    def _hits(self) -> np.ndarray:
        box = self._require_pool()["target_box"][self._source]
        x, y = self._cursor[:, 0], self._cursor[:, 1]
        return self._clicked & (box[:, 0] <= x) & (x <= box[:, 2]) & (box[:, 1] <= y) & (y <= box[:, 3])

    def _finish(self, live: np.ndarray) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Rewards, ends and info after a step's cursors and clicks are set; resets last step's finished envs."""
        hit = self._hits()
        terminated = self._clicked.copy()
        truncated = live & ~terminated & (self._steps >= self.max_steps)
        self._reset_envs(np.flatnonzero(self._autoreset))
        self._autoreset = terminated | truncated
        return self._observe(), hit.astype(np.float64), terminated, truncated, self._info(hit)

    # -- views -------------------------------------------------------------------------------------
    def _observe(self) -> dict[str, np.ndarray]:
        pool = self._require_pool()
        width, height = self.obs_size
        obs = {"image": self._frames[:, :height, :width].copy(), "instruction": pool["instruction_obs"][self._source]}
        if self.with_cursor:
            obs["cursor"] = (self._cursor / self._sizes()).astype(np.float32)
        return obs

    def _info(self, hit: np.ndarray) -> dict[str, np.ndarray]:
        kinds = self._require_pool()["kinds"][self._source]
        return vector_info(make_info(hit, self._steps, True, {"instruction_kind": kinds}))

    def instruction(self) -> list[str]:
        """The instruction of every env."""
        pool = self._require_pool()
        return [pool["instructions"][i] for i in self._source]

    @property
    def target_boxes(self) -> np.ndarray:
        """``float32 [B, 4]``: each env's target box in screen pixels."""
        return self._require_pool()["target_box"][self._source]

    def reward_state(self) -> dict[str, Any]:
        """The single env's reward state with a leading batch axis, contained in :attr:`reward_state_space`."""
        pool = self._require_pool()
        src = self._source
        b = self.num_envs
        return {
            "cursor": self._cursor.astype(np.float32),
            "target_box": pool["target_box"][src],
            "pred_box": self._pred_box.astype(np.float32),
            "screen_size": pool["screen_size"][src],
            "clicked": self._clicked.astype(np.int64),
            "action_is_valid": np.ones(b, np.int64),
            "step": self._steps.copy(),
            "max_steps": np.full(b, self.max_steps, np.int64),
            "element_boxes": pool["element_boxes"][src],
            "element_roles": pool["element_roles"][src],
            "num_elements": pool["num_elements"][src],
            "instruction": tuple(pool["instructions"][i] for i in src),
        }

    def render(self) -> np.ndarray | None:  # type: ignore[override]
        if self.render_mode == "rgb_array":
            width, height = self.obs_size
            return self._frames[:, :height, :width].copy()
        return None


class GUICursorVectorEnv(GUIPoolVectorEnv):
    """``num_envs`` GUICursor episodes stepped together; the batched twin of :class:`~.cursor_env.GUICursorEnv`.

    Same spaces (per env), actions (``"discrete"``, ``"continuous"``, ``"absolute"``; no text), hit
    reward, info keys and reward state as the single env; screens from a pool (see
    :class:`GUIPoolVectorEnv`); a step moves ``num_envs`` pointer patches with one indexed assignment.
    ``obs_size`` must be set (the pool holds observation-sized screens).

    Build it with ``gym.make_vec("agentenvs/GUICursor-Small-v0", num_envs=N, vectorization_mode="vector_entry_point")``.
    """

    def __init__(self, num_envs: int = 1, screen_size: tuple[int, int] = (160, 120),
                 obs_size: tuple[int, int] = (84, 84), action_mode: str = "discrete", instruction_mode: str = "hashed",
                 buckets: int = 256, max_steps: int = 40, split: str = "train", looks: tuple[str, ...] = LOOKS,
                 themes: tuple[str, ...] = THEMES, min_elements: int = 1, max_elements: int = 64,
                 pool_size: int | None = None, render_mode: str | None = None, **unknown: Any):
        refuse_unknown_kwargs("GUICursorVectorEnv", unknown, GUICursorVectorEnv.__init__)
        if action_mode == "text":
            raise ConfigError("the native GUICursor vector env has no text actions; use vectorization_mode='sync'")
        self.action_mode = check_action_mode(action_mode, ("discrete", "continuous", "absolute"))
        config = dict(looks=tuple(looks), themes=tuple(themes), min_elements=min_elements,
                      max_elements=max_elements, split=split)
        super().__init__("GUICursor", num_envs, screen_size, obs_size, instruction_mode, buckets, max_steps, config,
                         pool_size, render_mode, with_cursor=True)
        self.single_action_space = action_space(action_mode)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self._tip = np.zeros((self.num_envs, 2), np.int64)

    def _reset_envs(self, ids: np.ndarray) -> None:
        super()._reset_envs(ids)
        if ids.size:
            self._move(ids)

    def _move(self, ids: np.ndarray) -> None:
        """Redraw the pointers of ``ids`` at their cursors."""
        pool = self._require_pool()
        scale = np.array(self.obs_size) / pool["screen_size"][self._source[ids]]
        tip = np.minimum((self._cursor[ids] * scale).astype(np.int64), np.array(self.obs_size) - 1)
        place_batch(self._frames, pool["images"], self._source[ids], ids, self._tip[ids], tip, self._rgb, self._alpha)
        self._tip[ids] = tip

    def step(self, actions: Any) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        cursor, clicked, _ = apply_actions(self.action_mode, actions, self._cursor, self._sizes(), batch=self.num_envs)
        live = ~self._autoreset
        self._cursor = np.where(live[:, None], cursor, self._cursor)
        self._pred_box = np.tile(self._cursor, 2)
        self._clicked = clicked & live
        self._steps += live
        self._move(np.arange(self.num_envs))
        return self._finish(live)


class GUIGroundVectorEnv(GUIPoolVectorEnv):
    """``num_envs`` GUIGround episodes (one step each); the batched twin of :class:`~.ground_env.GUIGroundEnv`.

    Actions ``float32 [B, 2]`` (``"point"``) or ``[B, 4]`` (``"box"``), normalised; rewards, ends, info and
    reward state as the single env. Under ``NEXT_STEP`` autoreset every other step is a reset step.
    """

    def __init__(self, num_envs: int = 1, screen_size: tuple[int, int] = (160, 120),
                 obs_size: tuple[int, int] = (84, 84), action_mode: str = "point", instruction_mode: str = "hashed",
                 buckets: int = 256, split: str = "train", looks: tuple[str, ...] = LOOKS,
                 themes: tuple[str, ...] = THEMES, min_elements: int = 1, max_elements: int = 64,
                 pool_size: int | None = None, render_mode: str | None = None, **unknown: Any):
        refuse_unknown_kwargs("GUIGroundVectorEnv", unknown, GUIGroundVectorEnv.__init__)
        if action_mode not in GROUND_MODES:
            raise ConfigError(f"action_mode must be one of {tuple(GROUND_MODES)}, got {action_mode!r}")
        self.action_mode = action_mode
        config = dict(looks=tuple(looks), themes=tuple(themes), min_elements=min_elements,
                      max_elements=max_elements, split=split)
        super().__init__("GUIGround", num_envs, screen_size, obs_size, instruction_mode, buckets, 1, config,
                         pool_size, render_mode, with_cursor=False)
        self.single_action_space = spaces.Box(0.0, 1.0, (GROUND_MODES[action_mode],), np.float32)
        self.action_space = batch_space(self.single_action_space, self.num_envs)

    def step(self, actions: Any) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        cursor, boxes = ground_actions(self.action_mode, actions, self._sizes(), batch=self.num_envs)
        live = ~self._autoreset
        self._cursor = np.where(live[:, None], cursor, self._cursor)
        self._pred_box = np.where(live[:, None], boxes, self._pred_box)
        self._clicked = live.copy()
        self._steps += live
        return self._finish(live)
