"""The mouse-pointer sprite and compositing it over a cached screen: only the patch under the pointer changes.

:class:`CursorLayer` keeps a clean copy of a screen and a frame with the pointer on it; moving the
pointer restores the old patch from the clean copy and draws the sprite at the new place, so a step
costs a few hundred pixels, not a frame. :func:`place_batch` does the same for a batch of screens.
"""
from __future__ import annotations

import functools

import numpy as np
from PIL import Image, ImageDraw

MIN_POINTER = 7
SMALL_POINTER_COLOUR = (255, 0, 255)
"""Smallest pointer height, and the colour of pointers under 12 pixels (larger ones are white, outlined black)."""


@functools.lru_cache(maxsize=32)
def sprite(height: int) -> tuple[np.ndarray, np.ndarray]:
    """An arrow pointer ``height`` pixels tall: ``(rgb uint8 [h, w, 3], alpha bool [h, w])``, hotspot at (0, 0)."""
    h = max(MIN_POINTER, height)
    w = max(2, round(h * 0.64))
    outline = [(0, 0), (0, h * 0.8), (w * 0.3, h * 0.62), (w * 0.55, h - 1), (w * 0.75, h * 0.9), (w * 0.5, h * 0.56),
               (w - 1, h * 0.56)]
    image = Image.new("RGB", (w, h))
    alpha = Image.new("L", (w, h))
    ImageDraw.Draw(image).polygon(outline, fill=(255, 255, 255), outline=(0, 0, 0))
    ImageDraw.Draw(alpha).polygon(outline, fill=255, outline=255)
    rgb = np.array(image, dtype=np.uint8)
    if h < 12:  # too small for a white core inside a black outline: solid magenta, seen on light and dark screens
        rgb[:] = SMALL_POINTER_COLOUR
    return rgb, np.array(alpha) > 0


def pointer_height(screen_height: int) -> int:
    """Pointer size for a screen (or observation) ``screen_height`` pixels tall: about 1/40 of it, at least 7."""
    return max(MIN_POINTER, round(screen_height / 40))


class CursorLayer:
    """A screen with a pointer composited in place.

    Args:
        clean: the screen without pointer, ``uint8 [H, W, 3]`` (kept, never written).
        height: pointer height in pixels.
    """

    def __init__(self, clean: np.ndarray, height: int):
        self.clean = clean
        self.frame = clean.copy()
        self.rgb, self.alpha = sprite(height)
        self._patch: tuple[int, int, int, int] | None = None

    def place(self, x: float, y: float) -> None:
        """Move the pointer's tip to pixel ``(x, y)`` (clipped to the screen), restoring the patch it left."""
        frame = self.frame
        if self._patch is not None:
            y0, x0, y1, x1 = self._patch
            frame[y0:y1, x0:x1] = self.clean[y0:y1, x0:x1]
        height, width = frame.shape[:2]
        x0 = int(min(max(x, 0), width - 1))
        y0 = int(min(max(y, 0), height - 1))
        y1, x1 = min(height, y0 + self.alpha.shape[0]), min(width, x0 + self.alpha.shape[1])
        alpha = self.alpha[: y1 - y0, : x1 - x0]
        frame[y0:y1, x0:x1][alpha] = self.rgb[: y1 - y0, : x1 - x0][alpha]
        self._patch = (y0, x0, y1, x1)


def place_batch(frames: np.ndarray, clean: np.ndarray, source: np.ndarray, rows: np.ndarray, old: np.ndarray,
                new: np.ndarray, rgb: np.ndarray, alpha: np.ndarray) -> None:
    """Move pointers of several frames at once: restore the patches at ``old`` and draw the sprite at ``new``.

    Args:
        frames: ``uint8 [B, H + h, W + w, 3]`` frames, padded by the sprite's size on the right and bottom
            so no patch is clipped (the observation is ``[:, :H, :W]``).
        clean: ``uint8 [P, H + h, W + w, 3]`` clean screens, padded alike.
        source: ``int [R]``: the clean screen of each frame moved.
        rows: ``int [R]``: the frames to move.
        old: ``int [R, 2]`` pointer tips (x, y) to erase, within ``[0, W) x [0, H)``.
        new: ``int [R, 2]`` pointer tips to draw.
        rgb: the sprite's colours (:func:`sprite`).
        alpha: the sprite's mask.
    """
    h, w = alpha.shape
    frame_rows, clean_rows = rows[:, None, None], source[:, None, None]
    dy, dx = np.arange(h)[None, :, None], np.arange(w)[None, None, :]
    ys, xs = old[:, 1, None, None] + dy, old[:, 0, None, None] + dx
    frames[frame_rows, ys, xs] = clean[clean_rows, ys, xs]
    ys, xs = new[:, 1, None, None] + dy, new[:, 0, None, None] + dx
    frames[frame_rows, ys, xs] = np.where(alpha[None, :, :, None], rgb[None], clean[clean_rows, ys, xs])
