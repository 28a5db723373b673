"""Validation of run configs, shared by ``train``, the ``train`` command and grids.

Everything a run can get wrong from its config is checked here, before any file is written:
counts and seed, env id and env kwargs, algorithm, shaper names, hyperparameter names and values
and the device. Each
problem raises one error saying what to change (a :class:`~agentenvs.errors.ConfigError`, or
the class the caller asks for, e.g. a grid's ``GridSpecError``).
"""
from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from agentenvs.errors import ConfigError

from .config import RunConfig
from .hyperparams import META_KEYS, algo_kwargs, resolve_hyperparams

#: RunConfig fields that count something, with the ``train`` option that sets each.
COUNT_FIELDS = {"total_timesteps": "--steps", "n_envs": "--n-envs", "eval_freq": "--eval-freq",
                "eval_episodes": "--eval-episodes", "checkpoint_freq": "--checkpoint-freq"}

#: Constructor arguments of an SB3 algorithm that ``train`` sets itself.
_SET_BY_TRAIN = frozenset({"self", "policy", "env", "seed", "device", "verbose", "tensorboard_log",
                           "_init_setup_model"})


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def valid_seed(value: Any) -> bool:
    """Whether ``value`` can seed a run: a whole number in [0, 2**32) (numpy's seed range)."""
    return _whole(value) and 0 <= value < 2**32


def available_devices() -> list[str]:
    """The torch devices a run can use on this machine."""
    import torch

    devices = ["auto", "cpu"]
    if torch.cuda.is_available():
        devices += ["cuda", *(f"cuda:{i}" for i in range(torch.cuda.device_count()))]
    if torch.backends.mps.is_available():
        devices.append("mps")
    return devices


def check_device(device: str, error: type[ConfigError] = ConfigError) -> None:
    """Refuse a device this machine cannot run on (SB3 would silently fall back to the CPU)."""
    if device == "auto":
        return
    import torch

    available = available_devices()
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError):
        raise error(f"device {device!r} is not a torch device; available: {available}") from None
    if parsed.type == "cpu" or str(parsed) in available:
        return
    if parsed.type == "cuda" and not torch.cuda.is_available():
        why = "torch sees no CUDA GPU"
    elif parsed.type == "cuda":
        why = f"torch sees {torch.cuda.device_count()} CUDA GPU(s)"
    else:
        why = f"torch cannot use {parsed.type!r} devices here"
    raise error(f"device {device!r} is not usable here: {why}; available: {available}")


def check_hyperparams(algo_class: type, hyperparams: Iterable[str], error: type[ConfigError] = ConfigError) -> None:
    """Refuse hyperparameter names that ``algo_class`` does not take.

    Accepted: constructor arguments ``train`` does not set itself, and the keys ``train``
    consumes (:data:`baselines.hyperparams.META_KEYS`).
    """
    known = set(inspect.signature(algo_class).parameters) - _SET_BY_TRAIN | META_KEYS
    for name in hyperparams:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f"; known: {sorted(known)}"
            raise error(f"unknown hyperparameter {name!r} for {algo_class.__name__}{hint}")


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _in_unit_interval(value: Any) -> bool:
    return _number(value) and 0 <= value <= 1


def _positive_or_schedule(value: Any) -> bool:
    return callable(value) or (_number(value) and value > 0)


#: Hyperparameter value rules SB3 does not enforce itself (a wrong value trains silently, or fails
#: deep inside training): name -> (test, what the value must be).
_VALUE_RULES: dict[str, tuple[Callable[[Any], bool], str]] = {
    **{name: (_in_unit_interval, "a number in [0, 1]")
       for name in ("gamma", "gae_lambda", "tau", "exploration_fraction", "exploration_initial_eps",
                    "exploration_final_eps")},
    **{name: (_positive_or_schedule, "a number > 0 or 'lin_<float>'")
       for name in ("learning_rate", "clip_range")},
    **{name: (lambda v: _whole(v) and v >= 1, "a whole number >= 1")
       for name in ("n_steps", "batch_size", "n_epochs", "buffer_size", "target_update_interval")},
    "learning_starts": (lambda v: _whole(v) and v >= 0, "a whole number >= 0"),
    **{name: (lambda v: _number(v) and v >= 0, "a number >= 0") for name in ("ent_coef", "vf_coef")},
    "max_grad_norm": (lambda v: _number(v) and v > 0, "a number > 0"),
}


