"""The TrueType font every GUI screen is written in (DejaVu Sans, shipped in ``assets/``), and glyph checks.

A character the font lacks would be drawn as an empty box ("tofu"); :func:`missing_glyphs` finds
such characters, and :func:`check_glyphs` warns (:class:`MissingGlyphWarning`) or raises before
a label is drawn, so no screen shows tofu silently.
"""
from __future__ import annotations

import functools
import unicodedata
import warnings
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from ..errors import ConfigError

FONT_PATH = Path(__file__).parent / "assets" / "DejaVuSans.ttf"
"""DejaVu Sans (Bitstream Vera licence, ``assets/LICENSE-DejaVu.txt``): Latin, Greek, Cyrillic, Arabic, Hebrew, ..."""


class MissingGlyphWarning(UserWarning):
    """A text holds characters the GUI font cannot draw; they would appear as empty boxes."""


@functools.lru_cache(maxsize=64)
def font(size: int) -> ImageFont.FreeTypeFont:
    """DejaVu Sans at ``size`` pixels (cached: loading a face costs ~1 ms)."""
    return ImageFont.truetype(str(FONT_PATH), size)


@functools.lru_cache(maxsize=1)
def _notdef() -> bytes:
    """The bitmap FreeType draws for a character the font lacks (the .notdef glyph)."""
    return bytes(font(16).getmask("\U0010fffd"))


@functools.lru_cache(maxsize=4096)
def _has_glyph(char: str) -> bool:
    if char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Mn"):
        return True
    return bytes(font(16).getmask(char)) != _notdef()


@functools.lru_cache(maxsize=8192)
def text_width(text: str, size: int) -> int:
    """Width of ``text`` in pixels at ``size`` (cached: labels repeat across screens)."""
    return int(font(size).getlength(text)) + 1


@functools.lru_cache(maxsize=8192)
def text_mask(text: str, size: int, anchor: str) -> tuple[Image.Image, int, int]:
    """``text`` rendered once as an ``L`` mask, with the offset of its top-left corner from the anchor point.

    Pasting a cached mask costs a fraction of drawing the text again, and screens reuse their labels.
    """
    face = font(size)
    left, top, right, bottom = (int(v) for v in face.getbbox(text, anchor=anchor))
    mask = Image.new("L", (max(1, right - left), max(1, bottom - top)))
    ImageDraw.Draw(mask).text((-left, -top), text, fill=255, font=face, anchor=anchor)
    return mask, left, top


def missing_glyphs(text: str) -> list[str]:
    """The distinct characters of ``text`` the font has no glyph for, in order of appearance."""
    return list(dict.fromkeys(ch for ch in text if not _has_glyph(ch)))


def check_glyphs(text: str, on_missing: str = "warn") -> None:
    """Warn (``on_missing="warn"``) or raise :class:`~agentenvs.errors.ConfigError` (``"error"``) for missing glyphs."""
    missing = missing_glyphs(text)
    if not missing:
        return
    names = ", ".join(f"{ch!r} (U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed')})" for ch in missing)
    message = (f"the GUI font (DejaVu Sans) has no glyph for {names} in {text!r}; they would be drawn as empty "
               "boxes: use Latin, Greek, Cyrillic, Arabic or Hebrew labels, or a font that covers the script")
    if on_missing == "error":
        raise ConfigError(message)
    warnings.warn(message, MissingGlyphWarning, stacklevel=3)
