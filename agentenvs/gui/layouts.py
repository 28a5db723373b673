"""Where widgets go on a desktop window, a web page and a phone app (each a function of a :class:`~.canvas.Canvas`).

Layouts draw chrome (title bars, status bars, backgrounds) directly and place widgets through the
canvas, which records each element. Every container name they give (window and dialog titles,
"toolbar", "sidebar", ...) occurs once per screen, so instructions may name it.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .canvas import Canvas
from .constants import ICONS
from .vocabulary import Vocabulary

_ICON_KINDS = tuple(k for k in ICONS if k != "close")
_ROWS = ("buttons", "field", "checkbox", "radio", "links", "text")
_ROW_ODDS = (0.26, 0.18, 0.2, 0.14, 0.12, 0.1)
"""Kinds of form rows and how often each is drawn."""


class Words:
    """Draws labels from a split's vocabulary without repeats on one screen (as long as a list lasts)."""

    def __init__(self, vocabulary: Vocabulary, rng: np.random.Generator):
        self.vocabulary, self.rng = vocabulary, rng
        self.used: set[str] = set()

    def pick(self, kind: str) -> str:
        """A label of list ``kind`` (a :class:`~.vocabulary.Vocabulary` field) not yet used here, if any is left."""
        words: Sequence[str] = getattr(self.vocabulary, kind)
        fresh = [w for w in words if w not in self.used] or list(words)
        word = fresh[int(self.rng.integers(len(fresh)))]
        self.used.add(word)
        return word

    def icons(self, count: int) -> list[str]:
        """``count`` icon kinds, mostly distinct."""
        return [str(k) for k in self.rng.choice(_ICON_KINDS, size=count, replace=count > len(_ICON_KINDS))]


