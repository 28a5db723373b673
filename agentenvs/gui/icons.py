"""Icons drawn as shapes with PIL: each kind of :data:`~.constants.ICONS` is a few lines, circles and polygons."""
from __future__ import annotations

import math
from collections.abc import Callable

from PIL import ImageDraw

Color = tuple[int, int, int]
Painter = Callable[[ImageDraw.ImageDraw, float, float, float, Color, int], None]
"""``(draw, centre x, centre y, half size, colour, line width)``."""


def _gear(d: ImageDraw.ImageDraw, x: float, y: float, r: float, c: Color, w: int) -> None:
    teeth = [(x + r * math.cos(a * math.pi / 4), y + r * math.sin(a * math.pi / 4)) for a in range(8)]
    for tx, ty in teeth:
        d.line([(x, y), (tx, ty)], fill=c, width=max(2, w + 1))
    d.ellipse([x - 0.7 * r, y - 0.7 * r, x + 0.7 * r, y + 0.7 * r], fill=c)
    d.ellipse([x - 0.3 * r, y - 0.3 * r, x + 0.3 * r, y + 0.3 * r], fill=(255 - c[0], 255 - c[1], 255 - c[2]))


def _magnifier(d: ImageDraw.ImageDraw, x: float, y: float, r: float, c: Color, w: int) -> None:
    d.ellipse([x - r, y - r, x + 0.3 * r, y + 0.3 * r], outline=c, width=w)
    d.line([(x + 0.2 * r, y + 0.2 * r), (x + r, y + r)], fill=c, width=w + 1)


def _trash(d: ImageDraw.ImageDraw, x: float, y: float, r: float, c: Color, w: int) -> None:
    d.line([(x - r, y - 0.6 * r), (x + r, y - 0.6 * r)], fill=c, width=w)
    d.rectangle([x - 0.3 * r, y - r, x + 0.3 * r, y - 0.6 * r], outline=c, width=w)
    d.polygon([(x - 0.7 * r, y - 0.4 * r), (x + 0.7 * r, y - 0.4 * r), (x + 0.5 * r, y + r), (x - 0.5 * r, y + r)],
              outline=c, width=w)


def _plus(d: ImageDraw.ImageDraw, x: float, y: float, r: float, c: Color, w: int) -> None:
    d.line([(x - r, y), (x + r, y)], fill=c, width=w + 1)
    d.line([(x, y - r), (x, y + r)], fill=c, width=w + 1)


def _home(d: ImageDraw.ImageDraw, x: float, y: float, r: float, c: Color, w: int) -> None:
    d.polygon([(x - r, y - 0.1 * r), (x, y - r), (x + r, y - 0.1 * r)], outline=c, width=w)
    d.rectangle([x - 0.65 * r, y - 0.1 * r, x + 0.65 * r, y + r], outline=c, width=w)
    d.rectangle([x - 0.2 * r, y + 0.3 * r, x + 0.2 * r, y + r], fill=c)


def _star(d: ImageDraw.ImageDraw, x: float, y: float, r: float, c: Color, w: int) -> None:
    points = [(x + (r if i % 2 == 0 else 0.45 * r) * math.sin(i * math.pi / 5),
               y - (r if i % 2 == 0 else 0.45 * r) * math.cos(i * math.pi / 5)) for i in range(10)]
    d.polygon(points, fill=c)


def _bell(d: ImageDraw.ImageDraw, x: float, y: float, r: float, c: Color, w: int) -> None:
    d.pieslice([x - 0.7 * r, y - r, x + 0.7 * r, y + 0.4 * r], 180, 360, fill=c)
    d.rectangle([x - 0.7 * r, y - 0.3 * r, x + 0.7 * r, y + 0.5 * r], fill=c)
    d.line([(x - r, y + 0.55 * r), (x + r, y + 0.55 * r)], fill=c, width=w)
    d.ellipse([x - 0.2 * r, y + 0.6 * r, x + 0.2 * r, y + r], fill=c)


def _user(d: ImageDraw.ImageDraw, x: float, y: float, r: float, c: Color, w: int) -> None:
    d.ellipse([x - 0.4 * r, y - r, x + 0.4 * r, y - 0.2 * r], fill=c)
    d.pieslice([x - 0.9 * r, y - 0.1 * r, x + 0.9 * r, y + 1.7 * r], 180, 360, fill=c)


