"""Validation of run configs, shared by ``train``, the ``train`` command and grids.

Everything a run can get wrong from its config is checked here, before any file is written:
counts and seed, env id, algorithm, shaper names, hyperparameter names and the device. Each
problem raises one error saying what to change (a :class:`~agentenvs.errors.ConfigError`, or
the class the caller asks for, e.g. a grid's ``GridSpecError``).
"""
from __future__ import annotations

import difflib
import inspect
from collections.abc import Iterable
from typing import Any

from agentenvs.errors import ConfigError

from .config import RunConfig
from .hyperparams import META_KEYS, resolve_hyperparams

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


def validate_runs(configs: Iterable[RunConfig], error: type[ConfigError] = ConfigError, *,
                  hyperparams: bool = True, shaper_error: type[Exception] | None = None) -> None:
    """Raise ``error`` for the first invalid value of any config.

    Checked: counts, seed, env id, algorithm, shaper names, hyperparameter names (YAML defaults
    and overrides; skipped when ``hyperparams`` is false, for a grid whose run function is not
    ``train``) and device. Shaper specs (names and the arguments each shaper takes) raise
    ``shaper_error`` (default ``error``).
    """
    import gymnasium as gym

    import agentenvs  # noqa: F401  (registers the ids)
    from reward_plugins.errors import ShaperConfigError

    from .train import ALGORITHMS

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
        check_device(config.device, error)