def fill(c: Canvas, words: Words, box: tuple[int, int, int, int], container: str) -> None:
    """Fill ``box`` with rows of form controls (buttons, fields, checkboxes, radios, links, body text).

    A wide box is filled in columns of about 30 characters' width, left to right, each with an even
    share of the elements left.
    """
    x1, y1, x2, y2 = box
    columns = int(np.clip((x2 - x1) // (30 * c.fs), 1, 3))
    width = (x2 - x1) // columns
    budget = c.budget
    for i in range(columns):
        c.budget = len(c.elements) - (len(c.elements) - budget) // (columns - i)  # ceil of an even share
        _column(c, words, (x1 + i * width, y1, x1 + (i + 1) * width - c.fs, y2), container)
    c.budget = budget


def _column(c: Canvas, words: Words, box: tuple[int, int, int, int], container: str) -> None:
    x1, y1, x2, y2 = box
    gap = max(2, c.fs // 2)
    y = y1
    rng = c.rng
    while not c.full():
        kind = str(rng.choice(_ROWS, p=_ROW_ODDS))
        height = round(1.5 * c.fs) if kind in ("checkbox", "radio", "links") else c.row
        if y + height > y2:
            return
        x = x1
        if kind == "buttons":
            for i in range(int(rng.integers(1, 4))):
                label = words.pick("buttons")
                if x + c.text_width(label) + 2 * c.fs > x2:
                    break
                x += c.button(x, y, label, container, primary=i == 0 and bool(rng.random() < 0.5)) + gap
        elif kind == "field":
            w = min(x2 - x1, int(rng.integers(9, 16)) * c.fs)
            c.field(x, y, w, words.pick("fields"), container)
            if x + w + gap + c.row <= x2 and rng.random() < 0.4:
                c.icon(x + w + gap, y, str(rng.choice(["magnifier", "pencil", "trash"])), container)
        elif kind in ("checkbox", "radio"):
            for _ in range(int(rng.integers(1, 4))):
                label = words.pick("options")
                if x + c.text_width(label) + 2 * c.fs > x2:
                    break
                x += c.toggle(x, y, label, container, kind) + 2 * gap
        elif kind == "links":
            for _ in range(int(rng.integers(1, 4))):
                label = words.pick("links")
                if x + c.text_width(label) > x2:
                    break
                x += c.link(x, y, label, container) + 2 * gap
        else:
            text = " ".join(words.pick("items").lower() for _ in range(int(rng.integers(2, 6))))
            if x1 + c.text_width(text) <= x2:
                c.text(x1, y + height / 2, text.capitalize() + ".", c.colors["muted"])
        y += height + gap


def title_bar(c: Canvas, box: tuple[int, int, int, int], title: str, container: str) -> int:
    """A window or dialog frame with its title and close icon; returns the content's top edge."""
    x1, y1, x2, y2 = box
    h = round(1.8 * c.fs)
    c.rect(box, c.colors["window"], c.colors["border"])
    c.rect((x1, y1, x2, y1 + h), c.colors["title"], c.colors["border"])
    c.text((x1 + x2) / 2, y1 + h / 2, title, c.colors["text"], "mm")
    c.icon(x2 - h, y1, "close", container, size=h, framed=False)
    return y1 + h


def desktop(c: Canvas, words: Words) -> None:
    """An application window (title bar, menu bar, toolbar, sidebar, tabs, a form), sometimes with a dialog."""
    w, h, fs, rng = c.width, c.height, c.fs, c.rng
    m = int(rng.integers(0, max(1, w // 30)))
    box = (m, m, w - m, h - m - (round(1.6 * fs) if h >= 300 else 0))
    if h >= 300:  # a task bar along the bottom
        c.rect((0, h - round(1.6 * fs), w, h), c.colors["bar"])
        c.text(fs, h - 0.8 * fs, "12:4" + str(int(rng.integers(10))), c.colors["text"])
    title = words.pick("titles")
    window = f"{title} window"
    top = title_bar(c, box, title, window)
    x1, _, x2, y2 = box
    pad = max(2, fs // 2)
    if h >= 240:
        c.rect((x1 + 1, top, x2 - 1, top + round(1.6 * fs)), c.colors["bar"])
        x = x1 + pad
        for _ in range(int(rng.integers(3, 7))):
            x += c.menu_item(x, top, round(1.6 * fs), words.pick("menus"), "menu bar")
        top += round(1.6 * fs)
    if h >= 200:
        x = x1 + pad
        for kind in words.icons(int(rng.integers(3, 9))):
            if x + c.row > x2 - pad:
                break
            x += c.icon(x, top + pad, kind, "toolbar") + pad
        top += c.row + 2 * pad
    if w >= 480:
        side = (x2 - x1) // 4
        c.rect((x1 + 1, top, x1 + side, y2 - 1), c.colors["bar"])
        y = top
        for i in range(int(rng.integers(3, 9))):
            if y + 2 * fs > y2:
                break
            c.list_item(x1 + 1, y, side - 1, words.pick("items"), "sidebar", selected=i == 0)
            y += round(2.0 * fs)
        x1 += side
    if h >= 320:
        x = x1 + pad
        for i in range(int(rng.integers(2, 5))):
            label = words.pick("tabs")
            if x + c.text_width(label) + 2 * fs > x2:
                break
            x += c.tab(x, top + pad, label, window, selected=i == 0)
        top += c.row + pad
    fill(c, words, (x1 + 2 * pad, top + 2 * pad, x2 - 2 * pad, y2 - pad), window)
    if w >= 400 and rng.random() < 0.35:
        dialog(c, words)


def dialog(c: Canvas, words: Words) -> None:
    """A modal dialog over the middle of the screen; elements it covers are removed."""
    fs, rng = c.fs, c.rng
    dw, dh = min(c.width - 20, 26 * fs), min(c.height - 20, round(12 * fs))
    x1, y1 = (c.width - dw) // 2, (c.height - dh) // 2
    box = (x1, y1, x1 + dw, y1 + dh)
    c.elements = [e for e in c.elements if e.box[2] <= box[0] or e.box[0] >= box[2] or e.box[3] <= box[1]
                  or e.box[1] >= box[3]]
    title = words.pick("titles")
    container = f"{title} dialog"
    top = title_bar(c, box, title, container)
    y = top + fs
    for _ in range(int(rng.integers(1, 4))):
        c.toggle(x1 + fs, y, words.pick("options"), container, "checkbox")
        y += round(1.8 * fs)
    x = box[2] - fs
    for label in ("Cancel", "OK"):
        x -= c.text_width(label) + round(1.6 * fs)
        c.button(x, box[3] - fs - c.row, label, container, primary=label == "OK")
        x -= fs


def web(c: Canvas, words: Words) -> None:
    """A browser: tab strip, address bar with navigation icons, a page with nav links, search and a form."""
    w, h, fs, rng = c.width, c.height, c.fs, c.rng
    pad = max(2, fs // 2)
    c.rect((0, 0, w, h), c.colors["title"])
    x = pad
    for i in range(int(rng.integers(1, 4))):
        label = words.pick("titles")
        if x + c.text_width(label) + 2 * fs > w:
            break
        x += c.tab(x, pad, label, "browser", selected=i == 0) + 1
    top = pad + c.row
    c.rect((0, top, w, top + c.row + 2 * pad), c.colors["bar"])
    x = pad
    for kind in ("back", "forward", "refresh"):
        x += c.icon(x, top + pad, kind, "browser", framed=False) + pad
    if x + 8 * fs < w:
        c.field(x, top + pad, w - x - pad, "www." + words.pick("links").lower().replace(" ", "") + ".com", "browser")
    top += c.row + 2 * pad
    c.rect((0, top, w, h), c.colors["window"])
    x = 2 * pad
    for _ in range(int(rng.integers(2, 7))):
        label = words.pick("links")
        if x + c.text_width(label) > w - 2 * pad:
            break
        x += c.link(x, top + pad, label, "navigation bar") + 2 * fs
    top += round(1.4 * fs) + 2 * pad
    if h >= 200 and w >= 300:
        fw = min(w // 2, 24 * fs)
        c.field(2 * pad, top, fw, words.pick("fields"), "page")
        c.icon(2 * pad + fw + pad, top, "magnifier", "page")
        top += c.row + 2 * pad
    fill(c, words, (2 * pad, top, w - 2 * pad, h - pad), "page")


def mobile(c: Canvas, words: Words) -> None:
    """A phone app: status bar, app bar with icons, a list, a form and a bottom navigation bar."""
    w, h, fs, rng = c.width, c.height, c.fs, c.rng
    pad = max(2, fs // 2)
    c.rect((0, 0, w, h), c.colors["window"])
    c.text(pad, 0.7 * fs, "9:4" + str(int(rng.integers(10))), c.colors["text"], size=max(8, fs - 2))
    c.rect((w - 3 * fs, round(0.35 * fs), w - pad, round(1.05 * fs)), c.colors["text"])
    top = round(1.4 * fs)
    bar = round(2.4 * fs)
    c.rect((0, top, w, top + bar), c.accent)
    title = words.pick("titles")
    c.icon(pad, top + (bar - c.row) // 2, "menu", "app bar", framed=False)
    c.text(pad * 2 + c.row, top + bar / 2, title, (255, 255, 255))
    x = w - pad
    for kind in words.icons(int(rng.integers(1, 3))):
        x -= c.row
        c.icon(x, top + (bar - c.row) // 2, kind, "app bar", framed=False)
        x -= pad
    top += bar
    nav = round(3.2 * fs) if h >= 200 else 0
    bottom = h - nav
    if nav:
        c.rect((0, bottom, w, h), c.colors["bar"])
        count = int(rng.integers(3, 5))
        slot = w // count
        for i, kind in enumerate(words.icons(count)):
            c.icon(i * slot + (slot - c.row) // 2, bottom + (nav - c.row) // 2, kind, "navigation bar", framed=False)
    y = top
    for _ in range(int(rng.integers(1, 5))):
        if y + 2 * fs > (top + bottom) // 2:
            break
        c.list_item(0, y, w, words.pick("items"), f"{title} list", selected=False)
        y += round(2.0 * fs)
    fill(c, words, (2 * pad, y + pad, w - 2 * pad, bottom - pad), f"{title} screen")


LAYOUTS = {"desktop": desktop, "web": web, "mobile": mobile}
"""Look name -> layout function."""
