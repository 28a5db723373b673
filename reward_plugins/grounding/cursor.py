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
    episode that starts inside the box and leaves it is not penalised for it).

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
    history: Tensor
    length: Tensor
    valid_steps: Tensor

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

    def setup(self, observation_space: gym.Space, action_space: gym.Space, num_envs: int) -> None:
        self._size(num_envs, INITIAL_HISTORY)

    def _size(self, num_envs: int, capacity: int) -> None:
        self.history = torch.zeros(num_envs, capacity, 2, device=self.device)
        self.length = torch.zeros(num_envs, dtype=torch.int64, device=self.device)
        self.valid_steps = torch.zeros(num_envs, device=self.device)

    def _read(self, batch: TransitionBatch, argument: str, columns: tuple[int, ...]) -> Tensor:
        return read_state(batch, self.keys[argument], columns=columns, argument=argument, owner=type(self).__name__,
                          device=self.device)

    def _score(self, d: Tensor) -> Tensor:
        return 1 - (d if self.distance == "linear" else d.sqrt())

    def forward(self, batch: TransitionBatch) -> Tensor:
        cursor = self._read(batch, "cursor_key", (2,))
        rows = self.scored_rows(batch).to(self.device)
        b = batch.batch_size
        if self.length.shape[0] != b:
            self._size(b, INITIAL_HISTORY)
        index = rows.nonzero().squeeze(1)
        if index.numel() and int(self.length[index].max()) >= self.history.shape[1]:
            grown = torch.zeros(b, 2 * self.history.shape[1], 2, device=self.device)
            grown[:, : self.history.shape[1]] = self.history
            self.history = grown
        self.history[index, self.length[index]] = cursor[index]
        self.length = self.length + rows
        self.valid_steps = self.valid_steps + rows * (self._read(batch, "valid_key", ()) > 0.5)
        end = (self.field(batch, "done").to(self.device, torch.bool) & rows).nonzero().squeeze(1)
        out = torch.zeros(b, device=self.device)
        if end.numel():
            target = self._read(batch, "target_key", (4,))[end]
            screen = self._read(batch, "screen_key", (2,))[end]
            clicked = self._read(batch, "clicked_key", ())[end] > 0.5
            single = self._read(batch, "max_steps_key", ())[end] == 1
            traj = self._trajectory(self.history[end], self.length[end], cursor[end], target, screen, clicked, single)
            fraction_valid = self.valid_steps[end] / self.length[end]
            out[end] = self.trajectory_weight * traj + self.format_weight * fraction_valid
        return out

    def _trajectory(self, history: Tensor, length: Tensor, final: Tensor, target: Tensor, screen: Tensor,
                    clicked: Tensor, single: Tensor) -> Tensor:
        """GUI-Cursor's ``traj`` for ``E`` ended episodes: positions ``history[:, :length]``, the last ``final``."""
        e, span = history.shape[0], int(length.max())
        history = history[:, :span]
        rows = torch.arange(e, device=self.device)
        step = torch.arange(span, device=self.device)

        def distance(points: Tensor) -> Tensor:  # [E, n, 2] -> [E, n]
            n = points.shape[1]
            flat = points.reshape(e * n, 2)
            return geometry.distance_to_box(flat, target.repeat_interleave(n, 0), screen.repeat_interleave(n, 0)
                                            ).reshape(e, n)

        d_final = geometry.distance_to_box(final, target, screen)
        score = self._score(d_final)
        centre = geometry.centre_closeness(final, target, screen)
        hit = geometry.inside(final, target)
        d_first = distance(history[:, :1])[:, 0]
        d_before_click = distance(history[rows, (length - 2).clamp_min(0)][:, None])[:, 0]

        moved_nearer = torch.where(d_before_click < d_first, self.correct_move_bonus, self.false_move_penalty)
        false_stop = self.false_stop_penalty + score + torch.where(length - 1 >= 2, moved_nearer, 0.0)

        flat_history = history.reshape(e * span, 2)
        was_inside = geometry.inside(flat_history, target.repeat_interleave(span, 0)).reshape(e, span)
        passed_through = (was_inside & (step < (length - 1)[:, None])).any(dim=1)
        seen = step < length[:, None]
        same = (history[:, :, None, :] == history[:, None, :, :]).all(dim=-1)
        later = step[None, :] > step[:, None]
        repeated = (same & later & seen[:, :, None] & seen[:, None, :]).flatten(1).any(dim=1)
        out_of_steps = (score + self.centre_weight * centre
                        + self.reached_but_no_stop_penalty * passed_through
                        + self.repeated_position_penalty * repeated
                        + self.false_move_penalty * ~(d_final < d_first))

        stopped = torch.where(hit, 1 + self.centre_weight * centre, false_stop)
        return torch.where(single, score, torch.where(clicked, stopped, out_of_steps))

    def reset(self, done_mask: Tensor) -> None:
        if self.length.numel():
            mask = done_mask.to(self.device)
            self.length = torch.where(mask, torch.zeros_like(self.length), self.length)
            self.valid_steps = torch.where(mask, torch.zeros_like(self.valid_steps), self.valid_steps)

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
