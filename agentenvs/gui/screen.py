"""What a generated screen is: its pixels, its interactive elements, and one task on it."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .constants import ROLES

Box = tuple[int, int, int, int]
"""``(x1, y1, x2, y2)`` in screen pixels; the element covers ``x1 <= x < x2``, ``y1 <= y < y2``."""


@dataclass(frozen=True)
class Element:
    """One interactive element: where it is, what it is, what it says, and which window, bar or dialog holds it.

    ``label`` is the visible text (an icon's is its kind, e.g. ``"gear"``: icons show no text).
    """

    box: Box
    role: str
    label: str
    container: str

    @property
    def role_index(self) -> int:
        """Index of :attr:`role` in :data:`~.constants.ROLES`."""
        return ROLES.index(self.role)

    @property
    def centre(self) -> tuple[float, float]:
        """The centre point ``(x, y)`` of the box."""
        return (self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2


@dataclass(frozen=True)
class Screen:
    """A rendered screen: ``image`` (``uint8 [H, W, 3]``), its elements in drawing order, and its visible strings.

    ``texts`` holds every string drawn (element labels, titles, captions, body text) once per
    occurrence, so an instruction quotes only strings that occur once.
    """

    image: np.ndarray
    elements: tuple[Element, ...]
    texts: tuple[str, ...]
    look: str
    theme: str

    @property
    def size(self) -> tuple[int, int]:
        """``(width, height)`` in pixels."""
        return self.image.shape[1], self.image.shape[0]


@dataclass(frozen=True)
class Task:
    """A screen, the element to click and the instruction naming it (``kind``: how it names it)."""

    screen: Screen
    target: int
    instruction: str
    kind: str

    @property
    def target_element(self) -> Element:
        """The element the instruction names."""
        return self.screen.elements[self.target]


def inside(box: Sequence[float] | np.ndarray, x: float, y: float) -> bool:
    """Whether point ``(x, y)`` lies in ``box``, edges included (SeeClick's and ScreenSpot's hit test)."""
    return bool(box[0] <= x <= box[2] and box[1] <= y <= box[3])
