"""Multi-agent Sokoban: several players push boxes in one room (a PettingZoo ``ParallelEnv``)."""
from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.error import ResetNeeded
from pettingzoo import ParallelEnv

from ..core.arguments import refuse_unknown_kwargs
from ..core.render import Renderer
from ..errors import ConfigError
from .constants import (
    ACTION_NAMES,
    IS_FREE,
    NOOP,
    NUM_ACTIONS,
    NUM_TILES,
    PLAYER_ENTERS,
    REWARD_MODES,
    WALL,
    flat_deltas,
)
from .deadlock import deadlocked_after_push
from .generator import generate_level
from .info import sokoban_info
from .level import Level, blank_outside, outside_cells
from .pool import compile_level
from .render import grid_to_rgb, grid_to_xsb
from .reward import INSTRUCTION, RewardFn, StepOutcome, reward_fn_for
from .reward_state import first_row, reward_state_batch, reward_state_doc, reward_state_space
from .rules import step_scalar
from .validation import (
    RENDER_MODES,
    action_index,
    check_agents,
    check_choice,
    check_int,
    check_num_boxes,
    check_room,
    check_seed,
)

MULTI_ACTION_NAMES = (*ACTION_NAMES, "no-op")


def parallel_env(
    dim_room: tuple[int, int] = (8, 8),
    num_boxes: int = 2,
    num_agents: int = 2,
    max_steps: int = 120,
    render_mode: str | None = None,
    reward_mode: str = "sparse",
    reward_fn: RewardFn | None = None,
    **unknown: Any,
) -> SokobanMultiEnv:
    """Build the multi-agent Sokoban :class:`SokobanMultiEnv` (PettingZoo parallel API)."""
    refuse_unknown_kwargs("Sokoban-Multi", unknown, parallel_env)
    return SokobanMultiEnv(dim_room, num_boxes, num_agents, max_steps, render_mode, reward_mode, reward_fn)


def widen_room(level: Level, floor_cells: int, rng: np.random.Generator) -> Level:
    """``level`` with its room grown to ``floor_cells`` cells: inner walls next to it, drawn with ``rng``, become floor.

    A generated room may be too small for every player; widening never makes a level unsolvable (every
    move of a solution stays legal), and the room stays one connected region.
    """
    floor = ~level.walls
    inner = np.zeros_like(floor)
    inner[1:-1, 1:-1] = True
    while floor.sum() < floor_cells:
        near = np.zeros_like(floor)
        near[1:] |= floor[:-1]
        near[:-1] |= floor[1:]
        near[:, 1:] |= floor[:, :-1]
        near[:, :-1] |= floor[:, 1:]
        frontier = np.flatnonzero(near & inner & ~floor)
        floor.flat[frontier[int(rng.integers(len(frontier)))]] = True
    if floor.sum() == (~level.walls).sum():
        return level
    return Level(walls=~floor, goals=level.goals, boxes=level.boxes, player=level.player)


