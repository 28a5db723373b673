"""The TrueType font every GUI screen is written in (DejaVu Sans, shipped in ``assets/``), and glyph checks.

A character the font lacks would be drawn as an empty box ("tofu"); :func:`missing_glyphs` finds
such characters (the face's own character map, not a guess by script), :func:`check_glyphs` warns
(:class:`MissingGlyphWarning`) or raises for one string, and :func:`warn_missing_glyphs` once for
everything a screen drew, so no screen shows tofu silently. There is no fallback font: none is
reliably installed, and a screen must look the same on every machine.
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


def _missing_message(missing: list[str], texts: list[str]) -> str:
    names = ", ".join(f"{ch!r} (U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed')})" for ch in missing)
    shown = ", ".join(repr(t) for t in texts[:3]) + (f" and {len(texts) - 3} more" if len(texts) > 3 else "")
    return (f"the GUI font (DejaVu Sans, {FONT_PATH.name}) has no glyph for {names} in {shown}; they are drawn as "
            "empty boxes: use Latin, Greek, Cyrillic, Arabic or Hebrew labels, or a font that covers the script")


def check_glyphs(text: str, on_missing: str = "warn") -> None:
    """Warn (``on_missing="warn"``) or raise :class:`~agentenvs.errors.ConfigError` (``"error"``) for missing glyphs."""
    missing = missing_glyphs(text)
    if not missing:
        return
    message = _missing_message(missing, [text])
    if on_missing == "error":
        raise ConfigError(message)
    warnings.warn(message, MissingGlyphWarning, stacklevel=3)


def warn_missing_glyphs(texts: list[str]) -> None:
    """One :class:`MissingGlyphWarning` for all of ``texts`` (a screen's strings), naming each character the font lacks.

    Nothing when the font draws them all.
    """
    lacking = [text for text in dict.fromkeys(texts) if missing_glyphs(text)]
    if lacking:
        missing = list(dict.fromkeys(ch for text in lacking for ch in missing_glyphs(text)))
        warnings.warn(_missing_message(missing, lacking), MissingGlyphWarning, stacklevel=3)
