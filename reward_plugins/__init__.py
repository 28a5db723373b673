"""reward_plugins: reward shapers as batched torch modules, and the wrappers that inject them.

Depends on torch and gymnasium, never on agentenvs: a shaper works on any env that offers the
inputs it declares. ``ShapedVecEnv`` (SB3) and ``ShapedParallelEnv`` (PettingZoo) import their
libraries only when first used.
"""
from __future__ import annotations

from typing import Any

from .errors import MissingDependencyError

try:
    import torch  # noqa: F401  (every shaper is a torch module)
except ImportError as missing:
    raise MissingDependencyError("reward_plugins needs torch: pip install 'agentenvs[shapers]'") from missing

from .base import INPUTS, RewardShaper, TransitionBatch, default_device
from .compose import Clip, GatedShaping, PotentialShaping, RunningNorm, WeightedSum
from .registry import available_shapers, make_shaper, register_shaper, shaper_class
from .schedules import Constant, Cosine, Exponential, Linear, Schedule, make_schedule
from .spec import ShaperLike, ShaperSpec, parse_shaper_specs
from .wrappers import ShapedEnv, ShapedVectorEnv

__all__ = [
    "INPUTS",
    "Clip",
    "Constant",
    "Cosine",
    "Exponential",
    "GatedShaping",
    "Linear",
    "PotentialShaping",
    "RewardShaper",
    "RunningNorm",
    "Schedule",
    "ShapedEnv",
    "ShapedParallelEnv",
    "ShapedVecEnv",
    "ShapedVectorEnv",
    "ShaperLike",
    "ShaperSpec",
    "TransitionBatch",
    "WeightedSum",
    "available_shapers",
    "default_device",
    "make_schedule",
    "make_shaper",
    "parse_shaper_specs",
    "register_shaper",
    "shaper_class",
]


def __getattr__(name: str) -> Any:
    if name in ("ShapedVecEnv", "ShapedParallelEnv"):
        from . import wrappers

        return getattr(wrappers, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
