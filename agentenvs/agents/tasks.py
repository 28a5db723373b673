"""Tasks as rows: a serialisable description of one episode that rebuilds it exactly.

A row is a plain dict (JSON-serialisable)::

    {"env_id": "agentenvs/TextShop-v0", "split": "train", "seed": 7, "task_id": 7, "config": {}}

``task_id`` names what is to be solved (a shop goal id, a quest's game seed, a Sokoban level
seed); ``seed`` seeds whatever randomness the env has beyond the task; ``config`` holds
constructor arguments that override the registered ones. ``env.reset(options=row)`` on an env
of :func:`agentenvs.agents.make` plays exactly that episode, so GRPO groups are rows repeated.

Splits are disjoint ranges of task ids: the env's own ranges where it has them (the ``SCHEMES``
table: TextQuest's game seeds, the shop's goal ids), else :data:`DEFAULT_RANGES` with the task id
used as the reset seed (and the split passed to the constructor when it takes ``split``), so an
LLM-facing id registered later gets rows with no code here.
"""
from __future__ import annotations

import functools
import importlib
import inspect
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

import numpy as np
from gymnasium.envs.registration import load_env_creator

from ..errors import ConfigError
from ..registration import EnvEntry, get_entry

SPLITS = ("train", "val", "test")
DEFAULT_RANGES: dict[str, tuple[int, int]] = {
    "train": (0, 2**30), "val": (2**30, 2**20), "test": (2**30 + 2**20, 2**20),
}
"""Split -> (first task id, number of task ids) for envs without their own task ids."""
ROW_KEYS = ("env_id", "split", "seed", "task_id", "config")


class TaskRow(TypedDict):
    """One task (see the module docstring)."""

    env_id: str
    split: str
    seed: int
    task_id: int
    config: dict[str, Any]


@dataclass(frozen=True)
class TaskScheme:
    """How an env names its tasks.

    Attributes:
        ranges: ``"module:attribute"`` of a mapping split -> ``(first, count)`` or ``(low, high)``.
        ranges_are_bounds: True when the mapping holds ``(low, high)`` bounds rather than ``(first, count)``.
        option: The reset option that takes the task id.
    """

    ranges: str
    ranges_are_bounds: bool
    option: str


SCHEMES: dict[str, TaskScheme] = {
    "agentenvs.text.quest.env:TextQuestEnv": TaskScheme("agentenvs.text.quest.env:SPLIT_SEEDS", True, "game_seed"),
    "agentenvs.text.shop_env:TextShopEnv": TaskScheme("agentenvs.shop.splits:SPLITS", False, "goal_id"),
}
"""Entry point -> its task scheme; other envs use :data:`DEFAULT_RANGES` and the reset seed."""


def llm_entry(env_id: str) -> EnvEntry:
    """The registry row of an LLM-facing id.

    Raises:
        ConfigError: the id is unknown or not ``llm_facing``.
    """
    entry = get_entry(env_id)
    if entry is None or not entry.llm_facing:
        from ..registration import llm_facing_ids

        raise ConfigError(f"{env_id!r} is not an LLM-facing id of agentenvs; LLM-facing ids: {list(llm_facing_ids())}")
    return entry


def scheme_of(entry: EnvEntry) -> TaskScheme | None:
    """The entry's own task scheme, or ``None`` (task id = reset seed over :data:`DEFAULT_RANGES`)."""
    return SCHEMES.get(entry.entry_point) if isinstance(entry.entry_point, str) else None


@functools.cache
def split_range(env_id: str, split: str) -> tuple[int, int]:
    """``(first, count)`` of the task ids of ``split`` for ``env_id``."""
    if split not in SPLITS:
        raise ConfigError(f"split must be one of {list(SPLITS)}, got {split!r}")
    scheme = scheme_of(llm_entry(env_id))
    if scheme is None:
        return DEFAULT_RANGES[split]
    module, _, attribute = scheme.ranges.partition(":")
    first, second = getattr(importlib.import_module(module), attribute)[split]
    return (int(first), int(second) - int(first)) if scheme.ranges_are_bounds else (int(first), int(second))


