"""Observations of the GUI envs: a downscaled screenshot, the instruction (text or hashed words), the cursor.

``image`` is the screen resized once per episode to ``obs_size`` (``None``: full resolution) with the
pointer composited on it; ``instruction`` is the text (``instruction_mode="text"``, for LLM/VLM agents) or
its hashed bag of words (``"hashed"``: word counts in ``buckets`` buckets, the hashing of
:mod:`agentenvs.text.discrete`), so SB3's ``MultiInputPolicy`` takes the Dict as it is; ``cursor`` is the
pointer's position as a fraction of the screen's width and height (GUICursor only).
"""
from __future__ import annotations

import warnings

import numpy as np
from gymnasium import spaces
from PIL import Image

from ..core.text import fit_text, text_space
from ..errors import ConfigError
from ..text.discrete import WORD_COUNT_HIGH, hashed_counts

INSTRUCTION_MODES = ("hashed", "text")
INSTRUCTION_LENGTH = 256


def check_size(name: str, value: object, allow_none: bool = False) -> tuple[int, int] | None:
    """``value`` as a ``(width, height)`` pair of ints >= 8, or a :class:`ConfigError` naming ``name``."""
    if value is None and allow_none:
        return None
    if not isinstance(value, (tuple, list)) or len(value) != 2 or \
            not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 8 for v in value):
        raise ConfigError(f"{name} must be (width, height) of ints >= 8{' or None' if allow_none else ''}, "
                          f"got {value!r}")
    return int(value[0]), int(value[1])


def observation_space(image_size: tuple[int, int], instruction_mode: str, buckets: int, cursor: bool) -> spaces.Dict:
    """The Dict observation space (``image``, ``instruction``, and ``cursor`` when ``cursor``)."""
    if instruction_mode not in INSTRUCTION_MODES:
        raise ConfigError(f"instruction_mode must be one of {INSTRUCTION_MODES}, got {instruction_mode!r}")
    if isinstance(buckets, bool) or not isinstance(buckets, (int, np.integer)) or buckets < 1:
        raise ConfigError(f"buckets must be an int >= 1, got {buckets!r}")
    width, height = image_size
    fields: dict[str, spaces.Space] = {
        "image": spaces.Box(0, 255, (height, width, 3), np.uint8),
        "instruction": text_space(INSTRUCTION_LENGTH) if instruction_mode == "text"
        else spaces.Box(0.0, WORD_COUNT_HIGH, (buckets,), np.float32),
    }
    if cursor:
        fields["cursor"] = spaces.Box(0.0, 1.0, (2,), np.float32)
    return spaces.Dict(fields)


class InstructionEncodingWarning(UserWarning):
    """An instruction holds characters its observation cannot carry (non-ASCII text, words outside a-z0-9)."""


def encode_instruction(text: str, space: spaces.Space) -> str | np.ndarray:
    """The instruction as ``space`` holds it: fitted text, or hashed word counts.

    Characters the observation drops (outside the Text charset; non-ASCII words, which the hashed
    bag of words does not count) raise an :class:`InstructionEncodingWarning` naming them;
    ``env.unwrapped.instruction()`` always returns the full text.
    """
    lost = sorted({ch for ch in text if not ch.isascii()})
    if lost:
        warnings.warn(f"the instruction observation drops the characters {''.join(lost)!r} (ASCII only); read "
                      "env.unwrapped.instruction() for the full text", InstructionEncodingWarning, stacklevel=2)
    if isinstance(space, spaces.Text):
        return fit_text(text, space)
    return hashed_counts(text, space.shape[0])  # type: ignore[index]


def resize(image: np.ndarray, size: tuple[int, int] | None) -> np.ndarray:
    """``image`` scaled to ``size`` (width, height) by area averaging; the image itself when sizes match."""
    if size is None or (image.shape[1], image.shape[0]) == size:
        return image
    return np.array(Image.fromarray(image).resize(size, Image.Resampling.BOX), dtype=np.uint8)
