"""Grounding rewards for pointer and box actions on screens.

GUI-G²'s Gaussian rewards (``gaussian_point``, ``gaussian_coverage``, ``gaussian_grounding``),
potential-based shaping on the Gaussian point value for multi-step cursor envs
(``gaussian_potential``) and GUI-Cursor's trajectory reward (``gui_cursor``). They read points
and boxes from the env's ``reward_state`` under the keys of :mod:`reward_plugins.grounding.keys`.
"""
from __future__ import annotations

from .cursor import GUICursorReward
from .gaussian import GaussianCoverage, GaussianGrounding, GaussianPoint
from .potential import GaussianPotential

__all__ = ["GUICursorReward", "GaussianCoverage", "GaussianGrounding", "GaussianPoint", "GaussianPotential"]
