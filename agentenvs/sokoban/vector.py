"""The native Sokoban vector env: the batched rules of :mod:`.rules` over ``num_envs`` rooms."""
from __future__ import annotations

from typing import Any, cast

import numpy as np
from gymnasium import spaces
from gymnasium.error import ResetNeeded
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from ..core.arguments import refuse_unknown_kwargs
from ..core.info import vector_info
from ..errors import ConfigError
from .constants import ACTION_NAMES, NOOP, NUM_ACTIONS, NUM_TILES, WALL, flat_deltas
from .deadlock import deadlocked_after_push_batch
from .env import default_generator, make_observation_space
from .info import sokoban_info
from .keys import zobrist_keys
from .level import LevelSource, blank_outside, load_levels, outside_cells
from .pool import LevelGenerator, LevelPool
from .render import grid_to_rgb, grid_to_xsb, paint_cells_batch
from .reward import INSTRUCTION, RewardFn, StepOutcome, reward_fn_for
from .reward_state import max_boxes_bound, reward_state_batch, reward_state_doc, reward_state_space
from .rules import step_batch
from .validation import action_indices, check_config, check_int, check_seed


class SokobanVectorEnv(VectorEnv):
    """``num_envs`` Sokoban rooms stepped together with numpy; the batched twin of :class:`~.env.SokobanEnv`.

    Same rules, spaces (per env), rewards, info keys and arguments as
    :class:`~.env.SokobanEnv` (see its docstring), except that ``obs_mode="text"`` and
    ``render_mode="human"`` are not offered. Build it with
    ``gym.make_vec("agentenvs/Sokoban-v0", num_envs=N, vectorization_mode="vector_entry_point")``.

    Levels come from a :class:`~.pool.LevelPool`, so a reset is a row copy: the given
    ``levels``, or ``pool_size`` levels drawn from the generator when the env is first reset
    with a new seed (``reset(seed=s)`` seeds both the pool and the choice of levels).

    Autoreset follows Gymnasium's default ``AutoresetMode.NEXT_STEP``: the step after an env
    terminates or truncates resets it (its action is ignored, its reward is 0 and its info is
    the reset info). ``infos`` holds each key of the single env's info as an array, with the
    ``_key`` masks Gymnasium adds. ``reward_state()`` is the single env's with a leading
    ``num_envs`` axis, contained in ``reward_state_space`` (``single_reward_state_space``
    batched); ``instruction()`` gives one goal text per env. ``render()`` returns a ``uint8 [B, 16 H, 16 W, 3]`` batch
    (``"rgb_array"``) or a tuple of XSB strings (``"ansi"``).

    Parameters
    ----------
    num_envs:
        Number of rooms.
    pool_size:
        Levels generated per seed when ``levels`` is not given (default ``max(64, num_envs)``).
    **others:
        As for :class:`~.env.SokobanEnv`.
    """

    metadata = {"render_modes": ["rgb_array", "ansi"], "render_fps": 8, "autoreset_mode": AutoresetMode.NEXT_STEP,
                "supports_reset_mask": True}

    def __init__(
        self,
        num_envs: int = 1,
        dim_room: tuple[int, int] = (10, 10),
        num_boxes: int = 3,
        max_steps: int = 120,
        obs_mode: str = "grid",
        levels: LevelSource | None = None,
        reward_mode: str = "sparse",
        min_pushes: int = 0,
        render_mode: str | None = None,
        generator: LevelGenerator | None = None,
        pool_size: int | None = None,
        reward_fn: RewardFn | None = None,
        **unknown: Any,
    ):
        refuse_unknown_kwargs("SokobanVectorEnv", unknown, SokobanVectorEnv.__init__)
        shape = check_config(dim_room, num_boxes, max_steps, min_pushes, obs_mode, reward_mode, render_mode,
                             levels, generator)
        if obs_mode == "text":
            raise ConfigError("the native Sokoban vector env has no text mode; use vectorization_mode='sync'")
        if render_mode == "human":
            raise ConfigError("the native Sokoban vector env renders 'rgb_array' or 'ansi', not 'human'")
        self.num_envs = check_int("num_envs", num_envs, 1)
        self.max_steps = int(max_steps)
        self.obs_mode = obs_mode
        self.reward_mode = reward_mode
        self.render_mode = render_mode
        self._shape = shape
        self._cells = shape[0] * shape[1]
        self._fixed_pool = LevelPool(load_levels(levels), shape) if levels is not None else None
        if levels is None:  # levels come from the generator given, or else from the procedural one
            self._generator = generator or default_generator(shape, int(num_boxes), int(min_pushes))
        self._pool_size = check_int("pool_size", pool_size, 1) if pool_size is not None else max(64, self.num_envs)
        self._pool: LevelPool | None = self._fixed_pool
        self._pool_seed: Any = None
        self._rng = np.random.default_rng()
        self._reward_fn = reward_fn_for(reward_mode, reward_fn)
        if self._fixed_pool is not None:
            self._max_boxes = int(self._fixed_pool.num_boxes.max())
        else:
            self._max_boxes = num_boxes if generator is None else max_boxes_bound(shape)
        self.single_reward_state_space = reward_state_space(shape, self._max_boxes, self.max_steps)
        self.reward_state_space = batch_space(self.single_reward_state_space, self.num_envs)
        self.reward_state_doc = reward_state_doc(self.single_reward_state_space)
        self._deltas = np.array(flat_deltas(shape[1]), dtype=np.int64)
        self._offsets = np.arange(self.num_envs, dtype=np.int64) * self._cells

        self.single_observation_space = make_observation_space(obs_mode, shape)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.single_action_space = spaces.Discrete(NUM_ACTIONS)
        self.action_space = spaces.MultiDiscrete(np.full(self.num_envs, NUM_ACTIONS))

        self._state = np.zeros((self.num_envs, self._cells), dtype=np.uint8)
        self._flat = self._state.reshape(-1)
        self._dead = np.zeros(self.num_envs * self._cells, dtype=bool)
        self._player = np.zeros(self.num_envs, dtype=np.int64)
        self._level_index = np.zeros(self.num_envs, dtype=np.int64)
        self._num_boxes = np.zeros(self.num_envs, dtype=np.int64)
        self._on_target = np.zeros(self.num_envs, dtype=np.int64)
        self._deadlock = np.zeros(self.num_envs, dtype=bool)
        self._steps = np.zeros(self.num_envs, dtype=np.int64)
        self._autoreset = np.zeros(self.num_envs, dtype=bool)
        self._frames: np.ndarray | None = None
        self._zobrist = zobrist_keys(shape)
        self._keys: np.ndarray | None = None  # kept current once state_key() is first called
        self._all = np.ones(self.num_envs, dtype=bool)
        self._was_reset = False

    # -- episodes ----------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
        """Reset every env, or those in ``options["reset_mask"]``; ``seed`` seeds pool and level choice."""
        seed = check_seed(seed)
        mask = self._all
        if options and options.get("reset_mask") is not None:
            mask = np.asarray(options["reset_mask"], dtype=bool)
            if mask.shape != (self.num_envs,):
                raise ConfigError(f"options['reset_mask'] must be a bool array of shape ({self.num_envs},), "
                                  f"got {mask.shape}")
        if seed is not None or self._pool is None:
            self._seed(seed)
        self._reset_envs(np.flatnonzero(mask))
        self._autoreset[mask] = False
        self._was_reset = True
        return self._observe(), self._info()

    def _seed(self, seed: int | None) -> None:
        sequence = np.random.SeedSequence(seed)
        pool_seq, pick_seq = sequence.spawn(2)
        self._rng = np.random.default_rng(pick_seq)
        if self._fixed_pool is None and (self._pool is None or seed is None or seed != self._pool_seed):
            self._pool = LevelPool.generate(self._generator, self._pool_size, pool_seq, self._shape)
            self._pool_seed = seed

    def _levels(self) -> LevelPool:
        """The pool the levels come from (made by the first reset)."""
        if self._pool is None:
            raise ResetNeeded("call reset() before using the levels of SokobanVectorEnv")
        return self._pool

    def _reset_envs(self, ids: np.ndarray) -> None:
        if ids.size == 0:
            return
        pool = self._levels()
        picks = pool.sample(self._rng, len(ids))
        self._level_index[ids] = picks
        self._state[ids] = pool.grids[picks].reshape(len(ids), -1)
        self._dead.reshape(self.num_envs, -1)[ids] = pool.dead[picks].reshape(len(ids), -1)
        self._player[ids] = pool.players[picks] + self._offsets[ids]
        self._num_boxes[ids] = pool.num_boxes[picks]
        self._on_target[ids] = pool.boxes_on_target[picks]
        self._deadlock[ids] = pool.deadlock[picks]
        self._steps[ids] = 0
        if self._keys is not None:
            self._keys[ids] = pool.keys[picks]
        if self.obs_mode == "rgb":
            if self._frames is None:
                self._frames = grid_to_rgb(self._grids())
            else:
                self._frames[ids] = grid_to_rgb(pool.grids[picks])

    def step(self, actions: Any) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        if not self._was_reset:
            raise ResetNeeded("call reset() before step() on SokobanVectorEnv")
        actions = action_indices(actions, self.num_envs, ACTION_NAMES)
        delta = self._deltas[actions]
        resetting = self._autoreset.any()
        if resetting:
            delta[self._autoreset] = self._deltas[NOOP]
        old = self._player
        player, pushed, box, change = step_batch(self._flat, old, delta)
        self._player = player
        if self._keys is not None:
            self._zobrist.update(self._keys, old - self._offsets, actions, player != old, pushed)
        self._steps += 1
        self._on_target += change
        if pushed.any():
            ids = np.flatnonzero(pushed & ~self._deadlock)
            if ids.size:
                self._deadlock[ids] = deadlocked_after_push_batch(self._flat, self._dead, box[ids], self._shape[1])
        solved = self._on_target == self._num_boxes
        outcome = StepOutcome(change, self._on_target, self._num_boxes, solved, self._deadlock)
        rewards = np.array(np.broadcast_to(self._reward_fn(outcome), (self.num_envs,)), dtype=np.float64)
        truncated = ~solved & (self._steps >= self.max_steps)
        if self._frames is not None:
            self._paint(old, player, pushed, box)
        if resetting:
            ids = np.flatnonzero(self._autoreset)
            self._reset_envs(ids)
            rewards[ids] = 0.0
            solved[ids] = False
            truncated[ids] = False
        self._autoreset = solved | truncated
        return self._observe(), rewards, solved, truncated, self._info()

    def _paint(self, old: np.ndarray, player: np.ndarray, pushed: np.ndarray, box: np.ndarray) -> None:
        frames = cast(np.ndarray, self._frames)  # called only when frames are kept
        moved = np.flatnonzero(player != old)
        shoved = np.flatnonzero(pushed)
        envs = np.concatenate([moved, moved, shoved])
        cells = np.concatenate([old[moved], player[moved], box[shoved]]) - self._offsets[envs]
        paint_cells_batch(frames, self._grids(), envs, cells)

    # -- views -------------------------------------------------------------------------------
    def _grids(self) -> np.ndarray:
        return self._state.reshape(self.num_envs, *self._shape)

    def _observe(self) -> np.ndarray:
        if self.obs_mode == "grid":
            return self._grids().copy()
        if self.obs_mode == "rgb":
            return cast(np.ndarray, self._frames).copy()  # kept from the first reset on in rgb mode
        return (self._grids()[:, None] == np.arange(NUM_TILES, dtype=np.uint8)[:, None, None]).astype(np.uint8)

    def _info(self) -> dict[str, np.ndarray]:
        return vector_info(sokoban_info(on_target=self._on_target, num_boxes=self._num_boxes,
                                        deadlock=self._deadlock, steps=self._steps))

    def to_xsb(self) -> tuple[str, ...]:
        """The current position of every env as XSB text (each level's own size, spaces outside its walls)."""
        if not self._was_reset:
            raise ResetNeeded("call reset() before to_xsb() on SokobanVectorEnv")
        texts = []
        for grid, (top, left, height, width) in zip(self._grids(), self._levels().windows[self._level_index]):
            level = grid[top:top + height, left:left + width]
            texts.append(blank_outside(grid_to_xsb(level), outside_cells(level == WALL)))
        return tuple(texts)

    def state_key(self) -> np.ndarray:
        """``int64 [B]``: :meth:`.env.SokobanEnv.state_key` of every env.

        Kept current step by step from the first call on (the first call hashes the grids).
        """
        if not self._was_reset:
            raise ResetNeeded("call reset() before state_key() on SokobanVectorEnv")
        if self._keys is None:
            self._keys = self._zobrist.of_grids(self._state)
        return self._keys.copy()

    def reward_state(self) -> dict[str, np.ndarray]:
        """:meth:`.env.SokobanEnv.reward_state` with a leading batch axis, contained in :attr:`reward_state_space`."""
        if not self._was_reset:
            raise ResetNeeded("call reset() before reward_state() on SokobanVectorEnv")
        return reward_state_batch(
            self._grids(), self._player - self._offsets, self._dead.reshape(self.num_envs, *self._shape),
            num_boxes=self._num_boxes, on_target=self._on_target, deadlock=self._deadlock, steps=self._steps,
            max_steps=self.max_steps, max_boxes=self._max_boxes,
        )

    def instruction(self) -> list[str]:
        """The goal of every env in words."""
        return [INSTRUCTION] * self.num_envs

    # gymnasium annotates a tuple of per-env frames; ours is one batched array (or XSB texts)
    def render(self) -> np.ndarray | tuple[str, ...] | None:  # type: ignore[override]
        if self.render_mode == "ansi":
            return self.to_xsb()
        if self.render_mode == "rgb_array":
            return self._frames.copy() if self._frames is not None else grid_to_rgb(self._grids())
        return None

    # -- pickling ----------------------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_flat", None)  # a view of _state: pickle would store it as an unrelated copy
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._flat = self._state.reshape(-1)
