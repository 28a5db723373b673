"""Checks of the reward-state contract (:mod:`agentenvs.core.reward_state`) and of ``instruction()``.

Every value ``reward_state()`` returns must lie in the declared space, with the declared dtype,
on every step of a seeded rollout, for single, vector and multi-agent envs; the doc must name
every field; fields with vocabulary names must keep the vocabulary's dtype and shape.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.vector.utils import batch_space

from ..core.reward_state import VOCABULARY, vocabulary_mismatches
from .common import ConformanceError, require, show

CONTRACTS = {
    "reward_state": "the reward-state contract: declare reward_state_space and reward_state_doc and define "
                    "reward_state() (see agentenvs.core.reward_state)",
    "instruction": "the goal-text contract: define instruction() returning the goal in words",
}


def offers(base: Any, method: str) -> bool:
    """Whether an (unwrapped) env offers the agentenvs contract method ``method``."""
    return callable(getattr(base, method, None))


def require_offered(base: Any, method: str, where: str) -> None:
    """Raise :class:`ConformanceError` unless the env offers ``method()`` (see :data:`CONTRACTS`)."""
    require(offers(base, method), f"{where}: offers no {method}() ({CONTRACTS[method]})")


def check_reward_state_value(value: Any, space: spaces.Dict, where: str) -> None:
    """``value`` is a dict with exactly the fields of ``space``, each contained in its field's space with its dtype.

    Raises:
        ConformanceError: naming ``where`` (the env and the step), the field and the value.
    """
    require(isinstance(value, dict), f"{where}: reward_state() returned {type(value).__name__}, not a dict")
    missing, extra = sorted(set(space.spaces) - set(value)), sorted(set(value) - set(space.spaces))
    require(not missing, f"{where}: reward_state() lacks fields {missing} that reward_state_space declares")
    require(not extra, f"{where}: reward_state() has fields {extra} that reward_state_space does not declare")
    for name, sub in space.spaces.items():
        field = value[name]
        if isinstance(sub, spaces.Box):
            ok = isinstance(field, np.ndarray) and field.dtype == sub.dtype and sub.contains(field)
        else:
            ok = sub.contains(field)
        if not ok:
            raise ConformanceError(f"{where}: reward_state()[{name!r}] = {show(field)} is outside "
                                   f"reward_state_space[{name!r}] = {sub}")


def check_reward_state_space(space: Any, doc: Any, where: str) -> None:
    """The declared space is a Dict of Box/Text fields, keeps the vocabulary, and the doc names every field."""
    require(isinstance(space, spaces.Dict) and space.spaces,
            f"{where}: reward_state_space must be a non-empty gymnasium.spaces.Dict, got {space!r}")
    bad = [f"{k}: {type(s).__name__}" for k, s in space.spaces.items() if not isinstance(s, (spaces.Box, spaces.Text))]
    require(not bad, f"{where}: reward-state fields are Box or Text spaces; got {bad}")
    problems = vocabulary_mismatches(space)
    require(not problems, f"{where}: reward_state_space breaks the shared vocabulary: {'; '.join(problems)}")
    require(isinstance(doc, str), f"{where}: reward_state_doc must be a str, got {type(doc).__name__}")
    undocumented = [name for name in space.spaces if name not in doc]
    require(not undocumented, f"{where}: reward_state_doc does not describe fields {undocumented}")
    lines = doc.splitlines()
    other_units = [
        f"{name} (the vocabulary's units are {VOCABULARY[name].doc.units!r})"
        for name in space.spaces
        if name in VOCABULARY and not any(name in line and VOCABULARY[name].doc.units in line for line in lines)
    ]
    require(not other_units, f"{where}: reward_state_doc gives vocabulary fields other units: {other_units}")


def check_reward_state(env: gym.Env, name: str = "", *, seed: int = 0, steps: int = 100) -> None:
    """A single env's ``reward_state()`` lies in ``reward_state_space`` after reset and every step of a rollout."""
    base: Any = env.unwrapped
    name = name or type(base).__name__
    require_offered(base, "reward_state", name)
    space: Any = getattr(base, "reward_state_space", None)
    check_reward_state_space(space, getattr(base, "reward_state_doc", None), name)
    env.action_space.seed(seed)
    env.reset(seed=seed)
    check_reward_state_value(base.reward_state(), space, f"{name} after reset(seed={seed})")
    for t in range(steps):
        *_, terminated, truncated, _ = env.step(env.action_space.sample())
        check_reward_state_value(base.reward_state(), space, f"{name} after step {t + 1}")
        if terminated or truncated:
            env.reset()
            check_reward_state_value(base.reward_state(), space, f"{name} after the reset at step {t + 1}")


