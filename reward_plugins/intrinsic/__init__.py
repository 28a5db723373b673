"""Intrinsic-motivation shapers, batched in torch.

Count (exact and SimHash), episodic count, RND, ICM, E3B, and global x episodic combinations
(product, sum, NGU).

Registered names: ``count``, ``episodic_count``, ``rnd``, ``icm``, ``e3b``, ``global_episodic``.
Observations of any space are embedded by :mod:`reward_plugins.intrinsic.encoders`.
"""
from __future__ import annotations

from .counts import CountBonus, EpisodicCountBonus
from .e3b import E3BBonus
from .encoders import make_encoder, obs_to_tensor
from .global_episodic import GlobalEpisodicBonus
from .icm import ICMBonus
from .rnd import RNDBonus

__all__ = [
    "CountBonus",
    "E3BBonus",
    "EpisodicCountBonus",
    "GlobalEpisodicBonus",
    "ICMBonus",
    "RNDBonus",
    "make_encoder",
    "obs_to_tensor",
]
