"""Seeded procedural Sokoban levels, solvable by construction.

A level is made in two stages, after gym-sokoban (Schrader 2018) but some 100x faster:

1. *Room topology*: a random walk carves floor out of a walled rectangle, stamping a small
   random 3x3 pattern at each step, so the room is connected and irregular.
2. *Reverse play*: boxes start on their goals and the player walks at random, sometimes
   pulling the box behind it (never into a spot where the box would shut it in). Every position reached this way is solvable: replaying the
   walk backwards (each move reversed, each pull a push) solves it, and
   :func:`generate_with_solution` returns that replay.

All randomness comes from the ``numpy.random.Generator`` passed in.
"""
from __future__ import annotations

import numpy as np

from ..errors import ConfigError
from .constants import ACTION_DELTAS, DOWN, LEFT, NUM_ACTIONS, RIGHT, UP
from .level import Level

_OPPOSITE = {UP: DOWN, DOWN: UP, LEFT: RIGHT, RIGHT: LEFT}
_MASKS = (  # gym-sokoban's carving stamps, as (row, col) offsets from the walker
    ((0, -1), (0, 0), (0, 1)),
    ((-1, 0), (0, 0), (1, 0)),
    ((0, -1), (0, 0), (1, 0)),
    ((0, -1), (0, 0), (1, -1), (1, 0)),
    ((0, 0), (0, 1), (1, 0)),
)
_STAMPS = np.array([list(m) + [(0, 0)] * (4 - len(m)) for m in _MASKS])  # padded to 4 cells each
_P_TURN = 0.35
_P_PULL = 0.5
_ROOMS_PER_CALL = 200
_WALKS_PER_ROOM = 4
_EXTEND = 4
_STRICT_ROOMS = 3


def room_topology(rng: np.random.Generator, dim_room: tuple[int, int]) -> np.ndarray:
    """Bool ``[H, W]`` floor mask carved by a random walk; the border is always wall."""
    height, width = dim_room
    steps = int(1.7 * (height + width))
    turns = (rng.random(steps) < _P_TURN).tolist()
    headings = rng.integers(0, NUM_ACTIONS, steps + 1).tolist()
    stamps = _STAMPS[rng.integers(0, len(_MASKS), steps)]  # [steps, 4, 2]
    row = int(rng.integers(1, height - 1))
    col = int(rng.integers(1, width - 1))
    dr, dc = ACTION_DELTAS[headings[-1]]
    path = []
    for turn, heading in zip(turns, headings):
        if turn:
            dr, dc = ACTION_DELTAS[heading]
        row = min(max(row + dr, 1), height - 2)
        col = min(max(col + dc, 1), width - 2)
        path.append((row, col))
    cells = np.array(path)[:, None, :] + stamps
    floor = np.zeros(dim_room, dtype=bool)
    floor[cells[..., 0], cells[..., 1]] = True
    floor[[0, -1], :] = False
    floor[:, [0, -1]] = False
    return floor


def _pullable(floor: np.ndarray) -> np.ndarray:
    """Bool ``[H, W]``: floor cells a box can be pulled off (some neighbour and the cell past it are floor)."""
    height, width = floor.shape
    padded = np.zeros((height + 4, width + 4), dtype=bool)
    padded[2:-2, 2:-2] = floor
    out = np.zeros_like(floor)
    for dr, dc in ACTION_DELTAS:
        near = padded[2 + dr:2 + dr + height, 2 + dc:2 + dc + width]
        far = padded[2 + 2 * dr:2 + 2 * dr + height, 2 + 2 * dc:2 + 2 * dc + width]
        out |= near & far
    return out & floor


def _reverse_play(
    rng: np.random.Generator, floor: np.ndarray, goal_cells: list[int], player: int, steps: int, min_pushes: int
) -> tuple[list[int], int, int, int, list[int]]:
    """Random walk with pulls from the solved position.

    The walk takes ``steps`` random steps, then goes on (up to ``_EXTEND`` times as long)
    until every box is off its goal and the boxes' summed grid distance to their nearest goals
    reaches ``min_pushes`` (each push moves one box one cell, so no solution pushes less).
    Returns the box cells, the player cell, the number of boxes off goal, that distance, and
    the solution: the walk since it last left a solved position, reversed, so that it solves
    the level on its last push and not before.
    """
    height, width = floor.shape
    rows, cols = np.divmod(np.arange(height * width), width)
    goal_rc = np.array([divmod(g, width) for g in goal_cells])
    near = (np.abs(rows[:, None] - goal_rc[:, 0]) + np.abs(cols[:, None] - goal_rc[:, 1])).min(axis=1).tolist()
    occupied = (~floor.ravel()).astype(np.int8)  # 0 free, 1 wall, 2 box
    occupied[goal_cells] = 2
    occupied = occupied.tolist()
    goal = [0] * len(occupied)
    for cell in goal_cells:
        goal[cell] = 1
    num_boxes = len(goal_cells)
    total = _EXTEND * steps
    moves = np.array([dr * width + dc for dr, dc in ACTION_DELTAS])[rng.integers(0, NUM_ACTIONS, total)].tolist()
    pull_draws = (rng.random(total) < _P_PULL).tolist()
    sideways = {1: width, -1: width, width: 1, -width: 1}
    distance = off_goal = solved_at = 0
    walk: list[int] = []
    for count in range(total):
        if count >= steps and off_goal == num_boxes and distance >= min_pushes:
            break
        d = moves[count]
        to = player + d
        if occupied[to]:
            continue
        behind = player - d
        # Pull, unless the box would shut the player into a dead end (then just walk).
        if occupied[behind] == 2 and pull_draws[count] and not (
            occupied[to + d] and occupied[to + sideways[d]] and occupied[to - sideways[d]]
        ):
            occupied[behind] = 0
            occupied[player] = 2
            off_goal += goal[behind] - goal[player]
            distance += near[player] - near[behind]
        walk.append(d)
        player = to
        if not off_goal:  # (still or again) solved: the solution starts after this move
            solved_at = len(walk)
    boxes = [cell for cell, what in enumerate(occupied) if what == 2]
    undo = {dr * width + dc: _OPPOSITE[a] for a, (dr, dc) in enumerate(ACTION_DELTAS)}
    return boxes, player, off_goal, distance, [undo[d] for d in reversed(walk[solved_at:])]


