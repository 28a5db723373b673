"""Wrappers that add weighted shaped rewards to an env's reward.

One per env API, all sharing :class:`~reward_plugins.wrappers.core.ShapingCore`:

- :class:`ShapedEnv`: a ``gymnasium.Wrapper`` (batch of 1);
- :class:`ShapedVectorEnv`: a ``gymnasium.vector.VectorWrapper`` (batch of ``num_envs``);
- :class:`ShapedVecEnv`: a Stable-Baselines3 ``VecEnvWrapper`` (imports stable_baselines3);
- :class:`ShapedParallelEnv`: a PettingZoo parallel wrapper, agents as the batch (imports pettingzoo).

Each changes the reward and adds ``info["reward_components"]`` (the env's reward under
``"env"`` and every shaper's **unweighted** reward under its label), nothing else.
"""
from __future__ import annotations

from typing import Any

from ..spec import ShaperSpec
from .core import ENV_COMPONENT, ShapingCore
from .single import ShapedEnv
from .vector import ShapedVectorEnv

_LAZY = {"ShapedVecEnv": ".sb3", "ShapedParallelEnv": ".pettingzoo"}

__all__ = [
    "ENV_COMPONENT", "ShapedEnv", "ShapedParallelEnv", "ShapedVecEnv", "ShapedVectorEnv", "ShaperSpec", "ShapingCore",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
