"""Text actions for LLM agents: "up" / "down" / "left" / "right", leniently parsed."""
from __future__ import annotations

import string

from gymnasium import spaces

from ..agents.parsers import unwrap_answer
from .constants import ACTION_NAMES

_BY_NAME = {name: index for index, name in enumerate(ACTION_NAMES)}
TEXT_ACTION_CHARSET = string.ascii_letters + " \t\n<>/"
TEXT_ACTION_MAX_LENGTH = 64


def parse_text_action(text: str) -> int | None:
    r"""The action a text names, or ``None`` if it names none.

    Accepts an action name in any case, surrounded by whitespace, optionally wrapped in
    ``<answer>...</answer>``: ``"up"``, ``" Left\n"``, ``"<answer> DOWN </answer>"``.
    """
    return _BY_NAME.get(unwrap_answer(text).lower())


def text_action_space() -> spaces.Text:
    """The ``Text`` action space of text-mode envs (any string is accepted; see :func:`parse_text_action`)."""
    return spaces.Text(max_length=TEXT_ACTION_MAX_LENGTH, min_length=1, charset=TEXT_ACTION_CHARSET)
