"""A flattening wrapper that makes Dict and Text envs acceptable to Stable-Baselines3.

SB3 takes Box, Discrete, MultiDiscrete and MultiBinary spaces, and Dicts of them one level
deep; it rejects nested Dict/Tuple spaces and every Text space. This module never imports SB3.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from ..errors import ConfigError, InvalidActionError

_FLAT = (spaces.Box, spaces.Discrete, spaces.MultiDiscrete, spaces.MultiBinary)
Encoder = Callable[[Any], Any]


def encode_text(text: str, space: spaces.Text) -> np.ndarray:
    """``int32 [max_length]`` codes of ``text``: ``1 + index`` in ``space.character_list``, 0 after the end."""
    codes = np.zeros(space.max_length, dtype=np.int32)
    codes[: min(len(text), space.max_length)] = [space.character_index(ch) + 1 for ch in text[: space.max_length]]
    return codes


def decode_text(codes: np.ndarray, space: spaces.Text) -> str:
    """The text :func:`encode_text` encoded."""
    chars = space.character_list
    return "".join(chars[c - 1] for c in np.asarray(codes).tolist() if c > 0)


def _get(value: Any, *, index: Any, get: Callable[[Any], Any]) -> Any:
    return get(value[index])


def _leaves(space: spaces.Space, prefix: str) -> list[tuple[str, spaces.Space, Callable[[Any], Any]]]:
    """(flat key, space, getter) for each leaf of a nested Dict / Tuple space."""
    if isinstance(space, spaces.Dict):
        items: list[tuple[str, spaces.Space]] = list(space.spaces.items())
    elif isinstance(space, spaces.Tuple):
        items = [(str(i), sub) for i, sub in enumerate(space.spaces)]
    else:
        return [(prefix, space, lambda value: value)]
    out: list[tuple[str, spaces.Space, Callable[[Any], Any]]] = []
    for key, sub in items:
        index: Any = int(key) if isinstance(space, spaces.Tuple) else key
        for name, leaf, get in _leaves(sub, f"{prefix}.{key}" if prefix else key):
            out.append((name, leaf, functools.partial(_get, index=index, get=get)))
    return out


def _leaf(space: spaces.Space) -> tuple[spaces.Space, Encoder]:
    if isinstance(space, spaces.Text):
        box = spaces.Box(0, len(space.characters), (space.max_length,), np.int32)
        return box, lambda text: encode_text(text, space)
    if isinstance(space, _FLAT):
        return space, lambda value: value
    raise ConfigError(f"FlattenForSB3 cannot convert a {type(space).__name__} observation space ({space})")


def flatten_space(space: spaces.Space) -> tuple[spaces.Space, Encoder]:
    """The SB3-acceptable version of an observation space, and the function converting its values."""
    if not isinstance(space, (spaces.Dict, spaces.Tuple)):
        return _leaf(space)
    fields = []
    for key, leaf, get in _leaves(space, ""):
        flat, encode = _leaf(leaf)
        fields.append((key, flat, get, encode))
    flat_space = spaces.Dict({key: flat for key, flat, _, _ in fields})
    return flat_space, lambda value: {key: encode(get(value)) for key, _, get, encode in fields}


class FlattenForSB3(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Presents a Dict / Tuple / Text env in spaces SB3 accepts; changes nothing else.

    What changes:

    - Observations: a nested Dict or Tuple becomes a flat Dict whose keys join the path with
      dots (``{"a": {"b": x}}`` -> ``{"a.b": x}``; Tuple items are keyed ``"0"``, ``"1"``, ...).
      A Text space (at the top or inside) becomes ``Box(0, C, (max_length,), int32)`` of
      character codes: ``1 + i`` for the ``i``-th entry of the space's ``character_list``, 0 past the
      end of the text (:func:`encode_text` / :func:`decode_text`). Other spaces pass unchanged.
    - Actions, only when the action space is Text: ``Discrete(len(action_choices))``, action
      ``i`` sending ``action_choices[i]`` to the env.

    Rewards, terminations, truncations, infos and ``render()`` are untouched.

    Args:
        env: the env to present.
        action_choices: the strings a Text action space is reduced to (required then, e.g.
            ``("up", "down", "left", "right")`` for Sokoban-Text); must be empty otherwise.
    """

    def __init__(self, env: gym.Env, action_choices: Sequence[str] = ()):
        gym.utils.RecordConstructorArgs.__init__(self, action_choices=tuple(action_choices))
        gym.Wrapper.__init__(self, env)
        self.observation_space, self._encode = flatten_space(env.observation_space)
        self._choices = tuple(action_choices)
        if isinstance(env.action_space, spaces.Text):
            if not self._choices:
                raise ConfigError("the env's action space is Text: pass action_choices, the strings the agent "
                                  "picks from")
            bad = [c for c in self._choices if not env.action_space.contains(c)]
            if bad:
                raise ConfigError(f"action_choices {bad} are not in the env's action space {env.action_space}")
            self.action_space = spaces.Discrete(len(self._choices))
        elif self._choices:
            raise ConfigError(f"action_choices apply to Text action spaces only; this env's is {env.action_space}")

    def reset(self, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
        obs, info = self.env.reset(**kwargs)
        return self._encode(obs), info

    def step(self, action: Any) -> tuple[Any, Any, bool, bool, dict[str, Any]]:
        if self._choices:
            index = int(action) if np.ndim(action) == 0 and np.issubdtype(np.asarray(action).dtype, np.integer) else -1
            if not 0 <= index < len(self._choices):
                raise InvalidActionError(f"action must be an integer in 0..{len(self._choices) - 1} "
                                         f"(one of {self._choices}), got {action!r}")
            action = self._choices[index]
        obs, reward, terminated, truncated, info = self.env.step(action)
        return self._encode(obs), reward, terminated, truncated, info
