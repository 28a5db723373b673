"""Copy checks: envs survive ``pickle`` and ``copy.deepcopy`` mid-episode, single, vector and multi-agent.

``AsyncVectorEnv``, SB3's ``SubprocVecEnv`` and Ray pickle envs; search and planning code
deep-copies them. A copy must be independent of its original and behave exactly as it does:
stepping the copy with the original's actions gives the original's observations, rewards,
flags and infos (a copy whose observations stop changing while its player moves fails).
"""
from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from typing import Any

from .common import ConformanceError, equal

COPIERS: dict[str, Callable[[Any], Any]] = {
    "pickle": lambda env: pickle.loads(pickle.dumps(env)),
    "deepcopy": copy.deepcopy,
}


def _compare(name: str, how: str, step: Callable[[Any, Any], Any], original: Any, actions: list[Any]) -> None:
    """Step the copy through ``actions`` first, then the original: outputs must match, step by step.

    Shared state would let the copy's steps move the original; a copy that lost track of its
    state (a view turned into a copy) would stop changing while the original moves.
    """
    clone = COPIERS[how](original)
    ours = [step(clone, action) for action in actions]
    theirs = [step(original, action) for action in actions]
    for t, (x, y) in enumerate(zip(ours, theirs)):
        if not equal(x, y):
            raise ConformanceError(f"{name}: after {how}, step {t + 1} of the copy differs from the original's "
                                   f"(copy: {x!r:.300}; original: {y!r:.300})")


def check_copies(make: Callable[[], Any], name: str, *, seed: int = 3, warmup: int = 3, steps: int = 12) -> None:
    """A Gymnasium env (single or vector) copied mid-episode by pickle and deepcopy behaves as the original.

    Args:
        make: builds the env (called once per copier).
        name: names the env in errors.
        seed: of the reset and the actions.
        warmup: steps taken before copying.
        steps: steps compared after copying.
    """
    for how in COPIERS:
        env = make()
        try:
            env.action_space.seed(seed)
            env.reset(seed=seed)
            actions = [env.action_space.sample() for _ in range(warmup + steps)]
            for action in actions[:warmup]:
                env.step(action)
            _compare(name, how, lambda e, a: e.step(a), env, actions[warmup:])
        finally:
            env.close()


def check_multi_agent_copies(make: Callable[[], Any], name: str, *, seed: int = 3, warmup: int = 3,
                             steps: int = 12) -> None:
    """A PettingZoo parallel env copied mid-episode by pickle and deepcopy behaves as the original."""

    def step(env: Any, joint: dict[str, Any]) -> Any:
        return env.step({agent: action for agent, action in joint.items() if agent in env.agents})

    for how in COPIERS:
        env = make()
        try:
            env.reset(seed=seed)
            for i, agent in enumerate(env.possible_agents):
                env.action_space(agent).seed(seed + i)
            joints = [{a: env.action_space(a).sample() for a in env.possible_agents} for _ in range(warmup + steps)]
            for joint in joints[:warmup]:
                step(env, joint)
            _compare(name, how, step, env, joints[warmup:])
        finally:
            env.close()
