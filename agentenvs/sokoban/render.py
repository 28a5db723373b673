"""Sokoban pictures: tile sprites drawn with numpy, grids to RGB frames or XSB text.

Sprites are drawn once at import; an RGB frame is a gather of sprites, and after a move only
the changed cells are repainted (:func:`paint_cells`). Render modes and the ``"human"`` window
are the core's (:mod:`agentenvs.core.render`).
"""
from __future__ import annotations

import numpy as np

from .constants import (
    BOX,
    BOX_ON_GOAL,
    COLORS,
    GOAL,
    NUM_TILES,
    PLAYER,
    PLAYER_ON_GOAL,
    TILE_SIZE,
    TILE_TO_XSB,
    WALL,
)


def _disc(size: int, radius: float) -> np.ndarray:
    centre = (size - 1) / 2
    yy, xx = np.mgrid[:size, :size]
    return (yy - centre) ** 2 + (xx - centre) ** 2 <= radius**2


def make_sprites(tile_size: int = TILE_SIZE) -> np.ndarray:
    """``uint8 [NUM_TILES, s, s, 3]``: one sprite per tile code, drawn procedurally."""
    s = tile_size
    sprites = np.empty((NUM_TILES, s, s, 3), dtype=np.uint8)
    sprites[:] = COLORS["floor"]
    wall = sprites[WALL]
    wall[:] = COLORS["wall"]
    half = s // 2
    wall[[half - 1, s - 1], :] = COLORS["mortar"]
    wall[:half, [s // 4, s // 4 + half]] = COLORS["mortar"]
    wall[half:, [0, half]] = COLORS["mortar"]
    ring = _disc(s, s * 0.28) & ~_disc(s, s * 0.14)
    for tile in (GOAL, PLAYER_ON_GOAL):
        sprites[tile][ring] = COLORS["goal"]
    inset = max(1, s // 8)
    for tile, fill, edge in ((BOX, "box", "box_edge"), (BOX_ON_GOAL, "box_on_goal", "box_on_goal_edge")):
        sprite = sprites[tile]
        sprite[inset:s - inset, inset:s - inset] = COLORS[edge]
        sprite[inset + 2:s - inset - 2, inset + 2:s - inset - 2] = COLORS[fill]
        diagonal = np.arange(inset + 2, s - inset - 2)
        sprite[diagonal, diagonal] = COLORS[edge]
        sprite[diagonal, s - 1 - diagonal] = COLORS[edge]
    body, outline = _disc(s, s * 0.3), _disc(s, s * 0.38)
    for tile, edge in ((PLAYER, "player_edge"), (PLAYER_ON_GOAL, "goal")):
        sprites[tile][outline] = COLORS[edge]
        sprites[tile][body] = COLORS["player"]
    return sprites


SPRITES = make_sprites()
"""The default 16-pixel sprites."""


def grid_to_rgb(grid: np.ndarray, sprites: np.ndarray = SPRITES) -> np.ndarray:
    """RGB frame(s) ``[..., H*s, W*s, 3]`` of tile grid(s) ``[..., H, W]``."""
    tiles = sprites[grid]  # [..., H, W, s, s, 3]
    *lead, height, width, s, _, _ = tiles.shape
    return np.ascontiguousarray(np.swapaxes(tiles, -4, -3)).reshape(*lead, height * s, width * s, 3)


def paint_cells(frame: np.ndarray, state: bytes | bytearray, cells: tuple[int, ...], width: int,
                sprites: np.ndarray = SPRITES) -> None:
    """Repaint the given flat ``cells`` of one ``frame`` from the flat tile ``state`` (in place)."""
    s = sprites.shape[1]
    for cell in cells:
        r, c = divmod(cell, width)
        frame[r * s:(r + 1) * s, c * s:(c + 1) * s] = sprites[state[cell]]


def paint_cells_batch(frames: np.ndarray, grids: np.ndarray, env: np.ndarray, cells: np.ndarray,
                      sprites: np.ndarray = SPRITES) -> None:
    """Repaint cells ``cells[k]`` of frames ``env[k]`` from ``grids [B, H, W]`` (in place)."""
    batch, height, width = grids.shape
    s = sprites.shape[1]
    view = frames.reshape(batch, height, s, width, s, 3)
    rows, cols = np.divmod(cells, width)
    view[env, rows, :, cols] = sprites[grids[env, rows, cols]]


_XSB_TABLE = bytes.maketrans(bytes(range(NUM_TILES)), "".join(TILE_TO_XSB).encode())
XSB_BYTES = "".join(TILE_TO_XSB).encode()
"""The XSB character of each tile code, as a byte."""


def grid_to_xsb(grid: np.ndarray, window: tuple[int, int, int, int] | None = None) -> str:
    """XSB text of a tile grid ``[H, W]``, optionally cropped to ``(top, left, height, width)``."""
    if window is not None:
        top, left, height, width = window
        grid = grid[top:top + height, left:left + width]
    width = grid.shape[1]
    text = np.ascontiguousarray(grid, dtype=np.uint8).tobytes().translate(_XSB_TABLE).decode()
    return "\n".join(text[i:i + width] for i in range(0, len(text), width))