class SokobanMultiEnv(ParallelEnv):
    """Multi-agent Sokoban: ``num_agents`` players share one room and one team reward.

    ## Description
    A procedural single-player level (solvable, see :mod:`.generator`) with extra players
    placed on free floor; a room too small for every player is widened first (:func:`widen_room`).
    Players are obstacles to each other: nobody walks into another
    player or pushes a box into one. Moves are applied one agent at a time in the fixed
    order of ``possible_agents`` each step, so conflicts resolve deterministically (the
    first agent in that order wins a contested cell).

    ## Action Space
    ``Discrete(5)`` per agent: 0 up, 1 down, 2 left, 3 right, 4 no-op.

    ## Observation Space
    A dict per agent, as PettingZoo's classic envs have:
    - ``"observation"``: ``Box(0, 6, (2, H, W), uint8)``; channel 0 is the tile grid of
      :class:`~.env.SokobanEnv` (every player drawn as a player tile), channel 1 marks the
      observing agent with 1 and the other players with 2.
    - ``"action_mask"``: ``Box(0, 1, (5,), int8)``, 1 for moves that can succeed against the
      current position (the no-op always can).

    ## Starting State
    A fresh level from the env's RNG, seeded by ``reset(seed=...)``.

    ## Rewards
    Shared by all agents, with the single env's ``reward_mode`` ("sparse": 1.0 on solving;
    "gym-sokoban": -0.1 per step, +/-1.0 per box onto/off a goal, +10.0 on solving), or
    ``reward_fn`` (a :class:`~.reward.RewardFn`) when given.

    ## Episode End
    Every agent terminates when all boxes are on goals and truncates after ``max_steps``.
    Infos carry the single env's keys (``action_is_valid`` is the agent's own mask entry).
    ``reward_state()`` gives every agent of ``possible_agents`` the single env's fields, with
    ``player`` its own cell and ``players`` everyone's, contained in ``reward_state_space(agent)``;
    ``instruction()`` gives each agent the goal in words.

    ## Arguments
    ``dim_room=(8, 8)``, ``num_boxes=2``, ``num_agents=2``, ``max_steps=120``,
    ``render_mode`` in ``{"rgb_array", "ansi", "human"}``, ``reward_mode="sparse"``,
    ``reward_fn=None``.

    ## Version History
    - v0: initial version.
    """

    metadata: dict[str, Any] = {"render_modes": ["rgb_array", "ansi", "human"], "name": "sokoban_multi_v0",
                "is_parallelizable": True, "render_fps": 8}

    def __init__(self, dim_room: tuple[int, int] = (8, 8), num_boxes: int = 2, num_agents: int = 2,
                 max_steps: int = 120, render_mode: str | None = None, reward_mode: str = "sparse",
                 reward_fn: RewardFn | None = None):
        self._shape = check_room(dim_room)
        self._num_boxes = check_num_boxes(num_boxes, self._shape)
        num_agents = check_agents(num_agents, self._num_boxes, self._shape)
        self.max_steps = check_int("max_steps", max_steps, 1)
        check_choice("reward_mode", reward_mode, tuple(REWARD_MODES))
        check_choice("render_mode", render_mode, (None, *RENDER_MODES))
        self.render_mode = render_mode
        self._renderer = Renderer(render_mode, self.metadata["render_modes"], rgb=self._rgb, ansi=self._ansi,
                                  title="agentenvs Sokoban (multi-agent)",
                                  fps=self.metadata["render_fps"])
        self._reward_fn = reward_fn_for(reward_mode, reward_fn)
        self._reward_state_space = reward_state_space(self._shape, self._num_boxes, self.max_steps, num_agents)
        self.reward_state_doc = reward_state_doc(self._reward_state_space)
        self.possible_agents = [f"player_{i}" for i in range(num_agents)]
        self.agents: list[str] = []
        self._deltas = flat_deltas(self._shape[1])
        self._rng = np.random.default_rng()
        height, width = self._shape
        self._spaces = {
            agent: (
                spaces.Dict({
                    "observation": spaces.Box(0, NUM_TILES - 1, (2, height, width), np.uint8),
                    "action_mask": spaces.Box(0, 1, (NUM_ACTIONS + 1,), np.int8),
                }),
                spaces.Discrete(NUM_ACTIONS + 1),
            )
            for agent in self.possible_agents
        }

    def observation_space(self, agent: str) -> spaces.Dict:
        return self._spaces[agent][0]

    def action_space(self, agent: str) -> spaces.Discrete:
        return self._spaces[agent][1]

    def reward_state_space(self, agent: str) -> spaces.Dict:
        """The space ``reward_state()[agent]`` lies in (the same for every agent)."""
        if agent not in self._spaces:
            raise ConfigError(f"unknown agent {agent!r}; possible agents: {self.possible_agents}")
        return self._reward_state_space

    # -- episodes ----------------------------------------------------------------------------
    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[dict, dict]:
        seed = check_seed(seed)
        if seed is not None or not hasattr(self, "_state"):
            self._rng = np.random.default_rng(seed)
        room = widen_room(generate_level(self._rng, self._shape, self._num_boxes),
                          self._num_boxes + len(self.possible_agents), self._rng)
        level = compile_level(room, self._shape)
        self._state = bytearray(level.grid.tobytes())
        self._dead = level.dead.tobytes()
        free = [cell for cell, tile in enumerate(self._state) if IS_FREE[tile]]
        extra = self._rng.choice(len(free), size=len(self.possible_agents) - 1, replace=False)
        self._players = [level.player] + [free[i] for i in sorted(extra.tolist())]
        for cell in self._players[1:]:
            self._state[cell] = PLAYER_ENTERS[self._state[cell]]
        self._on_target = level.boxes_on_target
        self._deadlock = level.deadlock
        self._steps = 0
        self.agents = list(self.possible_agents)
        valid = {agent: True for agent in self.agents}
        self._renderer.after_change()
        return self._observations(), self._infos(valid)

    def step(self, actions: dict[str, int]) -> tuple[dict, dict, dict, dict, dict]:
        if not hasattr(self, "_state"):
            raise ResetNeeded("call reset() before step() on SokobanMultiEnv")
        moves = {agent: action_index(actions.get(agent, NOOP), MULTI_ACTION_NAMES) for agent in self.agents}
        change = 0
        valid: dict[str, bool] = {}
        for index, agent in enumerate(self.possible_agents):
            if agent not in self.agents:
                continue
            action = moves[agent]
            old = self._players[index]
            player, box, delta_goals = step_scalar(self._state, old, self._deltas[action])
            valid[agent] = action == NOOP or player != old
            self._players[index] = player
            if box >= 0:
                change += delta_goals
                self._on_target += delta_goals
                self._deadlock = self._deadlock or deadlocked_after_push(self._state, self._dead, box, self._shape[1])
        self._steps += 1
        solved = self._on_target == self._num_boxes
        reward = float(self._reward_fn(StepOutcome(change, self._on_target, self._num_boxes, solved, self._deadlock)))
        truncated = not solved and self._steps >= self.max_steps
        agents = self.agents
        observations = self._observations()
        infos = self._infos(valid)
        rewards = {agent: reward for agent in agents}
        terminations = {agent: solved for agent in agents}
        truncations = {agent: truncated for agent in agents}
        if solved or truncated:
            self.agents = []
        self._renderer.after_change()
        return observations, rewards, terminations, truncations, infos

    # -- views -------------------------------------------------------------------------------
    def _observations(self) -> dict[str, dict[str, np.ndarray]]:
        grid = np.frombuffer(bytes(self._state), dtype=np.uint8).reshape(self._shape)
        marks = np.zeros(self._shape[0] * self._shape[1], dtype=np.uint8)
        marks[self._players] = 2
        out = {}
        for index, agent in enumerate(self.possible_agents):
            if agent not in self.agents:
                continue
            channel = marks.copy()
            channel[self._players[index]] = 1
            out[agent] = {
                "observation": np.stack([grid, channel.reshape(self._shape)]),
                "action_mask": self._mask(self._players[index]),
            }
        return out

    def _mask(self, player: int) -> np.ndarray:
        mask = np.ones(NUM_ACTIONS + 1, dtype=np.int8)
        for action in range(NUM_ACTIONS):
            scratch = bytearray(self._state)
            mask[action] = step_scalar(scratch, player, self._deltas[action])[0] != player
        return mask

    def _infos(self, valid: dict[str, bool]) -> dict[str, dict[str, Any]]:
        return {
            agent: sokoban_info(on_target=self._on_target, num_boxes=self._num_boxes, deadlock=self._deadlock,
                                steps=self._steps, action_is_valid=valid.get(agent, True))
            for agent in self.agents
        }

    def reward_state(self) -> dict[str, dict[str, np.ndarray]]:
        """Every possible agent's reward state: the room's fields, its own ``player`` cell and all ``players``."""
        if not hasattr(self, "_state"):
            raise ResetNeeded("call reset() before reward_state() on SokobanMultiEnv")
        width = self._shape[1]
        dead = np.frombuffer(self._dead, dtype=bool).reshape(1, *self._shape)
        room = first_row(reward_state_batch(
            self.state()[None], np.array(self._players[:1]), dead,
            num_boxes=np.array([self._num_boxes]), on_target=np.array([self._on_target]),
            deadlock=np.array([self._deadlock]), steps=np.array([self._steps]),
            max_steps=self.max_steps, max_boxes=self._num_boxes,
        ))
        players = np.stack(np.divmod(np.array(self._players, dtype=np.int64), width), axis=1)
        return {
            agent: {**{k: v.copy() for k, v in room.items()}, "player": players[i].copy(), "players": players.copy()}
            for i, agent in enumerate(self.possible_agents)
        }

    def instruction(self) -> dict[str, str]:
        """Each agent's goal in words (one team goal)."""
        return {agent: INSTRUCTION for agent in self.possible_agents}

    def state(self) -> np.ndarray:
        """The global tile grid ``uint8 [H, W]`` (all players drawn as player tiles)."""
        if not hasattr(self, "_state"):
            raise ResetNeeded("call reset() before state() on SokobanMultiEnv")
        return np.frombuffer(bytes(self._state), dtype=np.uint8).reshape(self._shape).copy()

    def _rgb(self) -> np.ndarray:
        return grid_to_rgb(self.state())

    def _ansi(self) -> str:
        grid = self.state()
        return blank_outside(grid_to_xsb(grid), outside_cells(grid == WALL))

    def render(self) -> np.ndarray | str | None:
        """The room as an RGB frame (``"rgb_array"``), XSB text (``"ansi"``) or a window update (``"human"``)."""
        return self._renderer.render()

    def close(self) -> None:
        """Close the ``"human"`` window, if one is open."""
        self._renderer.close()