def _arrow(direction: int) -> Painter:
    def paint(d: ImageDraw.ImageDraw, x: float, y: float, r: float, c: Color, w: int) -> None:
        d.line([(x - direction * r, y), (x + direction * r, y)], fill=c, width=w + 1)
        d.line([(x - direction * r, y), (x - direction * 0.2 * r, y - 0.7 * r)], fill=c, width=w + 1)
        d.line([(x - direction * r, y), (x - direction * 0.2 * r, y + 0.7 * r)], fill=c, width=w + 1)
    return paint


def _refresh(d: ImageDraw.ImageDraw, x: float, y: float, r: float, c: Color, w: int) -> None:
    d.arc([x - r, y - r, x + r, y + r], 40, 330, fill=c, width=w + 1)
    d.polygon([(x + r, y - 0.9 * r), (x + r, y - 0.1 * r), (x + 0.3 * r, y - 0.3 * r)], fill=c)


def _menu(d: ImageDraw.ImageDraw, x: float, y: float, r: float, c: Color, w: int) -> None:
    for dy in (-0.7, 0.0, 0.7):
        d.line([(x - r, y + dy * r), (x + r, y + dy * r)], fill=c, width=w + 1)


def _heart(d: ImageDraw.ImageDraw, x: float, y: float, r: float, c: Color, w: int) -> None:
    d.ellipse([x - r, y - 0.8 * r, x, y + 0.2 * r], fill=c)
    d.ellipse([x, y - 0.8 * r, x + r, y + 0.2 * r], fill=c)
    d.polygon([(x - 0.95 * r, y - 0.1 * r), (x + 0.95 * r, y - 0.1 * r), (x, y + r)], fill=c)


def _download(d: ImageDraw.ImageDraw, x: float, y: float, r: float, c: Color, w: int) -> None:
    d.line([(x, y - r), (x, y + 0.4 * r)], fill=c, width=w + 1)
    d.polygon([(x - 0.6 * r, y), (x + 0.6 * r, y), (x, y + 0.6 * r)], fill=c)
    d.line([(x - r, y + r), (x + r, y + r)], fill=c, width=w + 1)


def _pencil(d: ImageDraw.ImageDraw, x: float, y: float, r: float, c: Color, w: int) -> None:
    d.polygon([(x + 0.6 * r, y - r), (x + r, y - 0.6 * r), (x - 0.6 * r, y + r), (x - r, y + r), (x - r, y + 0.6 * r)],
              fill=c)


def _mail(d: ImageDraw.ImageDraw, x: float, y: float, r: float, c: Color, w: int) -> None:
    d.rectangle([x - r, y - 0.7 * r, x + r, y + 0.7 * r], outline=c, width=w)
    d.line([(x - r, y - 0.7 * r), (x, y + 0.1 * r), (x + r, y - 0.7 * r)], fill=c, width=w)


def _close(d: ImageDraw.ImageDraw, x: float, y: float, r: float, c: Color, w: int) -> None:
    d.line([(x - 0.8 * r, y - 0.8 * r), (x + 0.8 * r, y + 0.8 * r)], fill=c, width=w + 1)
    d.line([(x - 0.8 * r, y + 0.8 * r), (x + 0.8 * r, y - 0.8 * r)], fill=c, width=w + 1)


PAINTERS: dict[str, Painter] = {
    "gear": _gear, "magnifier": _magnifier, "trash": _trash, "plus": _plus, "home": _home, "star": _star,
    "bell": _bell, "user": _user, "back": _arrow(1), "forward": _arrow(-1), "refresh": _refresh, "menu": _menu,
    "heart": _heart, "download": _download, "pencil": _pencil, "mail": _mail, "close": _close,
}
"""Icon kind -> its painter; the keys are exactly those of :data:`~.constants.ICONS`."""


def draw_icon(draw: ImageDraw.ImageDraw, kind: str, box: tuple[int, int, int, int], color: Color) -> None:
    """Draw icon ``kind`` centred in ``box`` (x1, y1, x2, y2, exclusive ends), leaving a margin."""
    x1, y1, x2, y2 = box
    half = max(1.5, 0.32 * min(x2 - x1, y2 - y1))
    width = max(1, round(half / 5))
    PAINTERS[kind](draw, (x1 + x2 - 1) / 2, (y1 + y2 - 1) / 2, half, color, width)
