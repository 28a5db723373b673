"""Grid specs: a YAML file of env x shaper x algorithm x seed, expanded into :class:`RunConfig` s.

A spec file::

    name: demo                          # optional; default: the file's stem
    envs:                               # ids, or {id, env_kwargs}
      - agentenvs/Sokoban-Tiny-v0
      - {id: agentenvs/Sokoban-Small-v0, env_kwargs: {max_steps: 120}}
    shapers:                            # each entry is one way of shaping the reward
      - none                            # no shaping
      - count                           # a bare registered name, weight 1
      - [{name: count, kwargs: {beta: 1.0}, weight: 0.1}]   # shapers as reward_plugins.ShaperSpec.parse reads them
      - {name: count, beta: 1.0}        # kwargs may sit beside the name
      - {label: rnd+count, shapers: [{name: rnd, weight: 0.5}, {name: count, weight: 0.05}]}
    algos: [ppo]                        # names, or {name, hyperparams}
    seeds: 3                            # an int n means seeds 0..n-1; or a list of ints
    budget:                             # shared by every run (RunConfig fields)
      total_timesteps: 50000
      n_envs: 8
      eval_freq: 5000
    env_kwargs: {}                      # shared env kwargs, under each env's own
    hyperparams: {}                     # shared overrides, under each algo's own

The label of a shaper entry (``label`` or, by default, the shaper names joined by ``+``) names
the method in reports and in run directory names; two entries may not share a label.
"""
from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from agentenvs.errors import ConfigError
from reward_plugins.errors import ShaperConfigError
from reward_plugins.spec import ShaperSpec, parse_shaper_specs

from ..config import RunConfig
from ..validate import valid_seed, validate_runs
from ..yaml_io import load_yaml

#: RunConfig fields a spec may set under ``budget``.
BUDGET_KEYS = ("total_timesteps", "n_envs", "eval_freq", "eval_episodes", "checkpoint_freq", "device", "policy")
#: Budget keys that count something.
COUNT_KEYS = ("total_timesteps", "n_envs", "eval_freq", "eval_episodes", "checkpoint_freq")

_TOP_KEYS = {"name", "envs", "shapers", "algos", "seeds", "budget", "env_kwargs", "hyperparams"}
_NO_SHAPING = ("none", None)


class GridSpecError(ConfigError):
    """A grid spec is malformed or names an unknown env, shaper or algorithm."""


class GridShaperError(GridSpecError, ShaperConfigError):
    """A grid's shaper entry is malformed, or names an unknown shaper or argument.

    Both a grid error and reward_plugins' :class:`ShaperConfigError`.
    """


@dataclass
class ShaperEntry:
    """One way of shaping the reward in a grid: a label and the shapers it sums (empty: none)."""

    label: str
    shapers: list[ShaperSpec] = field(default_factory=list)


@dataclass
class GridSpec:
    """A parsed grid: the product ``envs x shapers x algos x seeds`` plus shared settings."""

    name: str
    envs: list[tuple[str, dict[str, Any]]]
    shapers: list[ShaperEntry]
    algos: list[tuple[str, dict[str, Any]]]
    seeds: list[int]
    budget: dict[str, Any] = field(default_factory=dict)
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    hyperparams: dict[str, Any] = field(default_factory=dict)

    def runs(self) -> list[RunConfig]:
        """Every run of the grid, env-major then shaper, algo, seed (a stable order)."""
        configs = []
        product = itertools.product(self.envs, self.shapers, self.algos, self.seeds)
        for (env_id, kwargs), entry, (algo, hp), seed in product:
            default_label = "+".join(s.name for s in entry.shapers) or "none"
            configs.append(RunConfig(
                env_id=env_id,
                algo=algo,
                seed=seed,
                env_kwargs={**self.env_kwargs, **kwargs},
                shapers=[ShaperSpec(s.name, dict(s.kwargs), s.weight) for s in entry.shapers],
                hyperparams={**self.hyperparams, **hp},
                label=None if entry.label == default_label else entry.label,
                **self.budget,
            ))
        return configs

    def to_dict(self) -> dict[str, Any]:
        """The spec in the file format (round-trips through :func:`parse_spec`)."""
        return {
            "name": self.name,
            "envs": [{"id": e, "env_kwargs": k} for e, k in self.envs],
            "shapers": [{"label": s.label, "shapers": [x.to_dict() for x in s.shapers]} for s in self.shapers],
            "algos": [{"name": a, "hyperparams": h} for a, h in self.algos],
            "seeds": list(self.seeds),
            "budget": dict(self.budget),
            "env_kwargs": dict(self.env_kwargs),
            "hyperparams": dict(self.hyperparams),
        }


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise GridSpecError(f"{where} must be a mapping, got {type(value).__name__}: {value!r}")
    return dict(value)


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        raise GridSpecError(f"the spec needs a non-empty {where!r} list")
    items = value if isinstance(value, list) else [value]
    if not items:
        raise GridSpecError(f"the spec needs a non-empty {where!r} list")
    return items


