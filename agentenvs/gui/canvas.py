"""Drawing the widgets of a screen: one :class:`Canvas` per screen records each element it draws.

The canvas holds the PIL image, the theme's colours, the text size and an element budget; each
widget method draws one element (when the budget allows), records its box, role, label and
container, and returns its width. Layouts (:mod:`.layouts`) place widgets; they never draw pixels.
"""
from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from .fonts import check_glyphs, text_mask, text_width
from .icons import Color, draw_icon
from .screen import Box, Element

PALETTES: dict[str, dict[str, Color]] = {
    "light": {"desktop": (58, 110, 165), "window": (246, 246, 248), "title": (222, 224, 230), "text": (30, 30, 36),
              "muted": (110, 112, 120), "button": (232, 234, 240), "border": (170, 172, 182), "field": (255, 255, 255),
              "link": (20, 90, 200), "selected": (205, 222, 250), "bar": (236, 238, 242), "icon": (60, 64, 72)},
    "dark": {"desktop": (24, 32, 44), "window": (36, 38, 44), "title": (52, 54, 62), "text": (226, 228, 234),
             "muted": (150, 152, 162), "button": (62, 66, 76), "border": (92, 96, 108), "field": (28, 30, 34),
             "link": (110, 170, 255), "selected": (48, 72, 120), "bar": (44, 46, 54), "icon": (210, 212, 220)},
}
ACCENTS: tuple[Color, ...] = ((37, 99, 235), (22, 163, 74), (220, 38, 38), (147, 51, 234), (234, 88, 12),
                              (8, 145, 178))


