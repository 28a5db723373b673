"""Stable-Baselines3's env checker (imports SB3, and so torch, only when called)."""
from __future__ import annotations

import gymnasium as gym
from gymnasium import spaces

from ..errors import MissingDependencyError
from ..registration import installed

SB3_SPACES = (spaces.Box, spaces.Discrete, spaces.MultiDiscrete, spaces.MultiBinary)


def sb3_accepts(space: gym.Space) -> bool:
    """Whether SB3 accepts the space as it is (flat Dicts of its basic spaces included)."""
    if isinstance(space, spaces.Dict):
        return all(isinstance(s, SB3_SPACES) for s in space.spaces.values())
    return isinstance(space, SB3_SPACES)


def sb3_installed() -> bool:
    """Whether stable-baselines3 is installed (found without importing it, so torch stays unloaded)."""
    return installed("stable_baselines3")


def check_sb3_env(env: gym.Env) -> None:
    """SB3's ``check_env`` on an env (it insists on Python float rewards and bool flags)."""
    try:
        from stable_baselines3.common.env_checker import check_env as sb3_check_env
    except ImportError as err:
        raise MissingDependencyError(
            "the SB3 check needs stable-baselines3: pip install 'agentenvs[baselines]'"
        ) from err
    sb3_check_env(env, warn=True)


def check_sb3_api(env_id: str) -> None:
    """SB3's ``check_env`` on the id; Dict/Text observations go through :class:`~agentenvs.core.FlattenForSB3`."""
    from ..core.sb3 import FlattenForSB3

    env = gym.make(env_id)
    try:
        check_sb3_env(env if sb3_accepts(env.observation_space) else FlattenForSB3(env))
    finally:
        env.close()
