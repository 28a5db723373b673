"""Text spaces with one documented charset and length limit, for observations, actions and reward state.

Gymnasium's default ``Text`` charset is alphanumeric only: no spaces, punctuation or newlines,
so a sentence is not contained in it. Families build their Text spaces here instead.
"""
from __future__ import annotations

import string

from gymnasium import spaces

from ..errors import ConfigError

TEXT_CHARSET = "".join(ch for ch in string.printable if ch not in "\x0b\x0c")
"""Printable ASCII: letters, digits, punctuation, space, tab, newline and carriage return."""

MAX_TEXT_LENGTH = 4096
"""Default upper bound on characters of a text field (a screen of text, a short page)."""


def text_space(max_length: int = MAX_TEXT_LENGTH, *, min_length: int = 0, charset: str = TEXT_CHARSET) -> spaces.Text:
    """A ``Text`` space over ``charset`` (default :data:`TEXT_CHARSET`) of ``min_length..max_length`` characters."""
    return spaces.Text(max_length=max_length, min_length=min_length, charset=charset)


def fit_text(text: str, space: spaces.Text, replacement: str = "?") -> str:
    """``text`` made to fit ``space``.

    Characters outside its charset become ``replacement``, the end is cut at ``max_length``,
    and a text shorter than ``min_length`` is padded with spaces (or ``replacement`` when the
    charset has no space).
    """
    allowed = space.character_set
    if replacement not in allowed:
        raise ConfigError(f"replacement {replacement!r} is not in the space's charset")
    fitted = "".join(ch if ch in allowed else replacement for ch in text[: space.max_length])
    if len(fitted) < space.min_length:
        fitted += (" " if " " in allowed else replacement) * (space.min_length - len(fitted))
    return fitted