def check_hyperparam_values(algo_class: type, hyperparams: Mapping[str, Any],
                            error: type[ConfigError] = ConfigError) -> None:
    """Refuse hyperparameter values that would crash or silently mistrain ``algo_class``.

    ``hyperparams`` are merged YAML values (``lin_*`` schedules as strings); the rules are
    :data:`_VALUE_RULES` and the policy name, which must be ``auto`` or one the algorithm knows.
    """
    try:
        kwargs = algo_kwargs(hyperparams)  # builds lin_* schedules: a malformed one raises here
    except ConfigError as exc:
        raise error(str(exc)) from None
    for name, (test, must_be) in _VALUE_RULES.items():
        if name in kwargs and not test(kwargs[name]):
            raise error(f"hyperparameter {name}={hyperparams[name]!r} must be {must_be}")
    policy = hyperparams.get("policy", "auto")
    policies = sorted(getattr(algo_class, "policy_aliases", {}))
    if policy != "auto" and policy not in policies:
        raise error(f"hyperparameter policy={policy!r} is not a {algo_class.__name__} policy; "
                    f"choose 'auto' or one of {policies}")


def env_kwargs_error(env_id: str, env_kwargs: Mapping[str, Any], exc: Exception,
                     error: type[ConfigError] = ConfigError) -> ConfigError:
    """The error for an env constructor that refused ``env_kwargs`` with ``exc``."""
    return error(f"env {env_id} rejected env_kwargs {dict(env_kwargs)}: {type(exc).__name__}: {exc}")


def check_env_kwargs(env_id: str, env_kwargs: Mapping[str, Any], error: type[ConfigError] = ConfigError) -> None:
    """Build ``env_id`` with ``env_kwargs`` once and close it; refuse kwargs its constructor rejects."""
    import gymnasium as gym

    try:
        gym.make(env_id, **env_kwargs).close()
    except (TypeError, ValueError, AssertionError, KeyError) as exc:
        raise env_kwargs_error(env_id, env_kwargs, exc, error) from None


def validate_runs(configs: Iterable[RunConfig], error: type[ConfigError] = ConfigError, *,
                  hyperparams: bool = True, shaper_error: type[Exception] | None = None) -> None:
    """Raise ``error`` for the first invalid value of any config.

    Checked: counts, seed, env id, env kwargs (each distinct ``(env_id, env_kwargs)`` is built
    once), algorithm, shaper names, hyperparameter names and values (YAML defaults and
    overrides; skipped when ``hyperparams`` is false, for a grid whose run function is not
    ``train``) and device. Shaper specs (names and the arguments each shaper takes) raise
    ``shaper_error`` (default ``error``).
    """
    import gymnasium as gym

    import agentenvs  # noqa: F401  (registers the ids)
    from reward_plugins.errors import ShaperConfigError

    from .train import ALGORITHMS

    built: set[tuple[str, str]] = set()
    for config in configs:
        for name, option in COUNT_FIELDS.items():
            value = getattr(config, name)
            if not _whole(value) or value < 1:
                raise error(f"{name} ({option}) must be a whole number >= 1, got {value!r}")
        if not valid_seed(config.seed):
            raise error(f"seed must be a whole number in [0, 2**32), got {config.seed!r}")
        if config.env_id not in gym.registry:
            ours = sorted(k for k in gym.registry if k.startswith("agentenvs/"))
            raise error(f"unknown env id {config.env_id!r}; agentenvs ids: {ours} (or any registered gymnasium id)")
        if (config.env_id, repr(config.env_kwargs)) not in built:
            check_env_kwargs(config.env_id, config.env_kwargs, error)
            built.add((config.env_id, repr(config.env_kwargs)))
        if config.algo not in ALGORITHMS:
            raise error(f"unknown algorithm {config.algo!r}; choose one of {sorted(ALGORITHMS)}")
        for i, spec in enumerate(config.shapers):
            try:
                spec.check(f"{config.label or config.shaper_label}: shapers[{i}]")
            except ShaperConfigError as e:
                raise (shaper_error or error)(str(e)) from None
        if hyperparams:
            merged = resolve_hyperparams(config.algo, config.env_id, config.hyperparams)
            check_hyperparams(ALGORITHMS[config.algo], merged, error)
            check_hyperparam_values(ALGORITHMS[config.algo], {**merged, "policy": config.policy or
                                                              merged.get("policy", "auto")}, error)
        check_device(config.device, error)