def takes_split(entry: EnvEntry) -> bool:
    """Whether the entry's constructor takes a ``split`` argument."""
    creator = load_env_creator(entry.entry_point) if isinstance(entry.entry_point, str) else entry.entry_point
    try:
        return "split" in inspect.signature(creator).parameters
    except (TypeError, ValueError):
        return False


def _check_config(config: Any) -> dict[str, Any]:
    if not isinstance(config, Mapping):
        raise ConfigError(f"a task's config must be a dict of constructor arguments, got {type(config).__name__}")
    try:
        json.dumps(dict(config))
    except (TypeError, ValueError) as err:
        raise ConfigError(f"a task's config must be JSON-serialisable (rows are data): {err}") from err
    if "split" in config:
        raise ConfigError("put the split in the row's 'split', not in its config")
    return dict(config)


def tasks(env_id: str, split: str = "train", n: int = 100, start: int = 0,
          config: Mapping[str, Any] | None = None) -> Iterator[TaskRow]:
    """Rows of ``n`` tasks of ``split``: task ids ``start .. start + n - 1`` of the split's range.

    Each row's seed is its task id; the same arguments always give the same rows, and splits never
    share a task id.

    Raises:
        ConfigError: an id that is not LLM-facing, an unknown split, a range overrun or a config
            that is not JSON data.
    """
    first, count = split_range(env_id, split)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ConfigError(f"n must be an int >= 0, got {n!r}")
    if isinstance(start, bool) or not isinstance(start, (int, np.integer)) or not 0 <= start or start + n > count:
        raise ConfigError(f"split {split!r} of {env_id} has {count} tasks; start={start!r}, n={n} overruns it")
    checked = _check_config(config or {})
    for index in range(int(start), int(start) + int(n)):
        task_id = first + index
        yield TaskRow(env_id=env_id, split=split, seed=task_id, task_id=task_id, config=dict(checked))


def check_row(row: Mapping[str, Any], env_id: str | None = None) -> TaskRow:
    """``row`` as a :class:`TaskRow` after checking every field.

    Raises:
        ConfigError: a missing or extra key, a wrong type, a task id outside the split, or an
            ``env_id`` other than ``env_id``.
    """
    keys = set(row)
    if keys != set(ROW_KEYS):
        raise ConfigError(f"a task row has exactly the keys {list(ROW_KEYS)}; missing {sorted(set(ROW_KEYS) - keys)}, "
                          f"unknown {sorted(map(str, keys - set(ROW_KEYS)))}")
    if env_id is not None and row["env_id"] != env_id:
        raise ConfigError(f"the row is a task of {row['env_id']!r}, but this env is {env_id!r}; "
                          "make one with agentenvs.agents.make(row['env_id'])")
    first, count = split_range(str(row["env_id"]), row["split"])
    for key in ("seed", "task_id"):
        value = row[key]
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ConfigError(f"row[{key!r}] must be an int >= 0, got {value!r}")
    if not first <= row["task_id"] < first + count:
        raise ConfigError(f"task_id {row['task_id']} is not in split {row['split']!r}: [{first}, {first + count})")
    return TaskRow(env_id=str(row["env_id"]), split=str(row["split"]), seed=int(row["seed"]),
                   task_id=int(row["task_id"]), config=_check_config(row["config"]))


def reset_arguments(entry: EnvEntry, row: TaskRow) -> tuple[int, dict[str, Any] | None]:
    """The ``(seed, options)`` the raw env's ``reset`` takes to play ``row``."""
    scheme = scheme_of(entry)
    if scheme is None:
        return row["task_id"], None
    return row["seed"], {scheme.option: row["task_id"]}


def constructor_kwargs(entry: EnvEntry, split: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """Constructor arguments of the raw env for a row's split and config (over the registered ones)."""
    kwargs = {**entry.kwargs, **config}
    if takes_split(entry):
        kwargs["split"] = split
    return kwargs
