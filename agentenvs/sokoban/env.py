"""The single Sokoban env: a thin :class:`gymnasium.Env` shell over :mod:`.rules`."""
from __future__ import annotations

import functools
from typing import Any, cast

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.error import ResetNeeded

from ..core.arguments import refuse_unknown_kwargs
from ..core.render import RENDER_MODES, Renderer
from ..core.text import text_space
from ..errors import ConfigError, InvalidActionError
from .actions import parse_text_action, text_action_space
from .constants import (
    ACTION_NAMES,
    NOOP,
    NUM_ACTIONS,
    NUM_TILES,
    TILE_SIZE,
    TILE_TO_XSB,
    WALL,
    flat_deltas,
)
from .deadlock import deadlocked_after_push
from .generator import check_generator_args, generate_level
from .info import sokoban_info
from .keys import zobrist_keys
from .level import Level, LevelSource, blank_outside, load_levels, outside_cells, parse_xsb, xsb_offsets
from .pool import CompiledLevel, LevelGenerator, LevelPool, compile_level
from .render import XSB_BYTES, grid_to_rgb, grid_to_xsb, paint_cells
from .reward import INSTRUCTION, RewardFn, StepOutcome, reward_fn_for
from .reward_state import (
    check_level_fits,
    first_row,
    max_boxes_bound,
    reward_state_batch,
    reward_state_doc,
    reward_state_space,
)
from .rules import decode_grid, step_scalar
from .validation import action_index, check_config, check_seed

_new_tuple = tuple.__new__


def make_observation_space(obs_mode: str, shape: tuple[int, int]) -> spaces.Space:
    """Observation space of one env for ``obs_mode`` in a room of ``shape``."""
    height, width = shape
    if obs_mode == "grid":
        return spaces.Box(0, NUM_TILES - 1, (height, width), np.uint8)
    if obs_mode == "onehot":
        return spaces.Box(0, 1, (NUM_TILES, height, width), np.uint8)
    if obs_mode == "rgb":
        return spaces.Box(0, 255, (height * TILE_SIZE, width * TILE_SIZE, 3), np.uint8)
    return text_space(height * (width + 1), min_length=1, charset="".join(TILE_TO_XSB) + "\n")


def default_generator(dim_room: tuple[int, int], num_boxes: int, min_pushes: int) -> LevelGenerator:
    """The procedural task distribution (:func:`.generator.generate_level`) as a ``(rng) -> Level`` callable."""
    check_generator_args(dim_room, num_boxes, min_pushes)
    return functools.partial(generate_level, dim_room=dim_room, num_boxes=num_boxes, min_pushes=min_pushes)


