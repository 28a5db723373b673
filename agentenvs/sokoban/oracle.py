"""Sokoban's reference policy: the move-optimal solver's plan, replayed from each reset.

Registered as the ``oracle`` of every Sokoban row of :mod:`agentenvs.registration`; score
normalisation (``baselines.reference``) plays it beside a random policy.
"""
from __future__ import annotations

from typing import Any

import gymnasium as gym

from .constants import ACTION_NAMES
from .solver import solve


class SokobanOracle:
    """Replays :func:`~.solver.solve` (optimal in moves) on the level of each reset.

    Follows ``baselines.reference.ReferencePolicy``: ``reset`` plans from the env's true state
    (``env.unwrapped.to_xsb()``), ``act`` pops the next action (a name on text-action envs);
    after the plan it plays action 0. ``seed`` is accepted for the protocol's constructor and
    unused: the plan is deterministic.
    """

    def __init__(self, env: gym.Env, seed: int) -> None:
        self.text_actions = isinstance(env.action_space, gym.spaces.Text)
        self.plan: list[int] = []

    def reset(self, env: gym.Env, obs: Any, info: dict[str, Any]) -> None:
        self.plan = list(solve(env.unwrapped.to_xsb()))  # type: ignore[attr-defined]

    def act(self, obs: Any) -> Any:
        action = self.plan.pop(0) if self.plan else 0
        return ACTION_NAMES[action] if self.text_actions else action
