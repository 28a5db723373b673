"""Checks a shaper author (or a user) runs on any shaper: ``check_shaper("rnd")``.

As PettingZoo ships ``pettingzoo.test``, reward_plugins ships the shaper contract as code; the
project's own conformance test runs it over the whole shaper registry.
"""
from __future__ import annotations

from .check import DEFAULT_ACTION_SPACE, DEFAULT_OBSERVATION_SPACE, check_shaper, random_batch

__all__ = ["DEFAULT_ACTION_SPACE", "DEFAULT_OBSERVATION_SPACE", "check_shaper", "random_batch"]