class SokobanEnv(gym.Env):
    """Sokoban: push every box onto a goal.

    ## Description
    The player walks in a walled room and pushes boxes, one at a time, onto goals. Boxes
    cannot be pulled, so a box pushed into a corner off a goal is stuck forever (a
    *deadlock*, reported in ``info``). Levels are generated procedurally (random room, then
    reverse play from the solved position, so every level is solvable) or read from XSB /
    Boxoban files.

    ## Action Space
    ``Discrete(4)``: 0 up, 1 down, 2 left, 3 right. Walking into a box pushes it if the cell
    behind it is floor or goal. An integer outside 0..3 raises
    :class:`~agentenvs.errors.InvalidActionError`. With ``obs_mode="text"`` the action space
    is a ``Text`` space: "up", "down", "left" or "right" in any case, surrounded by whitespace
    or wrapped in ``<answer>...</answer>``; any other text is a no-op with
    ``info["action_is_valid"] = False``.

    ## Observation Space
    - ``"grid"``: ``Box(0, 6, (H, W), uint8)`` tile codes: 0 wall, 1 floor, 2 goal,
      3 box on goal, 4 box, 5 player, 6 player on goal.
    - ``"onehot"``: ``Box(0, 1, (7, H, W), uint8)``, one channel per tile code.
    - ``"rgb"``: ``Box(0, 255, (16 H, 16 W, 3), uint8)``, 16-pixel sprites.
    - ``"text"``: ``Text``, the level in XSB (``#`` wall, `` `` floor, ``.`` goal, ``$`` box,
      ``*`` box on goal, ``@`` player, ``+`` player on goal), rows joined by newlines.

    ``(H, W)`` is ``dim_room``; smaller levels are centred and padded with walls.
    ``env.unwrapped.reward_state()`` returns the structured state that
    ``env.unwrapped.reward_state_space`` declares and ``env.unwrapped.reward_state_doc``
    describes (:mod:`.reward_state`: box and goal lists padded with -1 to the most boxes the
    env's levels can have). ``env.unwrapped.instruction()`` is the goal in words.

    ## Starting State
    A level drawn with the env's seeded RNG: from ``levels`` when given, else from
    ``generator(rng)``, else a fresh procedural level of ``dim_room`` with ``num_boxes`` boxes.
    ``reset(options={"level": xsb_or_Level})`` starts from a given level instead (at most as
    many boxes as the reward-state space holds, else :class:`~agentenvs.errors.LevelError`).

    ## Rewards
    - ``"sparse"`` (default): 1.0 on the step that puts the last box on a goal, else 0.0.
    - ``"gym-sokoban"``: -0.1 per step, +1.0 for a box pushed onto a goal, -1.0 for one pushed
      off a goal, +10.0 on solving.
    - ``reward_fn``: any :class:`~.reward.RewardFn` (``StepOutcome -> float``) replaces both.

    ## Episode End
    - Termination: every box is on a goal (``info["is_success"]``).
    - Truncation: ``max_steps`` steps without solving. A deadlock does not end the episode.

    Every ``info`` (reset and step) has the keys ``boxes_on_target`` (int), ``is_success``,
    ``deadlock``, ``action_is_valid`` (bool) and ``steps`` (int). The reset ``info`` of a
    generated level also has ``difficulty``: ``"easy"``, ``"medium"`` or ``"hard"`` (see
    :func:`~.generator.difficulty_label`).

    ## Arguments
    - ``dim_room=(10, 10)``: room shape, walls included.
    - ``num_boxes=3``, ``min_pushes=0``: procedural levels only (unused with ``levels`` or
      ``generator``): boxes per level, and the pushes every solution needs at least (the
      boxes' summed distance to their nearest goals reaches ``min_pushes``).
    - ``max_steps=120``: truncation limit.
    - ``obs_mode="grid"``: ``"grid"``, ``"onehot"``, ``"rgb"`` or ``"text"``.
    - ``levels=None``: XSB text, a list of XSB texts / :class:`~.level.Level`, or a path to an
      ``.xsb`` or Boxoban file.
    - ``reward_mode="sparse"``: ``"sparse"`` or ``"gym-sokoban"``.
    - ``render_mode=None``: ``"rgb_array"``, ``"human"`` (pygame window) or ``"ansi"`` (XSB).
    - ``generator=None``: a callable ``(numpy.random.Generator) -> Level`` replacing the
      procedural generator.
    - ``reward_fn=None``: a :class:`~.reward.RewardFn` replacing the reward ``reward_mode`` names.

    ## Version History
    - v0: initial version.
    """

    metadata = {"render_modes": list(RENDER_MODES), "render_fps": 8}

    def __init__(
        self,
        dim_room: tuple[int, int] = (10, 10),
        num_boxes: int = 3,
        max_steps: int = 120,
        obs_mode: str = "grid",
        levels: LevelSource | None = None,
        reward_mode: str = "sparse",
        min_pushes: int = 0,
        render_mode: str | None = None,
        generator: LevelGenerator | None = None,
        reward_fn: RewardFn | None = None,
        **unknown: Any,
    ):
        refuse_unknown_kwargs("SokobanEnv", unknown, SokobanEnv.__init__)
        self._shape = check_config(dim_room, num_boxes, max_steps, min_pushes, obs_mode, reward_mode, render_mode,
                                   levels, generator)
        self.max_steps = int(max_steps)
        self.obs_mode = obs_mode
        self.reward_mode = reward_mode
        self.render_mode = render_mode
        self._renderer = Renderer(render_mode, RENDER_MODES, rgb=self._rgb, ansi=self.to_xsb,
                                  title="agentenvs Sokoban", fps=self.metadata["render_fps"])
        self._pool = LevelPool(load_levels(levels), self._shape) if levels is not None else None
        if levels is None:  # levels come from the generator given, or else from the procedural one
            self._generator = generator or default_generator(self._shape, int(num_boxes), int(min_pushes))
        self._width = self._shape[1]
        self._reward_fn = reward_fn_for(reward_mode, reward_fn)
        if self._pool is not None:
            self._max_boxes = int(self._pool.num_boxes.max())
        else:
            self._max_boxes = num_boxes if generator is None else max_boxes_bound(self._shape)
        self.reward_state_space = reward_state_space(self._shape, self._max_boxes, self.max_steps)
        self.reward_state_doc = reward_state_doc(self.reward_state_space)
        self.observation_space = make_observation_space(obs_mode, self._shape)
        deltas = flat_deltas(self._width)
        if obs_mode == "text":
            self.action_space = text_action_space()
            self._deltas: dict[Any, int] = {name: deltas[i] for i, name in enumerate(ACTION_NAMES)}
            self._action_class: type = str
        else:
            self.action_space = spaces.Discrete(NUM_ACTIONS)
            self._deltas = {i: deltas[i] for i in range(NUM_ACTIONS)}
            self._action_class = int
        self._noop = deltas[NOOP]
        self._eye = np.eye(NUM_TILES, dtype=np.uint8)
        self._level: CompiledLevel | None = None
        self._fast: dict[Any, int] = {}  # step()'s fast path: the exact actions, from the first reset on

    # -- episode ---------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
        super().reset(seed=check_seed(seed))
        if options and options.get("level") is not None:
            level = options["level"]
            if not isinstance(level, (str, Level)):
                raise ConfigError(f"options['level'] must be XSB text or a Level, got {type(level).__name__}")
            level = parse_xsb(level) if isinstance(level, str) else level
            check_level_fits(level.num_boxes, self._max_boxes)
            self._level = compile_level(level, self._shape)
        elif self._pool is not None:
            index = int(self.np_random.integers(len(self._pool)))
            level, self._level = self._pool.levels[index], self._pool.compiled[index]
        else:
            level = self._generator(self.np_random)
            self._level = compile_level(level, self._shape)
        difficulty = getattr(level, "difficulty", None)  # generated levels carry their label
        level = self._level
        top, left, height, width = level.window
        self._outside = outside_cells(level.grid[top:top + height, left:left + width] == WALL)
        self._state = bytearray(level.grid.tobytes())
        self._grid = np.frombuffer(self._state, dtype=np.uint8).reshape(self._shape)
        self._dead = level.dead.tobytes()
        self._player = level.player
        self._num_boxes = level.num_boxes
        self._on_target = level.boxes_on_target
        self._deadlock = level.deadlock
        self._steps = 0
        self._fast = self._deltas
        self._frame = grid_to_rgb(level.grid) if self.obs_mode == "rgb" else None
        self._text: bytearray | None = None
        if self.obs_mode == "text":  # the XSB text, updated in place at the cells a step changes
            self._text = bytearray(self.to_xsb().encode())
            offsets = np.full(self._shape, -1, dtype=np.int64)
            offsets[top:top + height, left:left + width] = xsb_offsets(self._outside)
            self._text_at = offsets.ravel().tolist()
        info = sokoban_info(self._on_target, self._num_boxes, self._deadlock, 0)
        if difficulty is not None:
            info["difficulty"] = difficulty
        self._renderer.after_change()
        return self._observe(), info

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        if action.__class__ is self._action_class and action in self._fast:
            delta, valid = self._fast[action], True
        else:
            delta, valid = self._decode(action)
        old = self._player
        player, box, change = step_scalar(self._state, old, delta)
        self._player = player
        self._steps += 1
        if box >= 0:
            self._on_target += change
            if not self._deadlock:
                self._deadlock = deadlocked_after_push(self._state, self._dead, box, self._width)
            if self._frame is not None:
                paint_cells(self._frame, self._state, (old, player, box), self._width)
        elif self._frame is not None and player != old:
            paint_cells(self._frame, self._state, (old, player), self._width)
        if self._text is not None and player != old:
            text, at, state = self._text, self._text_at, self._state
            text[at[old]], text[at[player]] = XSB_BYTES[state[old]], XSB_BYTES[state[player]]
            if box >= 0:
                text[at[box]] = XSB_BYTES[state[box]]
        solved = self._on_target == self._num_boxes
        # tuple.__new__ builds the StepOutcome at half the cost of its NamedTuple constructor (a hot path)
        outcome = _new_tuple(StepOutcome, (change, self._on_target, self._num_boxes, solved, self._deadlock))
        reward = float(self._reward_fn(outcome))
        info = sokoban_info(self._on_target, self._num_boxes, self._deadlock, self._steps, valid)
        self._renderer.after_change()
        return self._observe(), reward, solved, not solved and self._steps >= self.max_steps, info

    def _decode(self, action: Any) -> tuple[int, bool]:
        """Slow path of :meth:`step`: text to parse, numpy integers, an invalid action, or no reset yet."""
        if self._level is None:
            raise ResetNeeded("call reset() before step() on SokobanEnv")
        if self.obs_mode == "text":
            if not isinstance(action, str):
                raise InvalidActionError(
                    f"text-mode Sokoban takes a string action (one of {ACTION_NAMES}), got {type(action).__name__}"
                )
            index = parse_text_action(action)
            return (self._noop, False) if index is None else (self._deltas[ACTION_NAMES[index]], True)
        return self._deltas[action_index(action, ACTION_NAMES)], True

    def _observe(self) -> Any:
        if self.obs_mode == "grid":
            return self._grid.copy()
        if self.obs_mode == "rgb":
            return cast(np.ndarray, self._frame).copy()  # set at every reset in rgb mode
        if self.obs_mode == "onehot":
            return self._eye[:, self._grid]
        return cast(bytearray, self._text).decode()  # set at every reset in text mode

    # -- structured state ------------------------------------------------------------------
    def to_xsb(self) -> str:
        """The current position as standard XSB text (the level's own size, spaces outside its walls)."""
        if self._level is None:
            raise ResetNeeded("call reset() before to_xsb() on SokobanEnv")
        return blank_outside(grid_to_xsb(self._grid, self._level.window), self._outside)

    def current_level(self) -> Level:
        """The current position as a :class:`~.level.Level` (the level's own size)."""
        if self._level is None:
            raise ResetNeeded("call reset() before current_level() on SokobanEnv")
        top, left, height, width = self._level.window
        return decode_grid(self._grid[top:top + height, left:left + width])

    def state_key(self) -> np.int64:
        """An exact 64-bit key of the current position (:mod:`.keys`).

        Equal positions of any env of this room shape get equal keys; count-based bonuses read it
        (``count(input="state_key")``) instead of hashing observations.
        """
        if self._level is None:
            raise ResetNeeded("call reset() before state_key() on SokobanEnv")
        return zobrist_keys(self._shape).of_grid(self._grid)

    def reward_state(self) -> dict[str, np.ndarray]:
        """Privileged state for reward functions, in :attr:`reward_state_space`; see :attr:`reward_state_doc`."""
        if self._level is None:
            raise ResetNeeded("call reset() before reward_state() on SokobanEnv")
        return first_row(reward_state_batch(
            self._grid[None], np.array([self._player]), self._level.dead[None],
            num_boxes=np.array([self._num_boxes]), on_target=np.array([self._on_target]),
            deadlock=np.array([self._deadlock]), steps=np.array([self._steps]),
            max_steps=self.max_steps, max_boxes=self._max_boxes,
        ))

    def instruction(self) -> str:
        """The goal in words (the same for every level)."""
        return INSTRUCTION

    # -- rendering ---------------------------------------------------------------------------
    def _rgb(self) -> np.ndarray:
        return self._frame.copy() if self._frame is not None else grid_to_rgb(self._grid)

    def render(self) -> np.ndarray | str | None:
        """The current frame (``"rgb_array"``), XSB text (``"ansi"``) or a window update (``"human"``)."""
        return self._renderer.render()

    def close(self) -> None:
        """Close the ``"human"`` window, if one is open."""
        self._renderer.close()

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_grid", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        if "_state" in state:
            self._grid = np.frombuffer(self._state, dtype=np.uint8).reshape(self._shape)
