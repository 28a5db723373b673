"""Every conformance check of a registered id: :func:`checks_for` lists them by name, :func:`check_env_id` runs them."""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import gymnasium as gym
from gymnasium import spaces

from ..errors import ConfigError
from ..registration import GYM_ENVS, MULTI_AGENT_ENVS, make_multi_agent
from .common import ConformanceError, has_vector_entry_point, make_native_vec, require
from .copies import check_copies, check_multi_agent_copies
from .gymnasium_checks import (
    check_determinism,
    check_gymnasium_api,
    check_make_vec,
    check_render_modes,
    check_state_key,
    check_success_flag,
    check_vector_determinism,
    offers_state_key,
)
from .pettingzoo_checks import check_pettingzoo
from .reward_state import (
    check_instruction,
    check_multi_agent_reward_state,
    check_reward_state,
    check_vector_reward_state,
)
from .sb3_checks import check_sb3_api, sb3_accepts, sb3_installed

Check = Callable[[], None]


def _on(make: Callable[[], Any], check: Callable[..., None], name: str) -> None:
    """Run ``check(env, name)`` on a fresh env and close it."""
    env = make()
    try:
        check(env, name)
    finally:
        env.close()


def _aec_from_registry(env_id: str) -> None:
    env = make_multi_agent(env_id, aec=True)
    try:
        env.reset(seed=0)
        require(env.agent_selection in env.agents, f"{env_id}: the AEC version selects {env.agent_selection!r}, "
                                                   f"not one of its agents {env.agents}")
    finally:
        env.close()


def _gym_plan(env_id: str) -> tuple[dict[str, Check], dict[str, str]]:
    make = functools.partial(gym.make, env_id)
    checks: dict[str, Check] = {
        "gymnasium_api": functools.partial(check_gymnasium_api, env_id),
        "determinism": functools.partial(check_determinism, env_id),
        "render_modes": functools.partial(check_render_modes, env_id),
        "copies": functools.partial(check_copies, make, env_id),
        "make_vec_sync": functools.partial(check_make_vec, env_id, "sync"),
        "reward_state": functools.partial(_on, make, check_reward_state, env_id),
        "instruction": functools.partial(_on, make, check_instruction, env_id),
        "success_flag": functools.partial(check_success_flag, env_id),
    }
    skipped: dict[str, str] = {}
    probe = make()
    action_space = probe.action_space
    probe.close()
    if not sb3_installed():
        skipped["sb3_api"] = "stable-baselines3 is not installed (pip install 'agentenvs[baselines]')"
    elif isinstance(action_space, spaces.Text) or not sb3_accepts(action_space):
        skipped["sb3_api"] = (f"SB3 takes no {type(action_space).__name__} action space; wrap the env in "
                              "agentenvs.core.FlattenForSB3(env, action_choices=...) to train it with SB3")
    else:
        checks["sb3_api"] = functools.partial(check_sb3_api, env_id)
    if has_vector_entry_point(env_id):
        vec = functools.partial(make_native_vec, env_id, 4)
        checks["make_vec_vector_entry_point"] = functools.partial(check_make_vec, env_id, "vector_entry_point", 5)
        checks["vector_determinism"] = functools.partial(check_vector_determinism, env_id)
        checks["vector_copies"] = functools.partial(check_copies, vec, f"{env_id} (vector)")
        checks["vector_reward_state"] = functools.partial(_on, vec, check_vector_reward_state, env_id)
        checks["vector_instruction"] = functools.partial(_on, vec, check_instruction, f"{env_id} (vector)")
    else:
        skipped["vector_entry_point"] = "the id registers no native vector env"
    if offers_state_key(env_id):
        checks["state_key"] = functools.partial(check_state_key, env_id)
    else:
        skipped["state_key"] = "the env offers no state_key() (optional)"
    return checks, skipped


def _multi_agent_plan(env_id: str) -> tuple[dict[str, Check], dict[str, str]]:
    make = functools.partial(make_multi_agent, env_id)
    checks: dict[str, Check] = {
        "pettingzoo_api": functools.partial(check_pettingzoo, make),
        "aec_from_registry": functools.partial(_aec_from_registry, env_id),
        "multi_agent_copies": functools.partial(check_multi_agent_copies, make, env_id),
        "multi_agent_reward_state": functools.partial(_on, make, check_multi_agent_reward_state, env_id),
        "multi_agent_instruction": functools.partial(_on, make, check_instruction, env_id),
    }
    return checks, {}


def _plan(env_id: str) -> tuple[dict[str, Check], dict[str, str]]:
    if env_id in {entry.id for entry in MULTI_AGENT_ENVS}:
        return _multi_agent_plan(env_id)
    if env_id in gym.registry:
        return _gym_plan(env_id)
    known = sorted(e.id for e in GYM_ENVS + MULTI_AGENT_ENVS)
    raise ConfigError(f"unknown env id {env_id!r}: register it with gymnasium first (agentenvs ids: {known})")


def checks_for(env_id: str) -> dict[str, Check]:
    """Name -> zero-argument check, for every conformance check that applies to ``env_id``.

    ``env_id`` is a Gymnasium id (any registered one, not only agentenvs') or an id of
    :data:`agentenvs.registration.MULTI_AGENT_ENVS`. Each check raises
    :class:`~agentenvs.testing.ConformanceError` (or the API checker's own error) on failure.
    """
    return _plan(env_id)[0]


def skipped_checks(env_id: str) -> dict[str, str]:
    """Name -> reason, for the checks that do not apply to ``env_id`` (or cannot run here)."""
    return _plan(env_id)[1]


def check_env_id(env_id: str) -> dict[str, str]:
    """Run every conformance check of ``env_id``; return name -> ``"passed"`` or ``"skipped: <reason>"``.

    Raises:
        ConformanceError: listing every check that failed, with its message.
    """
    checks, skipped = _plan(env_id)
    results = {name: f"skipped: {reason}" for name, reason in skipped.items()}
    failures = []
    for name, check in checks.items():
        try:
            check()
        except Exception as err:  # collect every failure, of any checker, before raising
            failures.append(f"{name}: {type(err).__name__}: {err}")
        else:
            results[name] = "passed"
    if failures:
        raise ConformanceError(f"{env_id} fails {len(failures)} conformance check(s):\n  " + "\n  ".join(failures))
    return results
