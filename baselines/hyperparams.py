"""Per-env default hyperparameters from YAML, as RL-Baselines3-Zoo keeps them.

``baselines/hyperparams/<algo>.yaml`` maps env ids to constructor kwargs of the SB3 algorithm::

    default:                       # applies to every env
      policy: MlpPolicy
      n_steps: 128
    agentenvs/Sokoban-*:           # fnmatch pattern: a family
      ent_coef: 0.01
    agentenvs/Sokoban-Tiny-v0:     # exact id: wins over patterns
      learning_rate: lin_5e-4

Layers merge in that order (``default`` < matching patterns, in file order < exact id <
``RunConfig.hyperparams``); dict values such as ``policy_kwargs`` merge key by key.
Learning rates and clip ranges may be written ``lin_<value>`` for a linear decay to zero.
"""
from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from agentenvs.errors import ConfigError

from .yaml_io import load_yaml

HYPERPARAMS_DIR = Path(__file__).with_name("hyperparams")

#: Keys that are not constructor kwargs of the algorithm and are consumed by ``train``:
#: ``policy`` (SB3 policy name or ``auto``), ``eval_deterministic`` (evaluate with the
#: policy's most likely action, default true) and ``vector_kwargs`` (extra kwargs of the env's
#: native vector env only, e.g. Sokoban's ``pool_size``; the single env never sees them).
META_KEYS = frozenset({"policy", "eval_deterministic", "vector_kwargs"})

#: Algorithms that share another algorithm's YAML file.
_YAML_OF = {"maskable_ppo": "ppo"}

_SCHEDULE_KEYS = ("learning_rate", "clip_range", "clip_range_vf")


def _deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def load_table(algo: str, directory: Path = HYPERPARAMS_DIR) -> dict[str, dict[str, Any]]:
    """The raw ``{env id or pattern: kwargs}`` table of one algorithm's YAML file."""
    path = Path(directory) / f"{_YAML_OF.get(algo, algo)}.yaml"
    if not path.exists():
        known = sorted(p.stem for p in Path(directory).glob("*.yaml"))
        raise ConfigError(f"no hyperparameter file for algo {algo!r} at {path}; known algos: {known}")
    table = load_yaml(path.read_text()) or {}
    if not isinstance(table, dict) or not all(isinstance(v, dict) for v in table.values()):
        raise ConfigError(f"{path} must map env ids to dicts of hyperparameters")
    return table


def resolve_hyperparams(
    algo: str, env_id: str, overrides: Mapping[str, Any] | None = None, directory: Path = HYPERPARAMS_DIR
) -> dict[str, Any]:
    """Merged hyperparameters for ``algo`` on ``env_id``: YAML layers, then ``overrides``.

    The result is plain YAML data (schedules stay strings); :func:`algo_kwargs` turns it into
    constructor kwargs.
    """
    table = load_table(algo, directory)
    merged: dict[str, Any] = dict(table.get("default", {}))
    for key, layer in table.items():
        if key not in ("default", env_id) and any(c in key for c in "*?[") and fnmatch.fnmatchcase(env_id, key):
            merged = _deep_merge(merged, layer)
    merged = _deep_merge(merged, table.get(env_id, {}))
    return _deep_merge(merged, dict(overrides or {}))


def linear_schedule(initial: float) -> Callable[[float], float]:
    """SB3 schedule: ``initial`` at the start of training, decaying linearly to 0."""

    def schedule(progress_remaining: float) -> float:
        return progress_remaining * initial

    return schedule


def _parse_schedule(key: str, value: Any) -> Any:
    if isinstance(value, str) and value.startswith("lin_"):
        try:
            return linear_schedule(float(value[len("lin_"):]))
        except ValueError:
            raise ConfigError(f"hyperparameter {key}={value!r}: write a linear schedule as 'lin_<float>', "
                              "e.g. 'lin_3e-4'") from None
    return value


def algo_kwargs(hyperparams: Mapping[str, Any]) -> dict[str, Any]:
    """Constructor kwargs of the SB3 algorithm.

    Meta keys are dropped, ``lin_*`` schedules built and class names in ``policy_kwargs`` imported.
    """
    out = {k: _parse_schedule(k, v) if k in _SCHEDULE_KEYS else v
           for k, v in hyperparams.items() if k not in META_KEYS}
    if isinstance(out.get("policy_kwargs"), Mapping):
        out["policy_kwargs"] = {k: resolve_class(k, v) if k in CLASS_KEYS else v
                                for k, v in out["policy_kwargs"].items()}
    return out


#: ``policy_kwargs`` entries that take a class; YAML and the CLI give them as names.
CLASS_KEYS = ("activation_fn", "optimizer_class", "features_extractor_class")


def resolve_class(key: str, value: Any) -> Any:
    """A class from its name; classes pass through.

    Names are dotted (``"torch.nn.Tanh"``, ``"baselines.extractors.SmallGridCNN"``), or bare
    ``torch.nn`` names for ``activation_fn`` (``"Tanh"``) and ``torch.optim`` names otherwise.
    """
    if not isinstance(value, str):
        return value
    import importlib

    import torch

    module_name, _, name = value.rpartition(".")
    try:
        if not module_name:
            return getattr(torch.nn if key == "activation_fn" else torch.optim, name)
        return getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError):
        raise ConfigError(f"policy_kwargs.{key}={value!r} names no class; write a dotted path such as "
                          "'torch.nn.Tanh' or 'torch.optim.AdamW'") from None
