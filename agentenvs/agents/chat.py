"""ChatHistory: an episode as OpenAI-format chat messages, in full, as a window, or as the state alone.

- system: the env's rules, its actions and the format to write them in
  (:meth:`LLMEnv.system_prompt`), plus the episode's goal when the env states one (``instruction()``);
- user: each observation (text; images as ``image_url`` content parts with a PNG data URL);
- assistant: each completion; an OpenAI message with ``tool_calls`` is kept as is and the next
  observation answers it as ``tool`` messages.

``mode="full"`` keeps every turn (RAGEN), ``"window"`` the last ``k`` turns before the current
observation (verl-agent's memory, BALROG's short-term context), ``"state_only"`` the current
observation alone. :meth:`ChatHistory.anchor` is GiGPO's anchor state: the env's
``info["state_key"]`` where it has one, else a BLAKE2 digest of the observation text (equal in
every process).
"""
from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ConfigError
from .llm_env import LLMEnv

MODES = ("full", "window", "state_only")
Message = dict[str, Any]


def image_part(image: np.ndarray) -> dict[str, Any]:
    """An OpenAI ``image_url`` content part holding ``image`` (uint8 ``H x W x 3|4`` or ``H x W``) as PNG."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image)).save(buffer, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    return {"type": "image_url", "image_url": {"url": url}}


def _is_image(value: Any) -> bool:
    return isinstance(value, np.ndarray) and value.dtype == np.uint8 and (
        value.ndim == 2 or (value.ndim == 3 and value.shape[-1] in (1, 3, 4)))


def observation_content(obs: Any) -> str | list[dict[str, Any]]:
    """The ``content`` of a user message for ``obs``: a string for text, content parts when there are images.

    Dict observations give one text part per text field (``"name: value"``) and one image part per image.
    """
    if isinstance(obs, str):
        return obs
    if _is_image(obs):
        return [image_part(obs)]
    if isinstance(obs, Mapping):
        parts: list[dict[str, Any]] = []
        for key, value in obs.items():
            if _is_image(value):
                parts.append(image_part(value))
            elif isinstance(value, str):
                parts.append({"type": "text", "text": f"{key}: {value}"})
        if parts and all(p["type"] == "text" for p in parts):
            return "\n".join(p["text"] for p in parts)
        return parts
    return str(obs)


def observation_text(obs: Any) -> str:
    """An observation as plain text (image parts become ``[image]``), for text-only channels such as tool results."""
    content = observation_content(obs)
    return content if isinstance(content, str) else "\n".join(p.get("text", "[image]") for p in content)


def observation_digest(obs: Any) -> int:
    """A signed 64-bit BLAKE2b digest of an observation (text or arrays), the same in every process."""
    hasher = hashlib.blake2b(digest_size=8)
    for item in (obs.values() if isinstance(obs, Mapping) else (obs,)):
        hasher.update(item.tobytes() if isinstance(item, np.ndarray) else repr(item).encode("utf-8", "surrogatepass"))
    return int.from_bytes(hasher.digest(), "little", signed=True)


@dataclass
class Turn:
    """One observation and the reply to it (``None`` until the model replies)."""

    observation: Any
    reply: Any = None
    reward: float = 0.0
    info: dict[str, Any] = field(default_factory=dict)


class ChatHistory:
    """The chat of one :class:`LLMEnv` episode (see the module docstring).

    Drive the env through it (:meth:`reset`, :meth:`step` return the messages to send next), or
    record steps made elsewhere (a vector env) with :meth:`start` and :meth:`record`.

    Args:
        env: The env (:func:`agentenvs.agents.make`).
        mode: ``"full"``, ``"window"`` or ``"state_only"``.
        k: Previous turns a window keeps (``mode="window"``).
    """

    def __init__(self, env: LLMEnv, mode: str = "full", k: int = 2):
        if not isinstance(env, LLMEnv):
            raise ConfigError(f"ChatHistory needs an LLMEnv (agentenvs.agents.make(env_id)), got {type(env).__name__}")
        if mode not in MODES:
            raise ConfigError(f"mode must be one of {MODES}, got {mode!r}")
        if isinstance(k, bool) or not isinstance(k, int) or k < 0:
            raise ConfigError(f"k must be an int >= 0, got {k!r}")
        self.env, self.mode, self.k = env, mode, k
        self.turns: list[Turn] = []
        self._system = ""

    # -- driving the env ----------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[list[Message], dict]:
        """Reset the env; return the first messages and the reset info."""
        obs, info = self.env.reset(seed=seed, options=options)
        self.start(obs, info)
        return self.messages(), info

    def step(self, completion: Any) -> tuple[list[Message], float, bool, bool, dict[str, Any]]:
        """Step the env with ``completion``; return the next messages and the step's reward, flags and info."""
        obs, reward, terminated, truncated, info = self.env.step(completion)
        self.record(completion, obs, reward, info)
        return self.messages(), reward, terminated, truncated, info

    # -- recording ----------------------------------------------------------------------------
    def start(self, obs: Any, info: Mapping[str, Any]) -> None:
        """Begin an episode at observation ``obs``."""
        self._system = self.env.episode_prompt()
        self.turns = [Turn(obs, info=dict(info))]

    def record(self, completion: Any, obs: Any, reward: float, info: Mapping[str, Any]) -> None:
        """Record the model's ``completion`` to the current observation and the observation it led to."""
        if not self.turns:
            raise ConfigError("call ChatHistory.start (or reset) before record (or step)")
        self.turns[-1].reply, self.turns[-1].reward = completion, float(reward)
        self.turns.append(Turn(obs, info=dict(info)))

    # -- views --------------------------------------------------------------------------------
    @property
    def tools(self) -> list[dict[str, Any]]:
        """The env's tools in OpenAI's format (pass as ``tools=`` with the ``tool_call`` format)."""
        return self.env.tool_schemas()

    def anchor(self) -> int:
        """GiGPO's anchor of the current state: ``info["state_key"]``, else the observation's digest."""
        if not self.turns:
            raise ConfigError("call ChatHistory.start (or reset) before anchor()")
        current = self.turns[-1]
        key = current.info.get("state_key")
        return int(key) if key is not None else observation_digest(current.observation)

    def messages(self) -> list[Message]:
        """The messages to send the model now: system, then the kept turns, ending with the current observation."""
        if not self.turns:
            raise ConfigError("call ChatHistory.start (or reset) before messages()")
        history = self.turns[:-1]
        if self.mode == "state_only":
            history = []
        elif self.mode == "window":
            history = history[len(history) - self.k:] if self.k else []
        out: list[Message] = [{"role": "system", "content": self._system}]
        pending: list[str] = []  # tool-call ids the next observation answers
        for turn in history:
            out.extend(self._observation_messages(turn.observation, pending))
            pending = []
            reply = turn.reply
            if isinstance(reply, Mapping) and reply.get("tool_calls"):
                calls = reply["tool_calls"] if isinstance(reply["tool_calls"], list) else []
                out.append({"role": "assistant", "content": reply.get("content") or "", "tool_calls": calls})
                pending = [str(c.get("id", f"call_{i}")) for i, c in enumerate(calls) if isinstance(c, Mapping)]
            else:
                out.append({"role": "assistant", "content": _reply_text(reply)})
        out.extend(self._observation_messages(self.turns[-1].observation, pending))
        return out

    @staticmethod
    def _observation_messages(obs: Any, pending: list[str]) -> list[Message]:
        content = observation_content(obs)
        if pending and isinstance(content, str):
            return [{"role": "tool", "tool_call_id": call, "content": content if i == len(pending) - 1 else "done"}
                    for i, call in enumerate(pending)]
        return [{"role": "user", "content": content}]


def _reply_text(reply: Any) -> str:
    """A completion as assistant text (bytes decoded with replacement; other objects by ``str``)."""
    if isinstance(reply, str):
        return reply
    if isinstance(reply, (bytes, bytearray)):
        return bytes(reply).decode("utf-8", "replace")
    if isinstance(reply, Mapping):
        content = reply.get("content")
        return content if isinstance(content, str) else ""
    return str(reply)