class Canvas:
    """A screen being drawn: image, palette, text size ``fs``, and the elements drawn so far.

    Args:
        size: ``(width, height)``.
        theme: ``"light"`` or ``"dark"``.
        rng: the screen's generator (accent colour, widget choices).
        budget: the most elements to draw; widgets beyond it are skipped.
    """

    def __init__(self, size: tuple[int, int], theme: str, rng: np.random.Generator, budget: int):
        self.width, self.height = size
        self.rng = rng
        self.colors = dict(PALETTES[theme])
        self.accent: Color = ACCENTS[int(rng.integers(len(ACCENTS)))]
        portrait = size[1] > size[0]  # phones: text sized to the width, as apps scale to it
        self.fs = int(np.clip(round(size[0] * 0.036 if portrait else max(size) * 0.011), 8, 40))
        self.image = Image.new("RGB", size, self.colors["desktop"])
        self.draw = ImageDraw.Draw(self.image)
        self.budget = budget
        self.elements: list[Element] = []
        self.texts: list[str] = []

    # -- sizes -------------------------------------------------------------------------------
    def text_width(self, text: str, size: int | None = None) -> int:
        """Width of ``text`` in pixels at ``size`` (default the screen's text size)."""
        return text_width(text, size or self.fs)

    @property
    def row(self) -> int:
        """Height of a standard control (button, field, tab)."""
        return round(1.9 * self.fs)

    def full(self) -> bool:
        """Whether the element budget is spent."""
        return len(self.elements) >= self.budget

    # -- primitives --------------------------------------------------------------------------
    def rect(self, box: Box, fill: Color | None, outline: Color | None = None, radius: int = 0) -> None:
        """A (rounded) rectangle over ``box`` (exclusive ends)."""
        x1, y1, x2, y2 = box
        shape = [x1, y1, x2 - 1, y2 - 1]
        if radius:
            self.draw.rounded_rectangle(shape, radius, fill=fill, outline=outline)
        else:
            self.draw.rectangle(shape, fill=fill, outline=outline)

    def text(self, x: float, y: float, text: str, color: Color, anchor: str = "lm", size: int | None = None) -> None:
        """Draw ``text`` anchored at ``(x, y)`` (PIL anchors: ``"lm"`` left-middle, ``"mm"`` centre) and record it."""
        check_glyphs(text)
        mask, left, top = text_mask(text, size or self.fs, anchor)
        self.image.paste(color, (round(x) + left, round(y) + top), mask)
        self.texts.append(text)

    def add(self, box: Box, role: str, label: str, container: str) -> None:
        """Record an element."""
        self.elements.append(Element(tuple(int(v) for v in box), role, label, container))  # type: ignore[arg-type]

    # -- widgets (each returns its width; 0 when the budget is spent) --------------------------
    def button(self, x: int, y: int, label: str, container: str, primary: bool = False) -> int:
        if self.full():
            return 0
        w, h = self.text_width(label) + round(1.6 * self.fs), self.row
        fill = self.accent if primary else self.colors["button"]
        self.rect((x, y, x + w, y + h), fill, self.colors["border"], radius=max(2, self.fs // 4))
        self.text(x + w / 2, y + h / 2, label, (255, 255, 255) if primary else self.colors["text"], "mm")
        self.add((x, y, x + w, y + h), "button", label, container)
        return w

    def icon(self, x: int, y: int, kind: str, container: str, size: int | None = None, framed: bool = True) -> int:
        if self.full():
            return 0
        s = size or self.row
        if framed:
            self.rect((x, y, x + s, y + s), self.colors["button"], None, radius=max(2, s // 5))
        draw_icon(self.draw, kind, (x, y, x + s, y + s), self.colors["icon"])
        self.add((x, y, x + s, y + s), "icon", kind, container)
        return s

    def field(self, x: int, y: int, w: int, label: str, container: str) -> int:
        if self.full():
            return 0
        h = self.row
        self.rect((x, y, x + w, y + h), self.colors["field"], self.colors["border"], radius=2)
        self.text(x + self.fs * 0.6, y + h / 2, label, self.colors["muted"])
        self.add((x, y, x + w, y + h), "text_field", label, container)
        return w

    def toggle(self, x: int, y: int, label: str, container: str, role: str) -> int:
        """A checkbox (``role="checkbox"``) or radio button with its caption; the box covers both."""
        if self.full():
            return 0
        s, h = self.fs, round(1.5 * self.fs)
        top = y + (h - s) // 2
        on = bool(self.rng.random() < 0.4)
        if role == "checkbox":
            self.rect((x, top, x + s, top + s), self.accent if on else self.colors["field"], self.colors["border"], 2)
            if on:
                tick = [(x + 0.2 * s, top + 0.5 * s), (x + 0.42 * s, top + 0.75 * s), (x + 0.8 * s, top + 0.25 * s)]
                self.draw.line(tick, fill=(255, 255, 255), width=max(1, s // 6))
        else:
            self.draw.ellipse([x, top, x + s - 1, top + s - 1], fill=self.colors["field"],
                              outline=self.colors["border"])
            if on:
                q = s // 4
                self.draw.ellipse([x + q, top + q, x + s - 1 - q, top + s - 1 - q], fill=self.accent)
        self.text(x + s + self.fs * 0.5, y + h / 2, label, self.colors["text"])
        w = s + round(self.fs * 0.5) + self.text_width(label)
        self.add((x, y, x + w, y + h), role, label, container)
        return w

    def link(self, x: int, y: int, label: str, container: str) -> int:
        if self.full():
            return 0
        w, h = self.text_width(label), round(1.4 * self.fs)
        self.text(x, y + h / 2, label, self.colors["link"])
        self.draw.line([(x, y + h / 2 + 0.55 * self.fs), (x + w - 1, y + h / 2 + 0.55 * self.fs)],
                       fill=self.colors["link"], width=1)
        self.add((x, y, x + w, y + h), "link", label, container)
        return w

    def tab(self, x: int, y: int, label: str, container: str, selected: bool) -> int:
        if self.full():
            return 0
        w, h = self.text_width(label) + round(1.6 * self.fs), self.row
        fill = self.colors["window"] if selected else self.colors["bar"]
        self.rect((x, y, x + w, y + h), fill, self.colors["border"])
        if selected:
            self.rect((x, y + h - 3, x + w, y + h), self.accent)
        self.text(x + w / 2, y + h / 2, label, self.colors["text"], "mm")
        self.add((x, y, x + w, y + h), "tab", label, container)
        return w

    def list_item(self, x: int, y: int, w: int, label: str, container: str, selected: bool) -> int:
        if self.full():
            return 0
        h = round(2.0 * self.fs)
        self.rect((x, y, x + w, y + h), self.colors["selected"] if selected else self.colors["window"])
        self.draw.line([(x, y + h - 1), (x + w - 1, y + h - 1)], fill=self.colors["border"])
        self.text(x + self.fs * 0.7, y + h / 2, label, self.colors["text"])
        self.add((x, y, x + w, y + h), "list_item", label, container)
        return w

    def menu_item(self, x: int, y: int, h: int, label: str, container: str) -> int:
        if self.full():
            return 0
        w = self.text_width(label) + self.fs
        self.text(x + w / 2, y + h / 2, label, self.colors["text"], "mm")
        self.add((x, y, x + w, y + h), "menu_item", label, container)
        return w

    def pixels(self) -> np.ndarray:
        """The image as ``uint8 [H, W, 3]``."""
        return np.array(self.image, dtype=np.uint8)