def _shaper_entry(item: Any, where: str) -> ShaperEntry:
    label = None
    if isinstance(item, Mapping) and "shapers" in item:
        data = dict(item)
        unknown = set(data) - {"label", "shapers"}
        if unknown:
            raise GridSpecError(f"{where} has unknown keys {sorted(unknown)}; use 'label' and 'shapers'")
        label, item = data.get("label"), data["shapers"]
    if item in _NO_SHAPING or item == []:
        specs: list[ShaperSpec] = []
    else:
        try:
            specs = parse_shaper_specs(item, where)
        except ShaperConfigError as e:
            raise GridShaperError(str(e)) from None
    return ShaperEntry(str(label) if label else ("+".join(s.name for s in specs) or "none"), specs)


def _count(value: Any, where: str) -> int:
    """A positive whole number; YAML reads ``1e5`` as a string, so numeric strings are accepted."""
    try:
        number = float(value) if isinstance(value, str) else value
    except ValueError:
        number = None
    if isinstance(number, bool) or not isinstance(number, (int, float)) or number != int(number) or number < 1:
        raise GridSpecError(f"{where} must be a positive whole number, e.g. 100000 or 1e5; got {value!r}")
    return int(number)


def _seeds(value: Any) -> list[int]:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return list(range(value))
    if isinstance(value, list) and value and all(valid_seed(s) for s in value):
        if len(set(value)) != len(value):
            raise GridSpecError(f"seeds {value} repeat a seed")
        return list(value)
    raise GridSpecError(f"seeds must be a positive int n (seeds 0..n-1) or a list of ints >= 0, got {value!r}")


def parse_spec(data: Mapping[str, Any], name: str = "grid") -> GridSpec:
    """Build a :class:`GridSpec` from the file's data (see the module docstring)."""
    data = _mapping(data, "the spec")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise GridSpecError(f"unknown spec keys {sorted(unknown)}; allowed: {sorted(_TOP_KEYS)}")
    envs: list[tuple[str, dict[str, Any]]] = []
    for i, item in enumerate(_list(data.get("envs"), "envs")):
        if isinstance(item, str):
            envs.append((item, {}))
        else:
            entry = _mapping(item, f"envs[{i}]")
            if "id" not in entry or set(entry) - {"id", "env_kwargs"}:
                raise GridSpecError(f"envs[{i}] must be an id or {{id, env_kwargs}}; got keys {sorted(entry)}")
            envs.append((str(entry["id"]), _mapping(entry.get("env_kwargs"), f"envs[{i}].env_kwargs")))
    shapers = [_shaper_entry(x, f"shapers[{i}]") for i, x in enumerate(_list(data.get("shapers", ["none"]), "shapers"))]
    labels = [s.label for s in shapers]
    for label in labels:
        if "/" in label or "\\" in label:
            raise GridSpecError(f"shaper label {label!r} contains a path separator; labels name run directories")
    if len(set(labels)) != len(labels):
        raise GridSpecError(f"shaper entries share a label ({labels}); give each entry a distinct 'label'")
    algos: list[tuple[str, dict[str, Any]]] = []
    for i, item in enumerate(_list(data.get("algos", ["ppo"]), "algos")):
        if isinstance(item, str):
            algos.append((item, {}))
        else:
            entry = _mapping(item, f"algos[{i}]")
            if "name" not in entry or set(entry) - {"name", "hyperparams"}:
                raise GridSpecError(f"algos[{i}] must be a name or {{name, hyperparams}}; got keys {sorted(entry)}")
            algos.append((str(entry["name"]), _mapping(entry.get("hyperparams"), f"algos[{i}].hyperparams")))
    budget = _mapping(data.get("budget"), "budget")
    bad = set(budget) - set(BUDGET_KEYS)
    if bad:
        raise GridSpecError(f"unknown budget keys {sorted(bad)}; allowed: {list(BUDGET_KEYS)}")
    for key in COUNT_KEYS:
        if key in budget:
            budget[key] = _count(budget[key], f"budget.{key}")
    for what, items in (("envs", [(e, json.dumps(k, sort_keys=True, default=str)) for e, k in envs]),
                        ("algos", [(a, json.dumps(h, sort_keys=True, default=str)) for a, h in algos])):
        if len(set(items)) != len(items):
            raise GridSpecError(f"{what} lists the same entry twice: {[i[0] for i in items]}; remove the repeat")
    return GridSpec(
        name=str(data.get("name") or name),
        envs=envs,
        shapers=shapers,
        algos=algos,
        seeds=_seeds(data.get("seeds", 1)),
        budget=budget,
        env_kwargs=_mapping(data.get("env_kwargs"), "env_kwargs"),
        hyperparams=_mapping(data.get("hyperparams"), "hyperparams"),
    )


def load_spec(spec: GridSpec | Mapping[str, Any] | str | Path) -> GridSpec:
    """A :class:`GridSpec` from a spec object, a dict, or a YAML file path."""
    if isinstance(spec, GridSpec):
        return spec
    if isinstance(spec, Mapping):
        return parse_spec(spec)
    path = Path(spec)
    if not path.exists():
        raise GridSpecError(f"grid spec file {path} does not exist")
    try:
        data = load_yaml(path.read_text())
    except yaml.YAMLError as exc:
        raise GridSpecError(f"{path} is not valid YAML: {exc}") from None
    return parse_spec(data, name=path.stem)


def validate_names(configs: list[RunConfig]) -> None:
    """Raise :class:`GridSpecError` for an invalid run (see :func:`baselines.validate.validate_runs`).

    Invalid shaper specs raise :class:`GridShaperError`.
    """
    validate_runs(configs, GridSpecError, shaper_error=GridShaperError)
