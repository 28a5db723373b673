"""Every environment id of agentenvs, in one table.

Gymnasium ids register on ``import agentenvs``; PettingZoo envs (which Gymnasium's registry
cannot hold) live in :data:`MULTI_AGENT_ENVS` and are built with :func:`make_multi_agent`.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym


@dataclass(frozen=True)
class EnvEntry:
    """One registered id: where it lives, its default kwargs, and a one-line description."""

    id: str
    entry_point: str
    description: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    vector_entry_point: str | None = None
    family: str = ""


_SOKOBAN = "agentenvs.sokoban.env:SokobanEnv"
_SOKOBAN_VEC = "agentenvs.sokoban.vector:SokobanVectorEnv"

GYM_ENVS: tuple[EnvEntry, ...] = (
    EnvEntry("agentenvs/Sokoban-Tiny-v0", _SOKOBAN, "Sokoban 6x6 room, 1 box, grid obs",
             dict(dim_room=(6, 6), num_boxes=1), _SOKOBAN_VEC, "sokoban"),
    EnvEntry("agentenvs/Sokoban-Small-v0", _SOKOBAN, "Sokoban 7x7 room, 2 boxes, grid obs",
             dict(dim_room=(7, 7), num_boxes=2), _SOKOBAN_VEC, "sokoban"),
    EnvEntry("agentenvs/Sokoban-v0", _SOKOBAN, "Sokoban 10x10 room, 3 boxes, grid obs",
             dict(dim_room=(10, 10), num_boxes=3), _SOKOBAN_VEC, "sokoban"),
    EnvEntry("agentenvs/Sokoban-Boxoban-v0", _SOKOBAN, "Sokoban 10x10 room, 4 boxes (Boxoban size), grid obs",
             dict(dim_room=(10, 10), num_boxes=4), _SOKOBAN_VEC, "sokoban"),
    EnvEntry("agentenvs/Sokoban-Visual-v0", _SOKOBAN, "Sokoban 10x10, 3 boxes, RGB pixel obs (VisualSokoban)",
             dict(dim_room=(10, 10), num_boxes=3, obs_mode="rgb"), _SOKOBAN_VEC, "sokoban"),
    EnvEntry("agentenvs/Sokoban-Text-v0", _SOKOBAN, "Sokoban 7x7, 2 boxes, text obs and text actions for LLM agents",
             dict(dim_room=(7, 7), num_boxes=2, obs_mode="text"), None, "sokoban"),
)

MULTI_AGENT_ENVS: tuple[EnvEntry, ...] = (
    EnvEntry("agentenvs/Sokoban-Multi-v0", "agentenvs.sokoban.multi:parallel_env",
             "Sokoban 8x8, 2 boxes, 2 agents pushing together (PettingZoo parallel; shared team reward)",
             dict(dim_room=(8, 8), num_boxes=2, num_agents=2), None, "sokoban"),
)


def _load(entry_point: str) -> Callable[..., Any]:
    module, _, attr = entry_point.partition(":")
    return getattr(importlib.import_module(module), attr)


def register_all() -> None:
    """Register every Gymnasium id (idempotent)."""
    for entry in GYM_ENVS:
        if entry.id in gym.registry:
            continue
        gym.register(
            id=entry.id,
            entry_point=entry.entry_point,
            vector_entry_point=entry.vector_entry_point,
            kwargs=dict(entry.kwargs),
        )


def make_multi_agent(env_id: str, aec: bool = False, **kwargs: Any) -> Any:
    """Build a registered PettingZoo env: the parallel version, or its AEC version with ``aec=True``."""
    from .errors import ConfigError

    table = {e.id: e for e in MULTI_AGENT_ENVS}
    if env_id not in table:
        raise ConfigError(f"unknown multi-agent env {env_id!r}; registered: {sorted(table)}")
    entry = table[env_id]
    env = _load(entry.entry_point)(**{**entry.kwargs, **kwargs})
    if aec:
        from pettingzoo.utils.conversions import parallel_to_aec

        env = parallel_to_aec(env)
    return env


def all_entries() -> tuple[EnvEntry, ...]:
    """Every registered id, single- and multi-agent."""
    return GYM_ENVS + MULTI_AGENT_ENVS
