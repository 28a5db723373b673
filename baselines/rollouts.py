"""Reward states along random and oracle trajectories: what reward programs are checked and previewed on.

The critic of generated reward code (:mod:`reward_plugins.codegen.critic`) needs a batch of real
reward states that covers both failure and success; random play gives the first, the id's oracle
(its registry row) the second. :func:`collect_trajectories` keeps each episode's states in order
(for plots of reward along a trajectory); :func:`stack_states` turns any list of states into the
batched form programs take (``[B, ...]`` arrays; text fields stay lists of ``B`` strings).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np

from agentenvs.errors import ConfigError

from .reference import RandomPolicy, ReferencePolicy, oracle_factory

State = Mapping[str, Any]


@dataclass
class Trajectory:
    """One episode's reward states (after reset, then after each step), played by ``policy``."""

    policy: str
    seed: int
    states: list[dict[str, Any]] = field(default_factory=list)
    success: bool = False


def _reward_state(env: gym.Env) -> dict[str, Any]:
    base: Any = env.unwrapped
    if not callable(getattr(base, "reward_state", None)):
        raise ConfigError(f"{env.spec.id if env.spec else type(base).__name__} has no reward_state(): "
                          "reward programs read it, so they cannot run on this env")
    return {k: (v if isinstance(v, str) else np.array(v)) for k, v in base.reward_state().items()}


def play(env: gym.Env, policy: ReferencePolicy, name: str, seed: int, max_steps: int | None = None) -> Trajectory:
    """One episode from ``reset(seed=seed)``, recording the reward state after the reset and each step."""
    obs, info = env.reset(seed=seed)
    policy.reset(env, obs, info)
    trajectory = Trajectory(name, seed, [_reward_state(env)])
    steps, done = 0, False
    while not done and (max_steps is None or steps < max_steps):
        obs, _, terminated, truncated, info = env.step(policy.act(obs))
        trajectory.states.append(_reward_state(env))
        steps, done = steps + 1, terminated or truncated
    trajectory.success = bool(info.get("is_success", False))
    return trajectory


def collect_trajectories(env_id: str, env_kwargs: Mapping[str, Any] | None = None, *, random_episodes: int = 8,
                         oracle_episodes: int = 8, seed: int = 0, max_steps: int | None = 200) -> list[Trajectory]:
    """Random and (when the id has one) oracle episodes on seeds ``seed, seed + 1, ...``."""
    env = gym.make(env_id, **dict(env_kwargs or {}))
    try:
        out = [play(env, RandomPolicy(env, seed + k), "random", seed + k, max_steps) for k in range(random_episodes)]
        factory = oracle_factory(env_id)
        if factory is not None:
            out += [play(env, factory(env, seed + k), "oracle", seed + k, max_steps) for k in range(oracle_episodes)]
        return out
    finally:
        env.close()


def stack_states(states: Sequence[State]) -> dict[str, Any]:
    """``B`` reward states as one batch: numeric fields stacked to ``[B, ...]``, text fields as ``B`` strings."""
    if not states:
        raise ConfigError("no reward states to stack")
    out: dict[str, Any] = {}
    for key in states[0]:
        values = [s[key] for s in states]
        out[key] = [str(v) for v in values] if isinstance(values[0], str) else np.stack([np.asarray(v) for v in values])
    return out


def reward_state_batch(trajectories: Sequence[Trajectory]) -> dict[str, Any]:
    """Every state of every trajectory as one batch (see :func:`stack_states`)."""
    return stack_states([s for t in trajectories for s in t.states])
