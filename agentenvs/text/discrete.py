"""Classic-RL (``-Discrete-v0``) views of the text envs: pick an admissible command by index, see hashed words.

:class:`DiscreteTextEnv` wraps a text env whose ``info["admissible_commands"]`` lists its useful
commands (TextQuest) and presents it in spaces Stable-Baselines3 takes:

- Action: ``Discrete(max_commands)``; ``i`` plays the ``i``-th admissible command. An index past
  the current list is an invalid action: the text env gets an empty command (it answers "I don't
  understand that.", changes nothing and counts the step) and ``info["action_is_valid"]`` is False.
  :meth:`DiscreteTextEnv.action_masks` gives the valid indices (what ``MaskablePPO`` reads).
- Observation: ``float32 [obs_buckets + max_commands * (command_buckets + 1)]``: word counts of the
  text observation plus the instruction hashed into ``obs_buckets`` buckets, then one slot per
  command index: its words' counts hashed into ``command_buckets`` buckets, and the share of its
  words that occur in the instruction (so a policy can tell which index names the goal's things).
  Empty slots are zeros.

Words are lower-cased runs of letters and digits; a word's bucket is its BLAKE2b digest modulo the
bucket count (:func:`bucket`), the same in every process (Python's ``hash`` is salted per process).
"""
from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from ..errors import ConfigError, InvalidActionError
from .quest.env import TextQuestEnv
from .quest.oracle import TextQuestOracle

MAX_COMMANDS = 64
"""Default action count: TextQuest's default worlds list at most ~30 admissible commands."""
OBS_BUCKETS = 1024
WORD_COUNT_HIGH = 4096.0
"""Observation upper bound: a 4096-character text plus an instruction holds fewer words."""
COMMAND_BUCKETS = 32
_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    """The lower-cased runs of letters and digits of ``text``."""
    return _WORD.findall(text.lower())


@functools.lru_cache(maxsize=1 << 16)
def bucket(word: str, buckets: int) -> int:
    """``word``'s bucket in ``0..buckets-1``: its 8-byte BLAKE2b digest (little-endian) modulo ``buckets``."""
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little") % buckets


def hashed_counts(text: str, buckets: int) -> np.ndarray:
    """``float32 [buckets]``: how many words of ``text`` fall in each bucket."""
    counts = np.zeros(buckets, dtype=np.float32)
    for word in words(text):
        counts[bucket(word, buckets)] += 1.0
    return counts


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ConfigError(f"{name} must be an int >= 1, got {value!r}")
    return int(value)


