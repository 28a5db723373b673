"""Seeded procedural Sokoban levels, solvable by construction, with gym-sokoban's difficulty.

The algorithm is gym-sokoban's (Schrader 2018; Boxoban, GEM and TextArena descend from it),
written for speed:

1. *Room topology*: a random walk of ``1.7 * (H + W)`` steps carves floor out of a walled
   rectangle, turning with probability 0.35 at each step and stamping one of five small
   patterns where it stands, so the room is connected and irregular.
2. *Placement*: the player, then ``num_boxes`` goals, on distinct floor cells drawn uniformly.
3. *Reverse play*: boxes start on their goals, and a depth-first search over reverse moves
   (the player walks, or walks and pulls the box behind it; pulls tried first, up, down, left,
   right; depth at most 298, states never revisited) scores every position it reaches by
   its *room score*: ``box_swaps x displacement``, the number of pulls on the search path times
   the boxes' summed grid distance from their own goals. The position with the best score in
   which no goal is covered (no box and not the player on a goal) becomes the level. A room
   whose best score is 0 is redrawn.

gym-sokoban lets the search visit up to 300,000 positions (seconds per level in Python); we
stop it after ``max_states`` (default :data:`MAX_STATES`), keeping everything else equal, and
``benchmarks/sokoban.py`` checks that the levels keep its difficulty distribution. Every level
is solvable: replaying the search path backwards (each move reversed, each pull a push)
solves it, and :func:`generate_with_solution` returns that replay.

Difficulty labels (:func:`difficulty_label`) come from the displacement per box, so they
cost nothing at generation; see :data:`LABEL_BOUNDS` for the rule. All randomness comes
from the ``numpy.random.Generator`` passed in.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError
from .constants import ACTION_DELTAS, DOWN, LEFT, NUM_ACTIONS, RIGHT, UP
from .level import Level

_OPPOSITE = (DOWN, UP, RIGHT, LEFT)  # indexed by UP, DOWN, LEFT, RIGHT
_MASKS = (  # gym-sokoban's carving stamps, as (row, col) offsets from the walker
    ((0, -1), (0, 0), (0, 1)),
    ((-1, 0), (0, 0), (1, 0)),
    ((0, -1), (0, 0), (1, 0)),
    ((0, -1), (0, 0), (1, -1), (1, 0)),
    ((0, 0), (0, 1), (1, 0)),
)
P_CHANGE_DIRECTION = 0.35
"""Probability that the carving walk draws a new heading at a step (gym-sokoban's value)."""
SEARCH_DEPTH = 300
"""gym-sokoban's ``ttl``: the search reaches positions up to ``SEARCH_DEPTH - 2`` moves from the goals."""
MAX_STATES = 10_000
"""Positions the reverse-play search visits per room at most (gym-sokoban: 300,000)."""
MAX_ROOMS = 200
"""Rooms drawn per level before giving up (a room is redrawn when no position qualifies)."""
LABEL_BOUNDS = (2.0, 4.0)
"""Displacement per box below which a level is "easy", then "medium"; "hard" from the second on."""
LABELS = ("easy", "medium", "hard")


@dataclass(frozen=True, eq=False, repr=False)
class GeneratedLevel(Level):
    """A generated :class:`~.level.Level` with the reverse play's record.

    Attributes:
    ----------
    box_swaps:
        Pulls on the search path to this position.
    displacement:
        Summed grid (Manhattan) distance of each box from the goal it started on.
    score:
        The room score, ``box_swaps * displacement``.
    difficulty:
        ``"easy"``, ``"medium"`` or ``"hard"`` (:func:`difficulty_label`).
    """

    box_swaps: int
    displacement: int
    score: int
    difficulty: str

    def __repr__(self) -> str:
        return (f"GeneratedLevel(shape={self.shape}, boxes={self.num_boxes}, difficulty={self.difficulty!r}, "
                f"score={self.score})\n{self.to_xsb()}")


def difficulty_label(displacement: int, num_boxes: int) -> str:
    """``"easy"``/``"medium"``/``"hard"`` from the reverse play's displacement per box.

    The displacement is a cheap proxy for the pushes a solution needs (each push moves one box
    one cell): below ``LABEL_BOUNDS[0]`` cells per box is easy, below ``LABEL_BOUNDS[1]``
    medium, else hard.
    """
    per_box = displacement / num_boxes
    return LABELS[sum(per_box >= bound for bound in LABEL_BOUNDS)]


def room_topology(rng: np.random.Generator, dim_room: tuple[int, int]) -> np.ndarray:
    """Bool ``[H, W]`` floor mask carved by gym-sokoban's random walk; the border is always wall."""
    height, width = dim_room
    steps = int(1.7 * (height + width))
    draws = rng.random(3 * steps + 3).tolist()  # turns, headings, stamps; then the start and first heading
    turns, headings, stamps = draws[:steps], draws[steps:2 * steps], draws[2 * steps:3 * steps]
    row = 1 + int(draws[-3] * (height - 1))  # may start on the far border, as gym-sokoban's walk does
    col = 1 + int(draws[-2] * (width - 1))
    dr, dc = ACTION_DELTAS[int(draws[-1] * NUM_ACTIONS)]
    cells = []
    for turn, heading, stamp in zip(turns, headings, stamps):
        if turn < P_CHANGE_DIRECTION:
            dr, dc = ACTION_DELTAS[int(heading * NUM_ACTIONS)]
        row = min(max(row + dr, 1), height - 2)
        col = min(max(col + dc, 1), width - 2)
        cells += [(row + r) * width + col + c for r, c in _MASKS[int(stamp * len(_MASKS))]]
    floor = np.zeros(dim_room, dtype=bool)
    floor.ravel()[cells] = True
    floor[[0, -1], :] = False
    floor[:, [0, -1]] = False
    return floor


@functools.lru_cache(maxsize=16)
def _zobrist(size: int) -> tuple[list[int], list[int], list[int]]:
    """Fixed random 63-bit keys per cell for the player, a box never pulled and a pulled box."""
    keys = np.random.default_rng(0x50C0BA).integers(1, 2**63, (3, size), dtype=np.int64)
    return keys[0].tolist(), keys[1].tolist(), keys[2].tolist()


@dataclass
class _Best:
    """The best position the reverse play has found so far."""

    score: int = 0
    boxes: tuple[int, ...] = ()
    player: int = -1
    box_swaps: int = 0
    displacement: int = 0
    solution: tuple[int, ...] = ()


def reverse_search(
    floor: np.ndarray,
    goal_cells: list[int],
    player: int,
    max_states: int = MAX_STATES,
    min_pushes: int = 0,
    boxes_on_goals: bool = False,
) -> _Best:
    """gym-sokoban's reverse-play search from the solved position, bounded by ``max_states``.

    ``goal_cells`` and ``player`` are flat indices into ``floor``. A position qualifies when no
    goal is covered (with ``boxes_on_goals``: when some box is off its goal) and the boxes'
    summed distance to their nearest goals reaches ``min_pushes``; the best qualifying one by
    room score is returned (``score`` 0 and no boxes if none qualified), with the forward
    actions that solve it (the path reversed, from its last solved position on).
    """
    height, width = floor.shape
    size = height * width
    deltas = [dr * width + dc for dr, dc in ACTION_DELTAS]
    rows, cols = np.divmod(np.arange(size), width)
    goal_rc = np.array([divmod(g, width) for g in goal_cells])
    dist_np = np.abs(rows[None, :] - goal_rc[:, :1]) + np.abs(cols[None, :] - goal_rc[:, 1:])  # [boxes, cells]
    dist = dist_np.tolist()
    near = dist_np.min(axis=0).tolist()
    goal = [0] * size
    for cell in goal_cells:
        goal[cell] = 1
    num_boxes = len(goal_cells)
    # occ: 0 free, 1 wall, 2 box never pulled, 3 box pulled (gym-sokoban's codes, remapped); the
    # position's key is a Zobrist hash of the player and both kinds of box, updated move by move.
    occ = bytearray((~floor).ravel().astype(np.uint8).tobytes())
    z_player, z_still, z_pulled = _zobrist(size)
    box_at = [-1] * size
    pos = list(goal_cells)
    key = z_player[player]
    for index, cell in enumerate(goal_cells):
        occ[cell] = 2
        box_at[cell] = index
        key ^= z_still[cell]
    seen: set[int] = set()
    best = _Best()
    path: list[int] = []
    # Per floor cell: (action, cell moved to, cell behind, player key change) of each step onto floor.
    open_cells = floor.ravel().tolist()
    steps = [
        [(a, cell + d, cell - d, z_player[cell] ^ z_player[cell + d])
         for a, d in enumerate(deltas) if open_cells[cell + d]] if open_cells[cell] else []
        for cell in range(size)
    ]

    def visit(ttl: int, swaps: int, solved_at: int, here: int, key: int, shift: int, nearest: int, covered: int,
              on_goals: int) -> None:
        """Score the position, then search on from it.

        ``shift`` is the displacement, ``nearest`` the nearest-goal sum, ``covered`` the goals
        under a box or the player, ``on_goals`` the boxes on goals.
        """
        seen.add(key)
        if on_goals == num_boxes:
            solved_at = len(path)
        score = swaps * shift
        if score > best.score and nearest >= min_pushes and (on_goals < num_boxes if boxes_on_goals else not covered):
            best.score, best.box_swaps, best.displacement = score, swaps, shift
            best.boxes, best.player, best.solution = tuple(pos), here, tuple(path[solved_at:])
        ttl -= 1
        if ttl <= 0:  # the children's depth budget (gym-sokoban's ``ttl`` after its decrement) is spent
            return
        options = steps[here]
        for action, to, behind, change in options:  # gym-sokoban's order: four pulls (up, down, left, right) ...
            if occ[to]:
                continue
            box = box_at[behind]
            child = key ^ change
            if box < 0:  # nothing to pull: a plain move
                if child not in seen and len(seen) < max_states:
                    path.append(action)
                    visit(ttl, swaps, solved_at, to, child, shift, nearest, covered + goal[to] - goal[here], on_goals)
                    path.pop()
                continue
            was = occ[behind]
            child ^= (z_still if was == 2 else z_pulled)[behind] ^ z_pulled[here]
            if child in seen or len(seen) >= max_states:
                continue
            occ[behind], occ[here] = 0, 3
            box_at[behind], box_at[here] = -1, box
            pos[box] = here
            path.append(action)
            row = dist[box]
            visit(ttl, swaps + 1, solved_at, to, child, shift + row[here] - row[behind],
                  nearest + near[here] - near[behind], covered + goal[to] - goal[behind],
                  on_goals + goal[here] - goal[behind])
            path.pop()
            pos[box] = behind
            box_at[behind], box_at[here] = box, -1
            occ[behind], occ[here] = was, 0
        for action, to, behind, change in options:  # ... then four plain moves (new only away from a box)
            if occ[to] or box_at[behind] < 0:
                continue
            child = key ^ change
            if child not in seen and len(seen) < max_states:
                path.append(action)
                visit(ttl, swaps, solved_at, to, child, shift, nearest, covered + goal[to] - goal[here], on_goals)
                path.pop()

    visit(SEARCH_DEPTH - 1, 0, 0, player, key, 0, sum(near[c] for c in goal_cells), num_boxes + goal[player],
          num_boxes)
    best.solution = tuple(_OPPOSITE[a] for a in reversed(best.solution))
    return best


def max_boxes(dim_room: tuple[int, int]) -> int:
    """The most boxes the procedural generator is promised to fit in a room of ``dim_room``.

    Its random-walk rooms grow with ``height + width``, not with the area, and its reverse play
    needs room to move every box off its goal, so the bound grows with the perimeter too; it keeps
    a margin below what the generator met on 200 seeds (e.g. 3 of 4 on 6x6, 7 of 9+ on 10x10),
    and the tests reset rooms with this many boxes on many seeds.
    """
    height, width = dim_room
    return max(1, min((height - 2) * (width - 2) // 4, (height + width) // 2 - 3))


def check_generator_args(dim_room: tuple[int, int], num_boxes: int, min_pushes: int) -> None:
    """Raise :class:`~agentenvs.errors.ConfigError` for arguments no level can satisfy."""
    height, width = dim_room
    if height < 4 or width < 4 or max(height, width) < 5:
        raise ConfigError(f"dim_room={dim_room} is too small to generate levels in: rooms need at least 4 cells on "
                          "each side and 5 on one (walls included), e.g. (5, 4)")
    if num_boxes < 1 or num_boxes + 1 > (height - 2) * (width - 2):
        raise ConfigError(f"num_boxes={num_boxes} does not fit in a {height}x{width} room; use "
                          f"1..{max_boxes(dim_room)} (max_boxes: the bound generation keeps to)")
    if min_pushes < 0:
        raise ConfigError(f"min_pushes must be >= 0, got {min_pushes}")
    most = num_boxes * (height + width - 6)  # each box at most the inner room's diameter from a goal
    if min_pushes > most:
        raise ConfigError(f"min_pushes={min_pushes} is out of reach in a {height}x{width} room with {num_boxes} "
                          f"boxes (at most {most}); lower min_pushes or enlarge dim_room")


def generate_with_solution(
    rng: np.random.Generator,
    dim_room: tuple[int, int] = (10, 10),
    num_boxes: int = 3,
    min_pushes: int = 0,
    *,
    boxes_on_goals: bool = False,
    max_states: int = MAX_STATES,
) -> tuple[GeneratedLevel, list[int]]:
    """A random solvable level and a (non-optimal) action sequence that solves it.

    Args:
        rng: The only source of randomness.
        dim_room: ``(height, width)`` of the room, walls included; at least 4x4.
        num_boxes: Boxes (and goals) in the level.
        min_pushes: Every solution needs at least this many pushes (the boxes' summed grid
            distance to their nearest goals reaches it); rooms are redrawn until one does.
        boxes_on_goals: Let the level start with some (not all) boxes on goals, and the player
            on a goal; by default, as in gym-sokoban, no goal is covered at the start.
        max_states: Positions the reverse-play search visits per room at most.

    Raises:
        ConfigError: Impossible arguments, or no room out of :data:`MAX_ROOMS` met ``min_pushes``.
    """
    check_generator_args(dim_room, num_boxes, min_pushes)
    if max_states < 1:
        raise ConfigError(f"max_states must be >= 1, got {max_states}")
    height, width = dim_room
    for _ in range(MAX_ROOMS):
        floor = room_topology(rng, dim_room)
        cells = np.flatnonzero(floor)
        if len(cells) <= num_boxes + 1:  # gym-sokoban redraws such rooms too
            continue
        picks = rng.choice(len(cells), size=num_boxes + 1, replace=False)
        player, goal_cells = int(cells[picks[0]]), cells[picks[1:]].tolist()
        best = reverse_search(floor, goal_cells, player, max_states, min_pushes, boxes_on_goals)
        if best.score == 0:
            continue
        goals = np.zeros(height * width, dtype=bool)
        goals[goal_cells] = True
        boxes = np.zeros(height * width, dtype=bool)
        boxes[list(best.boxes)] = True
        level = GeneratedLevel(
            walls=~floor,
            goals=goals.reshape(dim_room),
            boxes=boxes.reshape(dim_room),
            player=divmod(best.player, width),
            box_swaps=best.box_swaps,
            displacement=best.displacement,
            score=best.score,
            difficulty=difficulty_label(best.displacement, num_boxes),
        )
        return level, list(best.solution)
    raise ConfigError(
        f"no {height}x{width} room with {num_boxes} boxes reached min_pushes={min_pushes} in "
        f"{MAX_ROOMS} rooms; lower min_pushes or enlarge dim_room"
    )


def generate_level(
    rng: np.random.Generator,
    dim_room: tuple[int, int] = (10, 10),
    num_boxes: int = 3,
    min_pushes: int = 0,
    *,
    boxes_on_goals: bool = False,
    max_states: int = MAX_STATES,
) -> GeneratedLevel:
    """A random solvable level; see :func:`generate_with_solution` for the arguments."""
    return generate_with_solution(
        rng, dim_room, num_boxes, min_pushes, boxes_on_goals=boxes_on_goals, max_states=max_states
    )[0]
