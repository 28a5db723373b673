"""Shapers made of shapers.

Weighted sums, clipping, running normalisation, potential-based shaping and gated accumulation.
Each is a :class:`~reward_plugins.base.RewardShaper`, so they nest and go into any wrapper.
"""
from __future__ import annotations

from .combine import Clip, WeightedSum
from .gated import GatedShaping
from .nested import NestedShaper
from .normalize import RunningNorm
from .potential import PotentialShaping

__all__ = ["Clip", "GatedShaping", "NestedShaper", "PotentialShaping", "RunningNorm", "WeightedSum"]
