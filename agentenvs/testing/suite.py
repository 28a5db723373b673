"""Every conformance check of a registered id: :func:`checks_for` lists them by name, :func:`check_env_id` runs them."""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import gymnasium as gym
from gymnasium import spaces

from ..errors import ConfigError, MissingDependencyError
from ..registration import GYM_ENVS, MULTI_AGENT_ENVS, get_entry, make_multi_agent
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
from .llm_checks import LLM_CHECKS
from .pettingzoo_checks import check_pettingzoo
from .reward_state import (
    CONTRACTS,
    check_instruction,
    check_multi_agent_reward_state,
    check_reward_state,
    check_vector_reward_state,
    offers,
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


#: Check name -> (module, distribution, extra) of the optional dependency it needs; PettingZoo is core.
OPTIONAL_DEPENDENCIES: dict[str, tuple[str, str, str]] = {
    "sb3_api": ("stable_baselines3", "stable-baselines3", "baselines"),
}


def _needs(check: str) -> str:
    _, distribution, extra = OPTIONAL_DEPENDENCIES[check]
    return f"needs agentenvs[{extra}] ({distribution})"


def _capabilities(env_id: str, ours: bool) -> dict[str, str]:
    """Check name -> reason, for the agentenvs contract checks the env does not opt into.

    Ids of agentenvs' own registry opt into every contract (rendering included): for them the
    checks run, and fail, when a capability is missing.
    """
    if ours:
        return {}
    env = gym.make(env_id)
    try:
        base: Any = env.unwrapped
        skipped: dict[str, str] = {}
        if not env.metadata.get("render_modes"):
            skipped["render_modes"] = "the env declares no render modes (metadata['render_modes'] is empty)"
        for method in ("reward_state", "instruction"):
            if not offers(base, method):
                skipped[method] = (f"the env offers no {method}(), part of agentenvs' {CONTRACTS[method]}; "
                                   "do that to opt in to this check")
        try:
            env.reset(seed=0)
            env.action_space.seed(0)
            info = env.step(env.action_space.sample())[-1]
        except Exception as err:  # the user's env is broken before any check runs: say where
            raise ConformanceError(f"{env_id}: reset(seed=0) and one random step, to probe which checks apply, "
                                   f"raised {type(err).__name__}: {err}") from err
        if "is_success" not in info:
            skipped["success_flag"] = ("the env reports no info['is_success'], part of agentenvs' info contract; "
                                       "put a bool is_success in every step's info (agentenvs.core.make_info) "
                                       "to opt in to this check")
        return skipped
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
    if gym.spec(env_id).nondeterministic:
        skipped["determinism"] = "the id is registered nondeterministic: the same seed need not replay"
    probe = make()
    action_space = probe.action_space
    probe.close()
    if not sb3_installed():
        skipped["sb3_api"] = _needs("sb3_api")
    elif isinstance(action_space, spaces.Text) or not sb3_accepts(action_space):
        skipped["sb3_api"] = (f"SB3 takes no {type(action_space).__name__} action space; wrap the env in "
                              "agentenvs.core.FlattenForSB3(env, action_choices=...) to train it with SB3")
    else:
        checks["sb3_api"] = functools.partial(check_sb3_api, env_id)
    skipped.update(_capabilities(env_id, ours=get_entry(env_id) is not None))
    if has_vector_entry_point(env_id):
        vec = functools.partial(make_native_vec, env_id, 4)
        checks["make_vec_vector_entry_point"] = functools.partial(check_make_vec, env_id, "vector_entry_point", 5)
        checks["vector_determinism"] = functools.partial(check_vector_determinism, env_id)
        checks["vector_copies"] = functools.partial(check_copies, vec, f"{env_id} (vector)")
        checks["vector_reward_state"] = functools.partial(_on, vec, check_vector_reward_state, env_id)
        checks["vector_instruction"] = functools.partial(_on, vec, check_instruction, f"{env_id} (vector)")
        for method in ("reward_state", "instruction"):
            if method in skipped:
                skipped[f"vector_{method}"] = skipped[method]
    else:
        skipped["vector_entry_point"] = "the id registers no native vector env"
    if offers_state_key(env_id):
        checks["state_key"] = functools.partial(check_state_key, env_id)
    else:
        skipped["state_key"] = "the env offers no state_key() (optional)"
    if "determinism" in skipped:
        skipped["vector_determinism"] = skipped["determinism"]
    entry = get_entry(env_id)
    if entry is not None and entry.llm_facing:
        checks.update({name: functools.partial(check, env_id) for name, check in LLM_CHECKS.items()})
    return {name: check for name, check in checks.items() if name not in skipped}, skipped


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


def _guarded(env_id: str, name: str, check: Check) -> Check:
    """``check`` that raises only ConformanceError or MissingDependencyError.

    An unexpected exception becomes a ConformanceError naming the check, the env and the exception.
    """
    def run() -> None:
        try:
            check()
        except (ConformanceError, MissingDependencyError):
            raise
        except Exception as err:  # a bug in the env (or a checker's own assertion) is a failed check, said so
            raise ConformanceError(f"{env_id}: check {name!r} raised {type(err).__name__}: {err}") from err
    return run


def _plan(env_id: str) -> tuple[dict[str, Check], dict[str, str]]:
    if env_id in {entry.id for entry in MULTI_AGENT_ENVS}:
        checks, skipped = _multi_agent_plan(env_id)
    elif env_id in gym.registry:
        checks, skipped = _gym_plan(env_id)
    else:
        known = sorted(e.id for e in GYM_ENVS + MULTI_AGENT_ENVS)
        raise ConfigError(f"unknown env id {env_id!r}: register it with gymnasium first (agentenvs ids: {known})")
    return {name: _guarded(env_id, name, check) for name, check in checks.items()}, skipped


def checks_for(env_id: str) -> dict[str, Check]:
    """Name -> zero-argument check, for every conformance check that applies to ``env_id``.

    ``env_id`` is a Gymnasium id (any registered one, not only agentenvs') or an id of
    :data:`agentenvs.registration.MULTI_AGENT_ENVS`. Each check raises
    :class:`~agentenvs.testing.ConformanceError` on failure (an unexpected exception is wrapped in one
    naming the check, the env and the exception), or
    :class:`~agentenvs.errors.MissingDependencyError` when an optional dependency fails to load.
    Checks of agentenvs' contracts (``reward_state()``, ``instruction()``, ``info["is_success"]``)
    run on every agentenvs id and on any other env that offers the capability.
    """
    return _plan(env_id)[0]


def skipped_checks(env_id: str) -> dict[str, str]:
    """Name -> reason, for the checks that do not apply to ``env_id`` (or cannot run here)."""
    return _plan(env_id)[1]


def check_env_id(env_id: str) -> dict[str, str]:
    """Run every conformance check of ``env_id``; return name -> ``"passed"`` or ``"skipped: <reason>"``.

    A check whose optional dependency (see :data:`OPTIONAL_DEPENDENCIES`) fails to load is skipped.

    Raises:
        ConformanceError: listing every check that failed, with its message.
    """
    checks, skipped = _plan(env_id)
    results = {name: f"skipped: {reason}" for name, reason in skipped.items()}
    failures = []
    for name, check in checks.items():
        try:
            check()
        except MissingDependencyError as err:
            if name not in OPTIONAL_DEPENDENCIES:
                failures.append(f"{name}: {type(err).__name__}: {err}")
                continue
            results[name] = f"skipped: {_needs(name)}"
        except ConformanceError as err:  # collect every failure before raising
            failures.append(f"{name}: {type(err).__name__}: {err}")
        else:
            results[name] = "passed"
    if failures:
        raise ConformanceError(f"{env_id} fails {len(failures)} conformance check(s):\n  " + "\n  ".join(failures))
    return results
