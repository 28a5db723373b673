"""The classic-RL (``-Discrete-v0``) view of the web tasks: click one of the visible actionable elements by index.

:class:`DiscreteWebEnv` wraps a :class:`~.env.WebEnv` in spaces Stable-Baselines3 takes:

- Action: ``Discrete(max_elements)``; ``i`` clicks the ``i``-th visible actionable element of the
  page (document order). An index past them is an invalid action: a no-op step with
  ``info["action_is_valid"] = False``. :meth:`DiscreteWebEnv.action_masks` gives the valid indices
  (what ``MaskablePPO`` reads).
- Observation: ``float32 [max_elements * FEATURES]``, one row per slot: present, the role one-hot
  over :data:`~.env.ROLES`, the share of the element's words that occur in the utterance (the
  word-overlap feature of DOM-Q-NET-style agents), and its box divided by the viewport size.

Rewards, episode ends, ``reward_state()``, ``instruction()`` and info keys are the web env's.
"""
from __future__ import annotations

import re
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from ..errors import ConfigError, InvalidActionError
from .env import ROLES, WebEnv
from .oracle import WebOracle
from .tasks import Element

FEATURES = 1 + len(ROLES) + 1 + 4
_WORD = re.compile(r"[a-z0-9]+")
_ROLE = {role: i for i, role in enumerate(ROLES)}


def overlap(text: str, utterance: str) -> float:
    """The share of ``text``'s words (lower-cased runs of letters and digits) that occur in ``utterance``."""
    words = _WORD.findall(text.lower())
    said = set(_WORD.findall(utterance.lower()))
    return sum(w in said for w in words) / len(words) if words else 0.0


class DiscreteWebEnv(gym.Env):
    """A web task played by element index with per-element features (see the module doc)."""

    def __init__(self, web_env: WebEnv, max_elements: int = 16):
        if isinstance(max_elements, bool) or not isinstance(max_elements, (int, np.integer)) or max_elements < 1:
            raise ConfigError(f"max_elements must be an int >= 1, got {max_elements!r}")
        self.web_env = web_env
        self.max_elements = int(max_elements)
        self.metadata = web_env.metadata
        self.render_mode = web_env.render_mode
        self.action_space = spaces.Discrete(self.max_elements)
        self.observation_space = spaces.Box(0.0, 1.0, (self.max_elements * FEATURES,), np.float32)
        self.reward_state_space = web_env.reward_state_space
        self.reward_state_doc = web_env.reward_state_doc
        self._slots: list[Element] = []

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        obs, info = self.web_env.reset(seed=seed, options=options)
        return self._observe(obs["utterance"]), info

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        if isinstance(action, (bool, np.bool_)) or not isinstance(action, (int, np.integer)) and not (
                isinstance(action, np.ndarray) and action.shape == () and np.issubdtype(action.dtype, np.integer)):
            raise InvalidActionError(f"a Discrete web action is an int in [0, {self.max_elements}), got {action!r}")
        index = int(action)
        ref = self._slots[index].ref if 0 <= index < len(self._slots) else -1
        obs, reward, terminated, truncated, info = self.web_env.step({"type": "click", "ref": ref})
        return self._observe(obs["utterance"]), reward, terminated, truncated, info

    def _observe(self, utterance: str) -> np.ndarray:
        web = self.web_env
        self._slots = [e for e in web.view.elements if e.actionable][: self.max_elements]
        features = np.zeros((self.max_elements, FEATURES), dtype=np.float32)
        for i, e in enumerate(self._slots):
            features[i, 0] = 1.0
            features[i, 1 + _ROLE.get(e.role, 0)] = 1.0
            features[i, 1 + len(ROLES)] = overlap(e.text, utterance)
            x1, y1, x2, y2 = e.box
            features[i, -4:] = np.clip([x1 / web.width, y1 / web.height, x2 / web.width, y2 / web.height], 0, 1)
        return features.reshape(-1)

    def action_masks(self) -> np.ndarray:
        """``bool [max_elements]``: True for the indices of visible actionable elements."""
        return np.arange(self.max_elements) < len(self._slots)

    def reward_state(self) -> dict[str, Any]:
        """The web env's reward state."""
        return self.web_env.reward_state()

    def instruction(self) -> str:
        """The web env's utterance."""
        return self.web_env.instruction()

    def render(self) -> Any:
        return self.web_env.render()

    def close(self) -> None:
        self.web_env.close()


def web_discrete(task: str = "click-button", max_elements: int = 16, **kwargs: Any) -> DiscreteWebEnv:
    """``gym.make`` entry point: a :class:`DiscreteWebEnv` over ``WebEnv(task, **kwargs)``."""
    return DiscreteWebEnv(WebEnv(task=task, **kwargs), max_elements)


class DiscreteWebOracle:
    """The web oracle's clicks as element indices (tasks solved by clicks alone: click-button, -link, -dialog, -tab)."""

    def __init__(self, env: gym.Env, seed: int) -> None:
        base: Any = env.unwrapped
        self.env = base
        self._web = WebOracle(base.web_env, seed)

    def reset(self, env: gym.Env, obs: Any, info: dict[str, Any]) -> None:
        self.env = env.unwrapped
        self._web.reset(self.env.web_env, obs, info)

    def act(self, obs: Any) -> int:
        action = self._web.action()
        refs = [e.ref for e in self.env._slots]
        return refs.index(action["ref"]) if action.get("type") == "click" and action["ref"] in refs else len(refs)