def check_generator_args(dim_room: tuple[int, int], num_boxes: int, min_pushes: int) -> None:
    """Raise :class:`~agentenvs.errors.ConfigError` for arguments no level can satisfy."""
    height, width = dim_room
    if height < 4 or width < 4 or max(height, width) < 5:
        raise ConfigError(f"dim_room={dim_room} is too small to generate levels in: rooms need at least 4 cells on "
                          "each side and 5 on one (walls included), e.g. (5, 4)")
    if num_boxes < 1 or num_boxes + 1 > (height - 2) * (width - 2):
        raise ConfigError(f"num_boxes={num_boxes} does not fit in a {height}x{width} room; use 1..{(height - 2) * (width - 2) - 1}")
    if min_pushes < 0:
        raise ConfigError(f"min_pushes must be >= 0, got {min_pushes}")


def generate_with_solution(
    rng: np.random.Generator,
    dim_room: tuple[int, int] = (10, 10),
    num_boxes: int = 3,
    min_pushes: int = 0,
) -> tuple[Level, list[int]]:
    """A random solvable level and a (non-optimal) action sequence that solves it.

    Parameters
    ----------
    rng:
        The only source of randomness.
    dim_room:
        ``(height, width)`` of the room, walls included; at least 4x4.
    num_boxes:
        Boxes (and goals) in the level.
    min_pushes:
        Difficulty knob: every solution of the level needs at least this many pushes (the
        boxes' summed grid distance to their nearest goals reaches it);
        walks and rooms are redrawn until one does.

    Up to three rooms are tried for a reverse play that moves every box off its goal;
    failing that, the attempt with the most boxes off goal is returned (so a few levels
    start with some boxes already on goals, as gym-sokoban's do).

    Raises:
    ------
    ConfigError
        Impossible arguments, or no room out of many met ``min_pushes``.
    """
    check_generator_args(dim_room, num_boxes, min_pushes)
    height, width = dim_room
    best: tuple[int, int, list[int], int, list[int], np.ndarray, list[int]] | None = None
    for room in range(_ROOMS_PER_CALL):
        floor = room_topology(rng, dim_room)
        cells = np.flatnonzero(floor)
        if len(cells) < num_boxes + 2:
            continue
        pullable = np.flatnonzero(_pullable(floor))
        if len(pullable) < num_boxes:
            continue
        goal_cells = rng.choice(pullable, size=num_boxes, replace=False).tolist()
        others = [cell for cell in cells.tolist() if cell not in goal_cells]
        start = others[int(rng.integers(len(others)))]
        for _ in range(_WALKS_PER_ROOM):
            boxes, player, off_goal, needed, solution = _reverse_play(
                rng, floor, goal_cells, start, 4 * len(cells), min_pushes
            )
            if off_goal and needed >= min_pushes and (best is None or (off_goal, needed) > best[:2]):
                best = (off_goal, needed, boxes, player, solution, floor, goal_cells)
            if best is not None and best[0] == num_boxes:
                break
        if best is not None and (best[0] == num_boxes or room + 1 >= _STRICT_ROOMS):
            break
    if best is not None:
        _, _, boxes, player, solution, floor, goal_cells = best
        goals = np.zeros(height * width, dtype=bool)
        goals[goal_cells] = True
        box_mask = np.zeros(height * width, dtype=bool)
        box_mask[boxes] = True
        level = Level(
            walls=~floor,
            goals=goals.reshape(dim_room),
            boxes=box_mask.reshape(dim_room),
            player=divmod(player, width),
        )
        return level, solution
    raise ConfigError(
        f"no {height}x{width} room with {num_boxes} boxes reached min_pushes={min_pushes} in "
        f"{_ROOMS_PER_CALL} tries; lower min_pushes or enlarge dim_room"
    )


def generate_level(
    rng: np.random.Generator,
    dim_room: tuple[int, int] = (10, 10),
    num_boxes: int = 3,
    min_pushes: int = 0,
) -> Level:
    """A random solvable level; see :func:`generate_with_solution` for the arguments."""
    return generate_with_solution(rng, dim_room, num_boxes, min_pushes)[0]
