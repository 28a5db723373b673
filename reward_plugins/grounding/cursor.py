"""GUI-Cursor's trajectory reward ("Learning GUI Grounding with Spatial Reasoning from Visual Feedback").

The formulas of GUI-Cursor's ``calculate_rewards(reward_method_name="traj_reward")``, batched
over envs, paid once per episode on its last step (0 on the others).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import torch
from torch import Tensor

from ..base import RewardShaper, TransitionBatch
from ..errors import ShaperConfigError, ShaperStateError
from . import geometry
from .keys import ACTION_IS_VALID, CLICKED, CURSOR, MAX_STEPS, SCREEN_SIZE, TARGET_BOX, check_key, read_state

#: Positions kept per env before the history doubles.
INITIAL_HISTORY = 16
DISTANCES = ("linear", "power")


class GUICursorReward(RewardShaper):
    """``trajectory_weight * traj + format_weight * format`` at the end of each episode, 0 before.

    With ``d`` the cursor's distance to the target box and ``score = 1 - d`` (``"power"``:
    ``1 - sqrt(d)``), both on the screen scaled to 1 x 1, and ``centre = 1 - ratio^5`` inside
    the box (``ratio``: distance to the box centre over the centre's distance to a corner; 0
    outside), ``traj`` is:

    - correct stop (``clicked`` inside the box): ``1 + centre_weight * centre``;
    - false stop (``clicked`` outside): ``false_stop_penalty + score``, plus
      ``correct_move_bonus`` if the last position before the click is nearer the box than the
      first, else ``false_move_penalty`` (no bonus or penalty with fewer than two moves);
    - out of steps (the episode ends without a click): ``score + centre_weight * centre``, plus
      ``reached_but_no_stop_penalty`` if the cursor was in the box before its last step,
      ``repeated_position_penalty`` if it visited a position twice, and ``false_move_penalty``
      unless it ended nearer the box than after its first step;
    - single-step tasks (``max_steps == 1``): ``score``.

    ``format`` is the fraction of the episode's steps whose action was valid
    (``action_is_valid``), GUI-Cursor's format reward. Positions are those after each step;
    GUI-Cursor also counts the start position as passed through, which shapers never see (an
    episode that starts inside the box and leaves it is not penalised for it). Vector envs with
    ``SAME_STEP`` autoreset show the next episode's first state at an episode's end: use
    ``NEXT_STEP`` (the default) or ``DISABLED``.

    :param distance: ``"linear"`` or ``"power"`` distance score.
    :param centre_weight, false_stop_penalty, false_move_penalty, correct_move_bonus,
        repeated_position_penalty, reached_but_no_stop_penalty: GUI-Cursor's constants
        (penalties <= 0, bonus >= 0), defaults as it ships them.
    :param trajectory_weight, format_weight: weights of the trajectory and format terms.
    :param cursor_key, target_key, screen_key, clicked_key, valid_key, max_steps_key: the
        ``reward_state`` entries read.
    """

    name = "gui_cursor"
    requires = frozenset({"reward_state", "done"})
    #: Per env: the positions after each step of the episode ``[num_envs, capacity, 2]`` (the first
    #: ``length`` are set), the number of valid actions, whether a position came twice, and whether
    #: the cursor has been in the target box.
    history: Tensor
    length: Tensor
    valid_steps: Tensor
    repeated: Tensor
    was_inside: Tensor

    def __init__(
        self,
        distance: str = "linear",
        centre_weight: float = 0.1,
        false_stop_penalty: float = -0.5,
        false_move_penalty: float = -0.2,
        correct_move_bonus: float = 0.1,
        repeated_position_penalty: float = -0.2,
        reached_but_no_stop_penalty: float = -0.1,
        trajectory_weight: float = 0.9,
        format_weight: float = 0.1,
        cursor_key: str = CURSOR,
        target_key: str = TARGET_BOX,
        screen_key: str = SCREEN_SIZE,
        clicked_key: str = CLICKED,
        valid_key: str = ACTION_IS_VALID,
        max_steps_key: str = MAX_STEPS,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__(device)
        owner = type(self).__name__
        if distance not in DISTANCES:
            raise ShaperConfigError(f"{owner} distance must be one of {DISTANCES}, got {distance!r}")
        penalties = {"false_stop_penalty": false_stop_penalty, "false_move_penalty": false_move_penalty,
                     "repeated_position_penalty": repeated_position_penalty,
                     "reached_but_no_stop_penalty": reached_but_no_stop_penalty}
        positive = [f"{k}={v}" for k, v in penalties.items() if v > 0]
        if positive or correct_move_bonus < 0:
            raise ShaperConfigError(f"{owner} penalties must be <= 0 and correct_move_bonus >= 0, got "
                                    f"{positive + [f'correct_move_bonus={correct_move_bonus}']}")
        self.distance = distance
        self.centre_weight, self.correct_move_bonus = float(centre_weight), float(correct_move_bonus)
        self.false_stop_penalty, self.false_move_penalty = float(false_stop_penalty), float(false_move_penalty)
        self.repeated_position_penalty = float(repeated_position_penalty)
        self.reached_but_no_stop_penalty = float(reached_but_no_stop_penalty)
        self.trajectory_weight, self.format_weight = float(trajectory_weight), float(format_weight)
        self.keys = {arg: check_key(key, arg, owner) for arg, key in (
            ("cursor_key", cursor_key), ("target_key", target_key), ("screen_key", screen_key),
            ("clicked_key", clicked_key), ("valid_key", valid_key), ("max_steps_key", max_steps_key))}
        self.register_buffer("history", torch.zeros(0, INITIAL_HISTORY, 2, device=self.device))
        self.register_buffer("length", torch.zeros(0, dtype=torch.int64, device=self.device))
        self.register_buffer("valid_steps", torch.zeros(0, device=self.device))
        self.register_buffer("repeated", torch.zeros(0, dtype=torch.bool, device=self.device))
        self.register_buffer("was_inside", torch.zeros(0, dtype=torch.bool, device=self.device))

    def setup(self, observation_space: gym.Space, action_space: gym.Space, num_envs: int) -> None:
        self._size(num_envs, INITIAL_HISTORY)

    def _size(self, num_envs: int, capacity: int) -> None:
        self.history = torch.zeros(num_envs, capacity, 2, device=self.device)
        self.length = torch.zeros(num_envs, dtype=torch.int64, device=self.device)
        self.valid_steps = torch.zeros(num_envs, device=self.device)
        self.repeated = torch.zeros(num_envs, dtype=torch.bool, device=self.device)
        self.was_inside = torch.zeros(num_envs, dtype=torch.bool, device=self.device)

    def _read(self, batch: TransitionBatch, argument: str, columns: tuple[int, ...]) -> Tensor:
        return read_state(batch, self.keys[argument], columns=columns, argument=argument, owner=type(self).__name__,
                          device=self.device)

    def _score(self, d: Tensor) -> Tensor:
        return 1 - (d if self.distance == "linear" else d.sqrt())

    def forward(self, batch: TransitionBatch) -> Tensor:
        cursor = self._read(batch, "cursor_key", (2,))
        target = self._read(batch, "target_key", (4,))
        rows = self.scored_rows(batch).to(self.device)
        b = batch.batch_size
        if self.length.shape[0] != b:
            self._size(b, INITIAL_HISTORY)
        if b and int(self.length.max()) >= self.history.shape[1]:
            grown = torch.zeros(b, 2 * self.history.shape[1], 2, device=self.device)
            grown[:, : self.history.shape[1]] = self.history
            self.history = grown
        # one int64 per position (the two float32 bits; + 0.0 makes -0.0 equal 0.0) to compare positions
        point = torch.where(rows[:, None], cursor + 0.0, torch.zeros_like(cursor)).contiguous()
        seen = torch.arange(self.history.shape[1], device=self.device) < self.length[:, None]
        again = ((self.history.view(torch.int64)[..., 0] == point.view(torch.int64)) & seen).any(dim=1)
        passed_through = self.was_inside  # in the box at some position before this one
        self.repeated = self.repeated | (again & rows)
        self.was_inside = self.was_inside | (geometry.inside(point, target) & rows)
        # rows that are not transitions write past their last position, which the next step overwrites
        self.history[torch.arange(b, device=self.device), self.length] = point
        self.length = self.length + rows
        self.valid_steps = self.valid_steps + rows * (self._read(batch, "valid_key", ()) > 0.5)
        end = (self.field(batch, "done").to(self.device, torch.bool) & rows).nonzero().squeeze(1)
        out = torch.zeros(b, device=self.device)
        if end.numel():
            length = self.length[end]
            first, before_click = self.history[end, 0], self.history[end, (length - 2).clamp_min(0)]
            traj = self._trajectory(
                cursor[end], first, before_click, length, target[end], self._read(batch, "screen_key", (2,))[end],
                clicked=self._read(batch, "clicked_key", ())[end] > 0.5, passed_through=passed_through[end],
                repeated=self.repeated[end], single=self._read(batch, "max_steps_key", ())[end] == 1)
            out[end] = self.trajectory_weight * traj + self.format_weight * self.valid_steps[end] / length
        return out

    def _trajectory(self, final: Tensor, first: Tensor, before_click: Tensor, length: Tensor, target: Tensor,
                    screen: Tensor, *, clicked: Tensor, passed_through: Tensor, repeated: Tensor,
                    single: Tensor) -> Tensor:
        """GUI-Cursor's ``traj`` for ``E`` ended episodes of ``length`` positions, from ``first`` to ``final``."""
        d_final = geometry.distance_to_box(final, target, screen)
        d_first = geometry.distance_to_box(first, target, screen)
        score = self._score(d_final)
        centre = geometry.centre_closeness(final, target, screen)

        moved_nearer = geometry.distance_to_box(before_click, target, screen) < d_first
        move_term = torch.where(moved_nearer, self.correct_move_bonus, self.false_move_penalty)
        false_stop = self.false_stop_penalty + score + torch.where(length - 1 >= 2, move_term, 0.0)
        stopped = torch.where(geometry.inside(final, target), 1 + self.centre_weight * centre, false_stop)

        out_of_steps = (score + self.centre_weight * centre
                        + self.reached_but_no_stop_penalty * passed_through
                        + self.repeated_position_penalty * repeated
                        + self.false_move_penalty * ~(d_final < d_first))
        return torch.where(single, score, torch.where(clicked, stopped, out_of_steps))

    def reset(self, done_mask: Tensor) -> None:
        if self.length.numel():
            mask = done_mask.to(self.device)
            self.length = torch.where(mask, torch.zeros_like(self.length), self.length)
            self.valid_steps = torch.where(mask, torch.zeros_like(self.valid_steps), self.valid_steps)
            self.repeated = self.repeated & ~mask
            self.was_inside = self.was_inside & ~mask

    def check_state(self, state_dict: Mapping[str, Any], prefix: str) -> None:
        saved = state_dict.get(prefix + "length")
        if saved is not None and self.length.numel() and saved.shape != self.length.shape:
            raise ShaperStateError(f"{type(self).__name__} state was saved for {saved.shape[0]} envs; this shaper "
                                   f"is set up for {self.length.shape[0]}")

    def _load_from_state_dict(self, state_dict: Mapping[str, Any], prefix: str, *args: Any) -> None:
        saved = state_dict.get(prefix + "history")
        if saved is not None and saved.shape != self.history.shape:  # a longer history, or not set up yet
            self._size(saved.shape[0], saved.shape[1])
        super()._load_from_state_dict(state_dict, prefix, *args)

    def extra_repr(self) -> str:
        return f"distance={self.distance!r}, device={self.device}"
