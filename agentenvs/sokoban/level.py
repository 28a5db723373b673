"""Sokoban levels: the :class:`Level` value, and XSB / Boxoban text in and out.

XSB: ``#`` wall, `` `` (or ``-``/``_``) floor, ``.`` goal, ``$`` box, ``*`` box on goal,
``@`` player, ``+`` player on goal. Floor outside the walls (the usual ragged left margin) is
treated as wall. Boxoban files hold many 10x10 levels, each after a ``; <index>`` line.
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Union

import numpy as np

from ..errors import LevelError

FLOOR_CHARS = frozenset(" -_")
LEVEL_CHARS = frozenset("#.$*@+") | FLOOR_CHARS

LevelSource = Union[str, os.PathLike, "Level", Sequence[Union[str, "Level"]]]


@dataclass(frozen=True, eq=False)
class Level:
    """One Sokoban position. Arrays are ``[H, W]`` bool; ``player`` is ``(row, col)``."""

    walls: np.ndarray
    goals: np.ndarray
    boxes: np.ndarray
    player: tuple[int, int]

    @property
    def shape(self) -> tuple[int, int]:
        height, width = self.walls.shape
        return height, width

    @property
    def num_boxes(self) -> int:
        return int(self.boxes.sum())

    def is_solved(self) -> bool:
        """All boxes on goals."""
        return bool(np.array_equal(self.boxes, self.goals))

    def to_xsb(self) -> str:
        """Standard XSB text, one line per row, no trailing newline."""
        return format_xsb(self.walls, self.goals, self.boxes, self.player)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return (
            self.player == other.player
            and np.array_equal(self.walls, other.walls)
            and np.array_equal(self.goals, other.goals)
            and np.array_equal(self.boxes, other.boxes)
        )

    def __hash__(self) -> int:
        return hash((self.walls.tobytes(), self.goals.tobytes(), self.boxes.tobytes(), self.player, self.walls.shape))

    def __repr__(self) -> str:
        return f"Level(shape={self.shape}, boxes={self.num_boxes})\n{self.to_xsb()}"


def outside_cells(walls: np.ndarray) -> np.ndarray:
    """Bool ``[H, W]``: the cells beyond the room's walls, which XSB writes as spaces.

    They are the walls that touch no room cell (of their 8 neighbours) and join the level's border
    through such walls; walls inside the room, however thick, are not outside.
    """
    height, width = walls.shape
    room = np.pad(~walls, 1)
    touches = np.zeros_like(walls)
    for dr in range(3):
        for dc in range(3):
            touches |= room[dr:dr + height, dc:dc + width]
    lone = (walls & ~touches).tolist()
    outside = np.zeros_like(walls)
    stack = [(r, c) for r in range(height) for c in range(width)
             if lone[r][c] and (r in (0, height - 1) or c in (0, width - 1))]
    while stack:
        r, c = stack.pop()
        if outside[r, c]:
            continue
        outside[r, c] = True
        for nr, nc in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
            if 0 <= nr < height and 0 <= nc < width and lone[nr][nc] and not outside[nr, nc]:
                stack.append((nr, nc))
    return outside


def blank_outside(text: str, outside: np.ndarray) -> str:
    """XSB rows ``text`` of a whole ``[H, W]`` rectangle with the ``outside`` cells as spaces.

    Trailing spaces are trimmed and rows wholly outside dropped (a blank line would end the level in
    a collection), so the text parses back to itself.
    """
    raw = bytearray(text.encode())
    cells = np.flatnonzero(outside)
    for at in (cells + cells // outside.shape[1]).tolist():  # each row ends in a newline
        raw[at] = 32
    return "\n".join(line.rstrip(" ") for line in raw.decode().split("\n")).strip("\n")


def xsb_offsets(outside: np.ndarray) -> np.ndarray:
    """Int ``[H, W]``: where each cell of a window sits in :func:`blank_outside`'s text, -1 where it writes none.

    Lets a text observation be updated in place, cell by cell, instead of rendered anew each step.
    """
    height, width = outside.shape
    offsets = np.full((height, width), -1, dtype=np.int64)
    kept = np.flatnonzero(~outside.all(axis=1))  # rows wholly outside are dropped from the text
    at = 0
    for row in range(int(kept[0]), int(kept[-1]) + 1) if kept.size else ():
        inside = np.flatnonzero(~outside[row])
        length = int(inside[-1]) + 1 if inside.size else 0  # trailing outside cells are trimmed
        offsets[row, :length] = np.arange(at, at + length)
        at += length + 1
    offsets[outside] = -1
    return offsets


def format_xsb(walls: np.ndarray, goals: np.ndarray, boxes: np.ndarray, player: tuple[int, int]) -> str:
    """XSB text of a position given as arrays, spaces outside the walls (:func:`outside_cells`)."""
    rows = []
    pr, pc = player
    for r in range(walls.shape[0]):
        line = []
        for c in range(walls.shape[1]):
            if walls[r, c]:
                ch = "#"
            elif (r, c) == (pr, pc):
                ch = "+" if goals[r, c] else "@"
            elif boxes[r, c]:
                ch = "*" if goals[r, c] else "$"
            else:
                ch = "." if goals[r, c] else " "
            line.append(ch)
        rows.append("".join(line))
    return blank_outside("\n".join(rows), outside_cells(walls))


def parse_xsb(text: str, first_line: int = 1) -> Level:
    """Parse one level in XSB text.

    Raises:
    ------
    LevelError
        Unknown character, no player or several, boxes and goals in different numbers, a
        room open to the outside, or a box/goal outside the player's room; the message names
        the line and column (1-based, counted from ``first_line``).
    """
    lines = [ln.rstrip("\r\n") for ln in text.split("\n")]
    while lines and not lines[-1].strip():
        lines.pop()
    lead = 0
    while lead < len(lines) and not lines[lead].strip():
        lead += 1
    lines = lines[lead:]
    first_line += lead
    if not lines:
        raise LevelError("empty level text: expected XSB rows of '#', ' ', '.', '$', '*', '@', '+'")
    height, width = len(lines), max(len(ln) for ln in lines)
    walls = np.zeros((height, width), dtype=bool)
    goals = np.zeros_like(walls)
    boxes = np.zeros_like(walls)
    present = np.zeros_like(walls)  # cell written in the text (not ragged padding)
    players: list[tuple[int, int]] = []
    for r, line in enumerate(lines):
        for c, ch in enumerate(line):
            if ch not in LEVEL_CHARS:
                raise LevelError(
                    f"unknown character {ch!r} in level; XSB uses '#', ' ', '-', '_', '.', '$', '*', '@', '+'",
                    first_line + r, c + 1,
                )
            present[r, c] = True
            walls[r, c] = ch == "#"
            goals[r, c] = ch in ".*+"
            boxes[r, c] = ch in "$*"
            if ch in "@+":
                players.append((r, c))
    if not players:
        raise LevelError("level has no player: put '@' (or '+' on a goal) in the room", first_line)
    if len(players) > 1:
        (r0, c0), (r1, c1) = players[0], players[1]
        raise LevelError(
            f"level has {len(players)} players (first at line {first_line + r0}, column {c0 + 1}); "
            "keep exactly one '@'/'+'",
            first_line + r1, c1 + 1,
        )
    n_boxes, n_goals = int(boxes.sum()), int(goals.sum())
    if n_boxes == 0:
        raise LevelError("level has no boxes: add at least one '$' and one '.'", first_line)
    if n_boxes != n_goals:
        raise LevelError(f"level has {n_boxes} boxes but {n_goals} goals; they must be equal", first_line)
    room = _flood_room(walls, present, players[0], first_line)
    for name, grid in (("box", boxes), ("goal", goals)):
        outside = grid & ~room
        if outside.any():
            r, c = map(int, np.argwhere(outside)[0])
            raise LevelError(f"{name} lies outside the player's walled room", first_line + r, c + 1)
    walls = walls | ~room
    return Level(walls=walls, goals=goals, boxes=boxes, player=players[0])


def _flood_room(walls: np.ndarray, present: np.ndarray, start: tuple[int, int], first_line: int) -> np.ndarray:
    """Cells reachable from the player through non-walls; raise if the room leaks outside."""
    height, width = walls.shape
    room = np.zeros_like(walls)
    stack = [start]
    room[start] = True
    while stack:
        r, c = stack.pop()
        for nr, nc in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
            if not (0 <= nr < height and 0 <= nc < width) or not present[nr, nc]:
                raise LevelError(
                    "room is open: the cell here is reachable from the player but lies on the border "
                    "without a wall beyond it; close the room with '#'",
                    first_line + r, c + 1,
                )
            if not walls[nr, nc] and not room[nr, nc]:
                room[nr, nc] = True
                stack.append((nr, nc))
    return room


def _split_levels(text: str) -> list[tuple[int, str]]:
    """Split a multi-level text (XSB collections or Boxoban files) into (first_line, level_text)."""
    blocks: list[tuple[int, str]] = []
    current: list[str] = []
    start = 1
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r")
        is_level_row = bool(line.strip()) and set(line) <= LEVEL_CHARS and "#" in line
        if is_level_row:
            if not current:
                start = number
            current.append(line)
        else:
            if current:
                blocks.append((start, "\n".join(current)))
                current = []
            # a row with walls and a stray character is a typo in a level; other text is a title
            if "#" in line and not (line.lstrip().startswith((";", "'", "Title", "Author", "Comment")) or ":" in line):
                if set(line.strip()) - LEVEL_CHARS:
                    bad = next(ch for ch in line if ch not in LEVEL_CHARS)
                    raise LevelError(f"unknown character {bad!r} in level file", number, line.index(bad) + 1)
    if current:
        blocks.append((start, "\n".join(current)))
    return blocks


def parse_levels(text: str) -> list[Level]:
    """Parse every level in an XSB collection or a Boxoban-format text."""
    blocks = _split_levels(text)
    if not blocks:
        raise LevelError("no level found in text: expected rows of XSB characters")
    return [parse_xsb(body, first_line=start) for start, body in blocks]


def _read_levels(path: Path) -> list[Level]:
    if not path.is_file():
        raise LevelError(f"level file {str(path)!r} does not exist "
                         "(pass XSB text with newlines, or a path to an .xsb / Boxoban file)")
    return parse_levels(path.read_text())


def load_levels(source: LevelSource) -> list[Level]:
    """Levels from one XSB string, a list of XSB strings / Levels, or a path to an .xsb / Boxoban file."""
    if isinstance(source, Level):
        return [source]
    if isinstance(source, os.PathLike):
        return _read_levels(Path(source))
    if isinstance(source, str) and "\n" not in source and source.strip() and not set(source) <= LEVEL_CHARS:
        return _read_levels(Path(source))
    if isinstance(source, str):
        return parse_levels(source)
    if isinstance(source, Iterable):
        out: list[Level] = []
        for item in source:
            out.extend(load_levels(item))
        if not out:
            raise LevelError("empty list of levels")
        return out
    raise LevelError(f"cannot read levels from {type(source).__name__}; pass XSB text, a list of them, or a file path")
