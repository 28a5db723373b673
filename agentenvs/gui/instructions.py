"""Instructions generated with the screen (as MiniGrid generates missions with its world), each naming one element.

Four kinds, each checked unambiguous on its screen before it is used:

- ``label``: "click 'Save'" / "click the 'Email' text field": the quoted string occurs once on the screen;
- ``position``: "click the second checkbox in the Settings dialog": elements of one role in one container,
  ordered by top edge then left edge ("last" for the last of two or more);
- ``relation``: "click the icon left of 'Search'": the nearest element of that role on that side of an anchor
  whose string occurs once (on the same row for left/right, the same column for above/below), strictly
  nearer than any other;
- ``icon``: "open the settings": the only icon of its kind on the screen.
"""
from __future__ import annotations

from collections import Counter

import numpy as np

from .constants import ICONS, ORDINALS, ROLE_WORDS
from .screen import Element, Screen

KINDS = ("label", "position", "relation", "icon")
DIRECTIONS = ("left of", "right of", "above", "below")


def gap(anchor: Element, other: Element, direction: str) -> float | None:
    """How far ``other`` lies from ``anchor`` in ``direction`` (same row/column), or ``None`` if it is not there."""
    a, b = anchor.box, other.box
    rows = b[1] < a[3] and b[3] > a[1]
    cols = b[0] < a[2] and b[2] > a[0]
    if direction == "left of" and rows and b[2] <= a[0]:
        return a[0] - b[2]
    if direction == "right of" and rows and b[0] >= a[2]:
        return b[0] - a[2]
    if direction == "above" and cols and b[3] <= a[1]:
        return a[1] - b[3]
    if direction == "below" and cols and b[1] >= a[3]:
        return b[1] - a[3]
    return None


def nearest(elements: tuple[Element, ...], anchor: int, role: str, direction: str) -> int | None:
    """The element of ``role`` strictly nearest to ``elements[anchor]`` in ``direction``; ``None`` for none or a tie."""
    gaps = sorted((g, i) for i, e in enumerate(elements) if i != anchor and e.role == role
                  and (g := gap(elements[anchor], e, direction)) is not None)
    if not gaps or (len(gaps) > 1 and gaps[1][0] == gaps[0][0]):
        return None
    return gaps[0][1]


def reading_order(elements: tuple[Element, ...], role: str, container: str) -> list[int]:
    """Indices of the elements of ``role`` in ``container``, by top edge then left edge."""
    same = [i for i, e in enumerate(elements) if e.role == role and e.container == container]
    return sorted(same, key=lambda i: (elements[i].box[1], elements[i].box[0]))


def _quotable(screen: Screen, counts: Counter[str], index: int) -> bool:
    element = screen.elements[index]
    return element.role != "icon" and counts[element.label] == 1


def describe(screen: Screen, index: int, kind: str, rng: np.random.Generator,
             counts: Counter[str] | None = None) -> str | None:
    """An instruction of ``kind`` naming only ``screen.elements[index]``, or ``None`` when none exists.

    ``counts`` (how often each string occurs on the screen) is computed when not given.
    """
    elements = screen.elements
    target = elements[index]
    role = ROLE_WORDS[target.role]
    counts = Counter(screen.texts) if counts is None else counts
    if kind == "label":
        if not _quotable(screen, counts, index):
            return None
        return f"click '{target.label}'" if rng.random() < 0.5 else f"click the '{target.label}' {role}"
    if kind == "position":
        order = reading_order(elements, target.role, target.container)
        rank = order.index(index)
        if len(order) == 1:
            return f"click the {role} in the {target.container}"
        if rank == len(order) - 1 and (rank >= len(ORDINALS) or rng.random() < 0.3):
            return f"click the last {role} in the {target.container}"
        return f"click the {ORDINALS[rank]} {role} in the {target.container}" if rank < len(ORDINALS) else None
    if kind == "relation":
        options = [(direction, a) for a in range(len(elements)) if a != index and _quotable(screen, counts, a)
                   for direction in DIRECTIONS if nearest(elements, a, target.role, direction) == index]
        if not options:
            return None
        direction, anchor = options[int(rng.integers(len(options)))]
        return f"click the {role} {direction} '{elements[anchor].label}'"
    if target.role == "icon" and sum(e.role == "icon" and e.label == target.label for e in elements) == 1:
        return ICONS[target.label]
    return None


def instruct(screen: Screen, rng: np.random.Generator) -> tuple[int, str, str] | None:
    """A target index, an instruction naming it, and its kind; ``None`` for a screen without elements."""
    counts = Counter(screen.texts)
    for index in rng.permutation(len(screen.elements)):
        for kind in rng.permutation(KINDS):
            text = describe(screen, int(index), str(kind), rng, counts)
            if text is not None:
                return int(index), text, str(kind)
    return None