def check_vector_reward_state(venv: gym.vector.VectorEnv, name: str = "", *, seed: int = 0, steps: int = 100) -> None:
    """A native vector env's ``reward_state()`` lies in ``reward_state_space``, each row in the single space."""
    base: Any = venv.unwrapped
    name = name or type(base).__name__
    require_offered(base, "reward_state", f"{name} (vector)")
    single: Any = getattr(base, "single_reward_state_space", None)
    check_reward_state_space(single, getattr(base, "reward_state_doc", None), f"{name} (vector)")
    batched: Any = getattr(base, "reward_state_space", None)
    expected = batch_space(single, venv.num_envs)
    require(batched == expected, f"{name} (vector): reward_state_space must be single_reward_state_space batched "
                                 f"over num_envs={venv.num_envs}, i.e. {expected}; got {batched}")

    def check(where: str) -> None:
        state = base.reward_state()
        check_reward_state_value(state, batched, where)
        for row in range(venv.num_envs):
            row_state = {k: v[row, ...] if isinstance(v, np.ndarray) else v[row] for k, v in state.items()}
            check_reward_state_value(row_state, single, f"{where}, env {row}")

    venv.action_space.seed(seed)
    venv.reset(seed=seed)
    check(f"{name} (vector) after reset(seed={seed})")
    for t in range(steps):
        venv.step(venv.action_space.sample())
        check(f"{name} (vector) after step {t + 1}")


def check_multi_agent_reward_state(env: Any, name: str = "", *, seed: int = 0, steps: int = 100) -> None:
    """A parallel env's ``reward_state()`` gives each possible agent a dict in ``reward_state_space(agent)``."""
    name = name or type(env.unwrapped).__name__
    agents = list(env.possible_agents)
    space_of: Callable[[str], Any] = env.unwrapped.reward_state_space
    for agent in agents:
        check_reward_state_space(space_of(agent), getattr(env.unwrapped, "reward_state_doc", None), f"{name}/{agent}")

    def check(where: str) -> None:
        state = env.unwrapped.reward_state()
        require(isinstance(state, dict) and set(state) == set(agents),
                f"{where}: reward_state() must be keyed by every possible agent {agents}, got keys "
                f"{sorted(state) if isinstance(state, dict) else type(state).__name__}")
        for agent in agents:
            check_reward_state_value(state[agent], space_of(agent), f"{where}, agent {agent!r}")

    env.reset(seed=seed)
    for agent in agents:
        env.action_space(agent).seed(seed)
    check(f"{name} after reset(seed={seed})")
    for t in range(steps):
        if not env.agents:
            env.reset()
            check(f"{name} after the reset at step {t}")
        env.step({agent: env.action_space(agent).sample() for agent in env.agents})
        check(f"{name} after step {t + 1}")


def check_instruction(env: Any, name: str = "") -> None:
    """``instruction()`` is the goal in words: a non-empty str (vector envs: one per env; multi-agent: per agent)."""
    base: Any = env.unwrapped
    name = name or type(base).__name__
    require_offered(base, "instruction", name)
    if hasattr(env, "possible_agents"):
        env.reset(seed=0)
        text = base.instruction()
        require(isinstance(text, dict) and set(text) == set(env.possible_agents),
                f"{name}: instruction() must map every possible agent to its goal text, got {text!r}")
        texts = list(text.values())
    elif isinstance(env.unwrapped, gym.vector.VectorEnv):
        env.reset(seed=0)
        texts = base.instruction()
        require(isinstance(texts, list) and len(texts) == env.num_envs,
                f"{name}: instruction() of a vector env must be a list of {env.num_envs} str, got {texts!r}")
    else:
        env.reset(seed=0)
        texts = [base.instruction()]
    for text in texts:
        require(isinstance(text, str) and text.strip(), f"{name}: instruction() gave {text!r}, not a goal in words")
