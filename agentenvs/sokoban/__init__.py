"""Sokoban: single env, native vector env, PettingZoo variant, levels, their generator and solver."""
from __future__ import annotations

from .env import SokobanEnv
from .generator import generate_level, generate_with_solution
from .level import Level, load_levels, parse_xsb
from .pool import LevelPool
from .solver import solve
from .vector import SokobanVectorEnv

__all__ = [
    "Level",
    "LevelPool",
    "SokobanEnv",
    "SokobanVectorEnv",
    "generate_level",
    "generate_with_solution",
    "load_levels",
    "parse_xsb",
    "solve",
]
