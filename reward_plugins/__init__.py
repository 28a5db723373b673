"""reward_plugins: reward shapers as batched torch modules, and the wrappers that inject them.

Depends on torch and gymnasium, never on agentenvs: a shaper works on any env that offers the
inputs it declares.
"""
from __future__ import annotations

from .base import INPUTS, RewardShaper, TransitionBatch, default_device
from .registry import available_shapers, make_shaper, register_shaper, shaper_class

__all__ = [
    "INPUTS",
    "RewardShaper",
    "TransitionBatch",
    "available_shapers",
    "default_device",
    "make_shaper",
    "register_shaper",
    "shaper_class",
]
