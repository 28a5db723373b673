"""Sokoban rewards: one reward function serves the single, vector and multi-agent envs.

As Jumanji's envs take ``reward_fn``, every Sokoban env takes ``reward_fn=`` (any
:class:`RewardFn`) and builds the default from ``reward_mode``; so changing the reward never
means forking an env. A reward function sees one :class:`StepOutcome` per step, whose fields
are Python scalars in the single and multi-agent envs and ``[num_envs]`` arrays in the vector
env, and returns a float (or a float array) of the same shape.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from ..errors import ConfigError
from .constants import REWARD_MODES

INSTRUCTION = "Push every box onto a goal square."
"""The task every Sokoban reward pays for, in words (``instruction()`` of every Sokoban env)."""


class StepOutcome(NamedTuple):
    """What one step did, as a reward function sees it (scalars, or arrays over the env axis)."""

    boxes_on_goals_change: Any
    """Net boxes pushed onto goals this step (+1 onto, -1 off); int."""
    boxes_on_target: Any
    """Boxes on goals after the step; int."""
    num_boxes: Any
    """Boxes in the level; int."""
    solved: Any
    """Every box is on a goal after the step; bool."""
    deadlock: Any
    """Some box can provably never reach a goal after the step; bool."""


class RewardFn(Protocol):
    """A Sokoban reward: ``StepOutcome -> float`` (arrays in, float arrays out)."""

    def __call__(self, outcome: StepOutcome) -> Any:
        """The reward of the step ``outcome`` describes."""
        ...


@dataclass(frozen=True)
class LinearReward:
    """``per_step + per_box * boxes_on_goals_change + on_solve * solved``: both built-in modes are one."""

    per_step: float = 0.0
    per_box: float = 0.0
    on_solve: float = 1.0

    def __call__(self, outcome: StepOutcome) -> Any:
        """The reward of one step (Python float for scalars, float64 array for arrays)."""
        return self.per_step + self.per_box * outcome.boxes_on_goals_change + self.on_solve * outcome.solved


def reward_fn_for(reward_mode: str, reward_fn: RewardFn | None = None) -> RewardFn:
    """``reward_fn`` when given, else the built-in reward named ``reward_mode`` (:data:`~.constants.REWARD_MODES`).

    A ``reward_mode`` other than the default ``"sparse"`` next to a ``reward_fn`` is refused
    rather than silently ignored.
    """
    if reward_fn is not None:
        if not callable(reward_fn):
            raise ConfigError(f"reward_fn must be callable as reward_fn(outcome) -> float, got {reward_fn!r}")
        if reward_mode != "sparse":
            raise ConfigError(f"pass reward_mode or reward_fn, not both: reward_mode={reward_mode!r} would be "
                              "ignored by a reward_fn")
        return reward_fn
    if reward_mode not in REWARD_MODES:
        raise ConfigError(f"reward_mode must be one of {tuple(REWARD_MODES)}, got {reward_mode!r}")
    return LinearReward(*REWARD_MODES[reward_mode])
