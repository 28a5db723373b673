"""The native GUICursor vector env: ``num_envs`` cursors over a pool of pre-rendered screens, stepped with numpy."""
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
from .observation import check_size, encode_instruction, observation_space, resize
from .reward_state import reward_state_doc, reward_state_space, task_arrays
from .tasks import GeneratedTasks


class GUICursorVectorEnv(VectorEnv):
    """``num_envs`` GUICursor episodes stepped together; the batched twin of :class:`~.cursor_env.GUICursorEnv`.

    Same spaces (per env), actions (``"discrete"``, ``"continuous"``, ``"absolute"``; no text), hit
    reward, info keys and reward state as the single env. Screens come from a pool of ``pool_size``
    tasks (default ``max(64, num_envs)``) generated when the env is first reset with a new seed, each
    resized to ``obs_size`` once and kept: a reset is a row copy and a step moves ``num_envs`` pointer
    patches with one indexed assignment. ``obs_size`` must be set (the pool holds observation-sized
    screens). Autoreset is Gymnasium's ``NEXT_STEP``; ``reset(options={"reset_mask": m})`` resets some envs.
    ``render()`` (``"rgb_array"``) returns the observed frames, ``uint8 [B, h, w, 3]``.

    Build it with ``gym.make_vec("agentenvs/GUICursor-Small-v0", num_envs=N, vectorization_mode="vector_entry_point")``.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 8, "autoreset_mode": AutoresetMode.NEXT_STEP,
                "supports_reset_mask": True}

    def __init__(self, num_envs: int = 1, screen_size: tuple[int, int] = (160, 120),
                 obs_size: tuple[int, int] = (84, 84), action_mode: str = "discrete", instruction_mode: str = "hashed",
                 buckets: int = 256, max_steps: int = 40, split: str = "train", looks: tuple[str, ...] = LOOKS,
                 themes: tuple[str, ...] = THEMES, min_elements: int = 1, max_elements: int = 64,
                 pool_size: int | None = None, render_mode: str | None = None, **unknown: Any):
        refuse_unknown_kwargs("GUICursorVectorEnv", unknown, GUICursorVectorEnv.__init__)
        for name, value in (("num_envs", num_envs), ("max_steps", max_steps), ("pool_size", pool_size or 1)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ConfigError(f"{name} must be an int >= 1, got {value!r}")
        if action_mode == "text" or instruction_mode == "text":
            raise ConfigError("the native GUICursor vector env has no text actions or text instructions; use "
                              "vectorization_mode='sync'")
        if render_mode not in (None, "rgb_array"):
            raise ConfigError(f"the native GUICursor vector env renders 'rgb_array' only, got {render_mode!r}")
        size = check_size("obs_size", obs_size)
        assert size is not None  # check_size refuses None here
        self.obs_size = size
        self.num_envs, self.max_steps = int(num_envs), int(max_steps)
        self.action_mode = check_action_mode(action_mode, ("discrete", "continuous", "absolute"))
        self.render_mode = render_mode
        self.tasks = GeneratedTasks(ScreenConfig(tuple(screen_size), tuple(looks), tuple(themes),  # type: ignore[arg-type]
                                                 min_elements, max_elements, split))
        self.pool_size = int(pool_size) if pool_size is not None else max(64, self.num_envs)
        self.single_observation_space: spaces.Dict = observation_space(size, instruction_mode, buckets, cursor=True)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.single_action_space = action_space(action_mode)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
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
        self._tip = np.zeros((b, 2), np.int64)
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
            raise ResetNeeded("call reset() before using GUICursorVectorEnv")
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
        return self._observe(), self._info(np.ones(self.num_envs, bool))

    def _reset_envs(self, ids: np.ndarray) -> None:
        if ids.size == 0:
            return
        pool = self._require_pool()
        picks = self._rng.integers(self.pool_size, size=ids.size)
        self._source[ids] = picks
        self._frames[ids] = pool["images"][picks]
        sizes = pool["screen_size"][picks]
        self._cursor[ids] = self._rng.uniform(0, sizes - 1)
        self._steps[ids] = 0
        self._clicked[ids] = False
        self._move(ids)

    def _move(self, ids: np.ndarray) -> None:
        """Redraw the pointers of ``ids`` at their cursors."""
        pool = self._require_pool()
        scale = np.array(self.obs_size) / pool["screen_size"][self._source[ids]]
        tip = np.minimum((self._cursor[ids] * scale).astype(np.int64), np.array(self.obs_size) - 1)
        place_batch(self._frames, pool["images"], self._source[ids], ids, self._tip[ids], tip, self._rgb, self._alpha)
        self._tip[ids] = tip

    def step(self, actions: Any) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        pool = self._require_pool()
        sizes = pool["screen_size"][self._source]
        cursor, clicked, _ = apply_actions(self.action_mode, actions, self._cursor, sizes, batch=self.num_envs)
        live = ~self._autoreset
        self._cursor = np.where(live[:, None], cursor, self._cursor)
        self._clicked = clicked & live
        self._steps += live
        self._move(np.arange(self.num_envs))
        hit = self._hits()
        rewards = hit.astype(np.float64)
        terminated = self._clicked.copy()
        truncated = live & ~terminated & (self._steps >= self.max_steps)
        ids = np.flatnonzero(self._autoreset)
        self._reset_envs(ids)
        self._autoreset = terminated | truncated
        return self._observe(), rewards, terminated, truncated, self._info(hit)

    def _hits(self) -> np.ndarray:
        box = self._require_pool()["target_box"][self._source]
        x, y = self._cursor[:, 0], self._cursor[:, 1]
        return self._clicked & (box[:, 0] <= x) & (x <= box[:, 2]) & (box[:, 1] <= y) & (y <= box[:, 3])

    # -- views -------------------------------------------------------------------------------------
    def _observe(self) -> dict[str, np.ndarray]:
        pool = self._require_pool()
        width, height = self.obs_size
        return {"image": self._frames[:, :height, :width].copy(),
                "instruction": pool["instruction_obs"][self._source],
                "cursor": (self._cursor / pool["screen_size"][self._source]).astype(np.float32)}

    def _info(self, hit: np.ndarray) -> dict[str, np.ndarray]:
        kinds = self._require_pool()["kinds"][self._source]
        return vector_info(make_info(hit & self._clicked, self._steps, True, {"instruction_kind": kinds}))

    def instruction(self) -> list[str]:
        """The instruction of every env."""
        pool = self._require_pool()
        return [pool["instructions"][i] for i in self._source]

    @property
    def target_boxes(self) -> np.ndarray:
        """``float32 [B, 4]``: each env's target box in screen pixels."""
        return self._require_pool()["target_box"][self._source]

    def reward_state(self) -> dict[str, Any]:
        """:meth:`.cursor_env.GUICursorEnv.reward_state` with a leading batch axis."""
        pool = self._require_pool()
        src = self._source
        b = self.num_envs
        return {
            "cursor": self._cursor.astype(np.float32),
            "target_box": pool["target_box"][src],
            "pred_box": np.tile(self._cursor, 2).astype(np.float32),
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
