"""Shapers by name, so configs and the CLI can say ``"rnd"`` instead of importing classes.

Built-in shapers are listed as ``"module:Class"`` strings and imported on first use; third-party
packages register theirs under the entry-point group ``reward_plugins.shapers``
(``name = "package.module:Class"``) or call :func:`register_shaper` directly.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any, TypeVar

from .base import RewardShaper
from .errors import UnknownShaperError

ENTRY_POINT_GROUP = "reward_plugins.shapers"

#: Built-in shapers: name -> "module:Class". One line per shaper; modules import lazily.
BUILTIN_SHAPERS: dict[str, str] = {
    "weighted_sum": "reward_plugins.compose:WeightedSum",
    "clip": "reward_plugins.compose:Clip",
    "running_norm": "reward_plugins.compose:RunningNorm",
    "potential": "reward_plugins.compose:PotentialShaping",
    "gated": "reward_plugins.compose:GatedShaping",
    "count": "reward_plugins.intrinsic.counts:CountBonus",
    "episodic_count": "reward_plugins.intrinsic.counts:EpisodicCountBonus",
    "rnd": "reward_plugins.intrinsic.rnd:RNDBonus",
    "icm": "reward_plugins.intrinsic.icm:ICMBonus",
    "e3b": "reward_plugins.intrinsic.e3b:E3BBonus",
    "global_episodic": "reward_plugins.intrinsic.global_episodic:GlobalEpisodicBonus",
    "vlm_judge": "reward_plugins.vlm.judge:VLMJudge",
    "oni": "reward_plugins.oni.shaper:ONIBonus",
    "code": "reward_plugins.code.shaper:CodeShaper",
    "vlm_clip": "reward_plugins.vlm.clip:VLMClipReward",
    "embedding_goal": "reward_plugins.vlm.embedding_goal:EmbeddingGoalReward",
    "gaussian_point": "reward_plugins.grounding:GaussianPoint",
    "gaussian_coverage": "reward_plugins.grounding:GaussianCoverage",
    "gaussian_grounding": "reward_plugins.grounding:GaussianGrounding",
    "gaussian_potential": "reward_plugins.grounding:GaussianPotential",
    "gui_cursor": "reward_plugins.grounding:GUICursorReward",
}

_registered: dict[str, type[RewardShaper] | str] = dict(BUILTIN_SHAPERS)
_entry_points_loaded = False

S = TypeVar("S", bound=type[RewardShaper])


def register_shaper(name: str) -> Callable[[S], S]:
    """Class decorator: make ``make_shaper(name)`` build this shaper."""

    def decorate(cls: S) -> S:
        cls.name = name
        _registered[name] = cls
        return cls

    return decorate


def _load_entry_points() -> None:
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        _registered.setdefault(ep.name, ep.value)


def shaper_class(name: str) -> type[RewardShaper]:
    """The class registered under ``name``."""
    _load_entry_points()
    if name not in _registered:
        raise UnknownShaperError(
            f"no shaper named {name!r}; available: {', '.join(available_shapers())}. "
            f"Third-party shapers register with @register_shaper or the {ENTRY_POINT_GROUP!r} entry-point group."
        )
    target = _registered[name]
    if isinstance(target, str):
        module, _, attr = target.partition(":")
        target = getattr(importlib.import_module(module), attr)
        target.name = name
        _registered[name] = target
    return target


def make_shaper(name: str, **kwargs: Any) -> RewardShaper:
    """Build the shaper registered under ``name`` with ``kwargs``."""
    return shaper_class(name)(**kwargs)


def available_shapers() -> list[str]:
    """Every registered shaper name, sorted."""
    _load_entry_points()
    return sorted(_registered)