class DiscreteTextEnv(gym.Env):
    """A text env played by command index with hashed bag-of-words observations (see the module doc).

    ``reward_state()``, ``reward_state_space``, ``reward_state_doc``, ``instruction()``, rewards,
    episode ends, ``render()`` and the info keys are the text env's, unchanged; the text env is
    :attr:`text_env`. Commands past ``max_commands`` in the admissible list cannot be chosen.

    Args:
        text_env: the text env; its ``info`` must carry ``admissible_commands``.
        max_commands: the action count ``K``.
        obs_buckets: buckets of the observation-plus-instruction bag of words.
        command_buckets: buckets of each command slot's bag of words.
        expand_commands: ``(admissible commands, instruction) -> commands``, for text envs whose list
            holds placeholders (TextShop's ``search[<query>]``); the result is what indices name.
        observation: ``"hashed"`` (the bags of words above) or ``"minilm"`` (``vlm`` extra):
            all-MiniLM-L6-v2 embeddings in place of each bag: ``float32 [384 + max_commands * 385]``
            in ``[-1, 1]`` (text-plus-instruction embedding, then per slot the command's embedding
            and its instruction-word share); ``obs_buckets`` and ``command_buckets`` are unused.
    """

    def __init__(self, text_env: gym.Env, max_commands: int = MAX_COMMANDS, obs_buckets: int = OBS_BUCKETS,
                 command_buckets: int = COMMAND_BUCKETS,
                 expand_commands: Callable[[list[str], str], list[str]] | None = None, observation: str = "hashed"):
        if not isinstance(text_env, gym.Env):
            raise ConfigError(f"text_env must be a gymnasium.Env, got {type(text_env).__name__}")
        self.text_env = text_env
        self.max_commands = _positive_int("max_commands", max_commands)
        self.obs_buckets = _positive_int("obs_buckets", obs_buckets)
        self.command_buckets = _positive_int("command_buckets", command_buckets)
        self.metadata = text_env.metadata
        self.render_mode = text_env.render_mode
        if observation not in ("hashed", "minilm"):
            raise ConfigError(f"observation must be 'hashed' or 'minilm', got {observation!r}")
        self.observation = observation
        self.action_space = spaces.Discrete(self.max_commands)
        self.embed: Any = None
        if observation == "minilm":
            from .embedding import MINILM_DIM, MiniLMEmbedder

            self.embed = MiniLMEmbedder()
            self.obs_buckets = self.command_buckets = MINILM_DIM
        self.size = self.obs_buckets + self.max_commands * (self.command_buckets + 1)
        low = -1.0 if self.embed else 0.0
        self.observation_space = spaces.Box(low, 1.0 if self.embed else WORD_COUNT_HIGH, (self.size,), np.float32)
        base: Any = text_env.unwrapped
        self.reward_state_space = base.reward_state_space
        self.reward_state_doc = base.reward_state_doc
        self.commands: list[str] = []
        self.expand_commands = expand_commands

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        text, info = self.text_env.reset(seed=seed, options=options)
        return self._observe(text, info), info

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        if isinstance(action, (bool, np.bool_)) or np.ndim(action) != 0 or \
                not np.issubdtype(np.asarray(action).dtype, np.integer):
            raise InvalidActionError(f"action must be an integer command index in 0..{self.max_commands - 1}, "
                                     f"got {action!r}")
        index = int(action)
        command = self.commands[index] if 0 <= index < len(self.commands) else ""
        text, reward, terminated, truncated, info = self.text_env.step(command)
        return self._observe(text, info), float(reward), terminated, truncated, info

    def _observe(self, text: str, info: dict[str, Any]) -> np.ndarray:
        goal = self.instruction()
        commands = list(info["admissible_commands"])
        if self.expand_commands is not None:
            commands = self.expand_commands(commands, goal)
        self.commands = commands[: self.max_commands]
        goal_words = set(words(goal))
        slot = self.command_buckets + 1
        obs = np.zeros(self.size, dtype=np.float32)
        if self.embed is not None:
            vectors = self.embed([text + "\n" + goal, *self.commands]).clip(-1.0, 1.0)
        else:
            vectors = [hashed_counts(text + "\n" + goal, self.obs_buckets)]
            vectors += [hashed_counts(command, self.command_buckets) for command in self.commands]
        obs[: self.obs_buckets] = vectors[0]
        for i, command in enumerate(self.commands):
            start = self.obs_buckets + i * slot
            obs[start: start + self.command_buckets] = vectors[i + 1]
            said = words(command)
            obs[start + self.command_buckets] = sum(w in goal_words for w in said) / max(len(said), 1)
        return obs

    def action_masks(self) -> np.ndarray:
        """``bool [max_commands]``: True at the indices of the current admissible commands."""
        mask = np.zeros(self.max_commands, dtype=bool)
        mask[: len(self.commands)] = True
        return mask

    def reward_state(self) -> dict[str, Any]:
        """The text env's reward state."""
        return self.text_env.unwrapped.reward_state()  # type: ignore[attr-defined]

    def instruction(self) -> str:
        """The text env's instruction."""
        return self.text_env.unwrapped.instruction()  # type: ignore[attr-defined]

    def render(self) -> Any:
        return self.text_env.render()

    def close(self) -> None:
        self.text_env.close()


def text_quest_discrete(max_commands: int = MAX_COMMANDS, obs_buckets: int = OBS_BUCKETS,
                        command_buckets: int = COMMAND_BUCKETS, observation: str = "hashed",
                        **quest_kwargs: Any) -> DiscreteTextEnv:
    """``agentenvs/TextQuest-Discrete-v0``: :class:`DiscreteTextEnv` over a ``TextQuestEnv(**quest_kwargs)``."""
    return DiscreteTextEnv(TextQuestEnv(**quest_kwargs), max_commands, obs_buckets, command_buckets,
                           observation=observation)


class TextQuestDiscreteOracle:
    """TextQuest's planner (:class:`~.quest.oracle.TextQuestOracle`) playing the index of each planned command."""

    def __init__(self, env: gym.Env, seed: int) -> None:
        self.text_oracle = TextQuestOracle(env, seed)
        self.env: Any = None

    def reset(self, env: gym.Env, obs: Any, info: dict[str, Any]) -> None:
        self.env = env.unwrapped
        self.text_oracle.reset(self.env.text_env, None, info)

    def act(self, obs: Any) -> int:
        return self.env.commands.index(self.text_oracle.act(None))
