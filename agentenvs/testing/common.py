"""What every checker shares: the error it raises, deep equality, seeded rollouts."""
from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from ..errors import AgentEnvsError


class ConformanceError(AgentEnvsError, AssertionError):
    """An env breaks a rule of the conformance suite; the message names the env, the rule and the value."""


def require(condition: Any, message: str) -> None:
    """Raise :class:`ConformanceError` with ``message`` unless ``condition`` holds."""
    if not condition:
        raise ConformanceError(message)


def equal(a: Any, b: Any) -> bool:
    """Deep equality over numpy arrays (dtype and shape included), dicts, sequences and scalars."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    if isinstance(a, (np.ndarray, np.generic)) or isinstance(b, (np.ndarray, np.generic)):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and a.dtype == b.dtype and bool(np.array_equal(a, b))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def show(value: Any, limit: int = 300) -> str:
    """``repr`` of a value for an error message: arrays with dtype and shape, everything cut at ``limit``."""
    text = repr(value)
    if isinstance(value, np.ndarray):
        text = f"{value.dtype}{list(value.shape)} {np.array2string(value, threshold=12)}"
    return text if len(text) < limit else text[:limit - 3] + "..."


TRANSITION_FIELDS = ("observation", "reward", "terminated", "truncated", "info")


def difference(a: Any, b: Any, fields: tuple[str, ...] = TRANSITION_FIELDS) -> str:
    """Where two transitions (tuples named by ``fields``) first differ, with both values, for an error message."""
    for name, x, y in zip(fields, a, b):
        if equal(x, y):
            continue
        if isinstance(x, dict) and isinstance(y, dict):
            if x.keys() != y.keys():
                return f"{name} keys differ: {sorted(map(str, x))} != {sorted(map(str, y))}"
            key = next(k for k in x if not equal(x[k], y[k]))
            return f"{name}[{key!r}] differs: {show(x[key], 120)} != {show(y[key], 120)}"
        return f"{name} differs: {show(x, 120)} != {show(y, 120)}"
    return "the transitions have different lengths"


def rollout(env: gym.Env, seed: int, steps: int) -> list[tuple]:
    """``(obs, reward, terminated, truncated, info)`` for ``steps`` seeded random actions, resetting on done."""
    env.action_space.seed(seed)
    obs, info = env.reset(seed=seed)
    trace: list[tuple] = [(obs, 0.0, False, False, info)]
    for _ in range(steps):
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        trace.append((obs, reward, terminated, truncated, info))
        if terminated or truncated:
            obs, info = env.reset()
            trace.append((obs, 0.0, False, False, info))
    return trace


def make_native_vec(env_id: str, num_envs: int, **kwargs: Any) -> gym.vector.VectorEnv:
    """The id's native vector env (its ``vector_entry_point``)."""
    return gym.make_vec(env_id, num_envs=num_envs, vectorization_mode="vector_entry_point", **kwargs)


def has_vector_entry_point(env_id: str) -> bool:
    """Whether the id registers a native vector env."""
    return gym.spec(env_id).vector_entry_point is not None
