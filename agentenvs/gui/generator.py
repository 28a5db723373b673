"""Seeded screens and tasks: ``generate_task(screen_id, config)`` is a pure function of its arguments.

A split draws screen ids from its own range (:data:`~.constants.SPLIT_SPAN` ids each) and the
``"test"`` split writes its labels with a vocabulary the others never use
(:mod:`.vocabulary`), so results on ``"test"`` measure generalisation to unseen layouts and words.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError
from .canvas import Canvas
from .constants import LOOKS, MAX_SIZE, MIN_SIZE, SPLIT_SPAN, SPLITS, THEMES
from .instructions import instruct
from .layouts import LAYOUTS, Words
from .screen import Screen, Task
from .vocabulary import vocabulary


@dataclass(frozen=True)
class ScreenConfig:
    """What screens to draw: size ``(width, height)``, looks, themes, element counts and split.

    ``min_elements``..``max_elements`` bounds the interactive elements of a screen; a layout with
    less room draws fewer, but never fewer than one.
    """

    size: tuple[int, int] = (1280, 800)
    looks: tuple[str, ...] = LOOKS
    themes: tuple[str, ...] = THEMES
    min_elements: int = 1
    max_elements: int = 64
    split: str = "train"

    def __post_init__(self) -> None:
        width, height = self.size if len(self.size) == 2 else (0, 0)
        small, large = min(width, height), max(width, height)
        fits = min(MIN_SIZE) <= small <= min(MAX_SIZE) and max(MIN_SIZE) <= large <= max(MAX_SIZE)
        if not fits:
            raise ConfigError(f"size must be (width, height) from {MIN_SIZE} up to {MAX_SIZE} (or the portrait "
                              f"swap of each), got {self.size}")
        for name, values, allowed in (("looks", self.looks, LOOKS), ("themes", self.themes, THEMES)):
            if not values or any(v not in allowed for v in values):
                raise ConfigError(f"{name} must be a non-empty tuple of {allowed}, got {values!r}")
        if not 1 <= self.min_elements <= self.max_elements:
            raise ConfigError(f"need 1 <= min_elements <= max_elements, got {self.min_elements}, {self.max_elements}")
        if self.split not in SPLITS:
            raise ConfigError(f"split must be one of {SPLITS}, got {self.split!r}")


def split_seed(split: str, index: int) -> int:
    """The screen id of the ``index``-th screen of ``split`` (ids of different splits never meet)."""
    return SPLITS.index(split) * SPLIT_SPAN + index % SPLIT_SPAN


def generate_screen(screen_id: int, config: ScreenConfig) -> Screen:
    """The screen ``screen_id`` of ``config``: layout, pixels and elements, drawn from ``default_rng(screen_id)``.

    Retries the layout (with the same generator) until it holds at least ``min_elements`` elements.
    """
    rng = np.random.default_rng(screen_id)
    words = Words(vocabulary(config.split), rng)
    for _ in range(8):
        look = config.looks[int(rng.integers(len(config.looks)))]
        theme = config.themes[int(rng.integers(len(config.themes)))]
        canvas = Canvas(config.size, theme, rng, int(rng.integers(config.min_elements, config.max_elements + 1)))
        LAYOUTS[look](canvas, words)
        if len(canvas.elements) >= config.min_elements:
            break
    return Screen(canvas.pixels(), tuple(canvas.elements), tuple(canvas.texts), look, theme)


def generate_task(screen_id: int, config: ScreenConfig) -> Task:
    """Screen ``screen_id`` with an element to click and an unambiguous instruction naming it.

    Raises:
        ConfigError: the configuration leaves no element to name (a screen too small to draw one).
    """
    screen = generate_screen(screen_id, config)
    chosen = instruct(screen, np.random.default_rng([screen_id, 1]))
    if chosen is None:
        raise ConfigError(f"screen {screen_id} of {config} holds no element an instruction can name; use a larger "
                          "size or more elements")
    target, text, kind = chosen
    return Task(screen, target, text, kind)
