"""Move-optimal Sokoban solver: A* over pushes, each push costed by the walk to it plus one.

Any solution is a sequence of (walk, push) segments: between two pushes the boxes stand
still, so the best walk is a shortest path around them, and after a push the player stands
where the box was. Searching over positions *after each push* with edge cost
``walk distance + 1`` is therefore exact in the number of moves, and far smaller than a
search over single steps.

- State: the player's flat cell and the sorted tuple of box cells (the grid is padded by one
  wall all round, so neighbours of a floor cell are always inside it).
- Heuristic: a minimum-cost matching of boxes to goals, each pair costed by the number of
  pushes the box needs to reach that goal on the empty board (a pull search from each goal).
  Every push moves one box one cell, so this never over-estimates, and it is consistent.
- Pruning, both sound: a box pushed onto a dead square (off goal, and no goal reachable by
  pushing) and a freeze deadlock (a box off goal that can move along neither axis again,
  because of walls, dead squares or other frozen boxes; 2x2 blocks are a special case).
"""
from __future__ import annotations

import heapq
from collections import deque
from itertools import count
from typing import Any

import numpy as np

from ..errors import LevelError, SolverBudgetError, UnsolvableLevelError
from .constants import ACTION_DELTAS
from .level import Level, parse_xsb

_INF = 1 << 30
_MATCHING_MAX_BOXES = 10
"""Above this many boxes the heuristic is the sum of each box's nearest goal (still admissible)."""


class _Board:
    """Static facts of one level on the padded grid: walls, goals, push distances, dead squares."""

    def __init__(self, level: Level):
        walls = np.pad(level.walls, 1, constant_values=True)
        goals = np.pad(level.goals, 1)
        height, width = walls.shape
        self.width = width
        self.deltas = tuple(dr * width + dc for dr, dc in ACTION_DELTAS)
        self.wall = walls.ravel().tolist()
        self.goal = goals.ravel().tolist()
        self.goal_cells = np.flatnonzero(goals).tolist()
        self.start_boxes = tuple(np.flatnonzero(np.pad(level.boxes, 1)).tolist())
        self.start_player = (level.player[0] + 1) * width + level.player[1] + 1
        size = height * width
        self.neighbours = [
            [] if self.wall[cell] else [cell + d for d in self.deltas if not self.wall[cell + d]]
            for cell in range(size)
        ]
        # push_dist[g][c]: pushes to bring a lone box from c to goal g (pull search from g).
        self.push_dist = [self._pull_distances(g) for g in self.goal_cells]
        self.nearest = [min(dist[c] for dist in self.push_dist) for c in range(size)]
        self.dead = [not self.wall[c] and self.nearest[c] >= _INF for c in range(size)]
        # For each goal subset (mask): the box matched next (popcount) and the goals still free.
        n = len(self.goal_cells)
        self._matching = None if n > _MATCHING_MAX_BOXES else [
            (mask, bin(mask).count("1"), [(1 << g, self.push_dist[g]) for g in range(n) if not mask >> g & 1])
            for mask in range((1 << n) - 1)
        ]

    def _pull_distances(self, goal: int) -> list[int]:
        dist = [_INF] * len(self.wall)
        dist[goal] = 0
        queue = deque([goal])
        while queue:
            cell = queue.popleft()
            for d in self.deltas:
                src = cell - d  # the box came from src, pushed by a player standing at src - d
                if dist[src] >= _INF and not self.wall[src] and not self.wall[src - d]:
                    dist[src] = dist[cell] + 1
                    queue.append(src)
        return dist

    def heuristic(self, boxes: tuple[int, ...]) -> int:
        """Lower bound on the pushes left: min-cost box-to-goal matching (``_INF`` if none exists)."""
        if self._matching is None:
            return sum(self.nearest[b] for b in boxes)
        # best[mask]: cheapest matching of the first popcount(mask) boxes to the goals in mask.
        best = [_INF] * (1 << len(boxes))
        best[0] = 0
        for mask, index, free in self._matching:
            cost = best[mask]
            if cost >= _INF:
                continue
            box = boxes[index]
            for bit, dist in free:
                total = cost + dist[box]
                if total < best[mask | bit]:
                    best[mask | bit] = total
        return min(best[-1], _INF)

    def frozen(self, cell: int, blocked: bytearray) -> bool:
        """Whether the box on ``cell`` is in a freeze deadlock (some frozen box of its group off goal).

        ``blocked`` marks walls and boxes. A box is frozen along an axis when a wall is beside
        it on that axis, or dead squares lie on both sides, or a neighbouring box on that axis
        is itself frozen (checked with the first box treated as a wall, which avoids cycles).
        """
        width, dead = self.width, self.dead
        for a, b in ((cell - 1, cell + 1), (cell - width, cell + width)):
            if not blocked[a] and not blocked[b] and not (dead[a] and dead[b]):
                return False  # free to move along this axis (fast path of the full test below)
        group: list[int] = []
        if self._frozen(cell, blocked, group, set()):
            return any(not self.goal[c] for c in group)
        return False

    def _frozen(self, cell: int, blocked: bytearray, group: list[int], members: set[int]) -> bool:
        members.add(cell)
        group.append(cell)
        width = self.width
        for a, b in ((cell - 1, cell + 1), (cell - width, cell + width)):
            if self.wall[a] or self.wall[b] or (self.dead[a] and self.dead[b]):
                continue
            if blocked[a] and self._holds(a, blocked, group, members):
                continue
            if blocked[b] and self._holds(b, blocked, group, members):
                continue
            return False
        return True

    def _holds(self, cell: int, blocked: bytearray, group: list[int], members: set[int]) -> bool:
        """Whether the box on ``cell`` is frozen given the group so far.

        A failed try is rolled back, so every box left in the group is frozen on account of walls,
        dead squares and the group alone.
        """
        if cell in members:
            return True
        mark = len(group)
        if self._frozen(cell, blocked, group, members):
            return True
        members.difference_update(group[mark:])
        del group[mark:]
        return False


def _walk_distances(start: int, blocked: bytearray, neighbours: list[list[int]]) -> dict[int, int]:
    """Steps from ``start`` to every cell the player reaches without pushing."""
    dist = {start: 0}
    frontier = [start]
    steps = 0
    while frontier:
        steps += 1
        nxt = []
        for cell in frontier:
            for n in neighbours[cell]:
                if not blocked[n] and n not in dist:
                    dist[n] = steps
                    nxt.append(n)
        frontier = nxt
    return dist


def _walk_path(board: _Board, start: int, target: int, blocked: bytearray) -> list[int]:
    """Actions of a shortest walk from ``start`` to ``target`` around ``blocked``."""
    came: dict[int, tuple[int, int]] = {start: (-1, -1)}
    queue = deque([start])
    while queue:
        cell = queue.popleft()
        if cell == target:
            break
        for action, d in enumerate(board.deltas):
            n = cell + d
            if not blocked[n] and n not in came:
                came[n] = (cell, action)
                queue.append(n)
    path = []
    cell = target
    while cell != start:
        cell, action = came[cell]
        path.append(action)
    return path[::-1]


def _as_level(level: Level | str) -> Level:
    return parse_xsb(level) if isinstance(level, str) else level


def _search(level: Level, max_nodes: int) -> tuple[list[list[int]], int]:
    """A* over pushes; returns the action segments (a walk and its push, one per push) and the nodes expanded."""
    if level.num_boxes != int(level.goals.sum()):
        raise LevelError(f"level has {level.num_boxes} boxes but {int(level.goals.sum())} goals; they must be equal")
    board = _Board(level)
    boxes = board.start_boxes
    if all(board.goal[b] for b in boxes):
        return [], 0
    blocked = bytearray(board.wall)
    for b in boxes:
        blocked[b] = 1
    for b in boxes:
        if board.dead[b] or board.frozen(b, blocked):
            raise UnsolvableLevelError(f"level is unsolvable: the box at {_row_col(board, b)} can never reach a goal")
    h0 = board.heuristic(boxes)
    if h0 >= _INF:
        raise UnsolvableLevelError("level is unsolvable: the boxes cannot all be pushed onto distinct goals")

    start = (board.start_player, boxes)
    # state -> (moves so far, previous state, box pushed, action); states are (player, boxes).
    # The heuristic is consistent, so a state's first expansion is at its best cost, and a
    # heap entry whose cost exceeds the best known one is stale.
    seen: dict[tuple[int, tuple[int, ...]], tuple[int, Any, int, int]] = {start: (0, None, -1, -1)}
    h_cache = {boxes: h0}
    tie = count()
    # Entries: (f, -g, tiebreak, g, state); among equal f, deeper states first.
    heap = [(h0, 0, next(tie), 0, start)]
    wall, goal, dead, deltas, neighbours = board.wall, board.goal, board.dead, board.deltas, board.neighbours
    nodes = 0
    while heap:
        _, _, _, g, state = heapq.heappop(heap)
        if g > seen[state][0]:
            continue
        player, boxes = state
        if all(goal[b] for b in boxes):
            return _replay(board, state, seen), nodes
        if nodes >= max_nodes:
            raise SolverBudgetError(
                f"solver expanded max_nodes={max_nodes} positions without solving the level; "
                f"pass a larger budget, e.g. solve(level, max_nodes={max_nodes * 10})"
            )
        nodes += 1
        blocked = bytearray(wall)
        for b in boxes:
            blocked[b] = 1
        reach = _walk_distances(player, blocked, neighbours)
        for i, b in enumerate(boxes):
            for action, d in enumerate(deltas):
                walk = reach.get(b - d)
                to = b + d
                if walk is None or blocked[to] or dead[to]:
                    continue
                blocked[b] = 0
                blocked[to] = 1
                stuck = board.frozen(to, blocked)
                blocked[to] = 0
                blocked[b] = 1
                if stuck:
                    continue
                new_boxes = tuple(sorted(boxes[:i] + (to,) + boxes[i + 1:]))
                child = (b, new_boxes)
                new_g = g + walk + 1
                known = seen.get(child)
                if known is not None and new_g >= known[0]:
                    continue
                h = h_cache.get(new_boxes)
                if h is None:
                    h = h_cache[new_boxes] = board.heuristic(new_boxes)
                if h >= _INF:
                    continue
                seen[child] = (new_g, state, b, action)
                heapq.heappush(heap, (new_g + h, -new_g, next(tie), new_g, child))
    raise UnsolvableLevelError(
        f"level is unsolvable: every sequence of pushes ends in a deadlock ({nodes} positions searched)"
    )


def _row_col(board: _Board, cell: int) -> tuple[int, int]:
    row, col = divmod(cell, board.width)
    return row - 1, col - 1


def _replay(board: _Board, state: tuple[int, tuple[int, ...]], seen: dict) -> list[list[int]]:
    """The walk-then-push action segments, one per push, of the chain ending in ``state``."""
    chain = []
    while seen[state][1] is not None:
        _, prev, box, action = seen[state]
        chain.append((prev, box, action))
        state = prev
    segments = []
    for (player, boxes), box, action in reversed(chain):
        blocked = bytearray(board.wall)
        for b in boxes:
            blocked[b] = 1
        segments.append(_walk_path(board, player, box - board.deltas[action], blocked) + [action])
    return segments


def solve(level: Level | str, max_nodes: int = 2_000_000) -> list[int]:
    """A move-optimal solution: the fewest actions (pushes included) that put every box on a goal.

    Parameters
    ----------
    level:
        A :class:`~.level.Level` or its XSB text.
    max_nodes:
        Budget of positions (after a push) the search may expand. Generated 10x10 levels with
        4 boxes need tens to a few thousand; memory grows by roughly 1-2 kB per position.

    Returns:
    -------
    list[int]
        Actions ``0=up, 1=down, 2=left, 3=right`` (:data:`.constants.ACTION_DELTAS`); empty
        when the level is already solved.

    Raises:
    ------
    SolverBudgetError
        The budget ran out first; the message says how to raise it.
    UnsolvableLevelError
        The search proved that no solution exists.
    """
    return [action for segment in _search(_as_level(level), max_nodes)[0] for action in segment]


def difficulty(level: Level | str, max_nodes: int = 2_000_000) -> dict[str, int]:
    """Difficulty labels of a level from one optimal solve.

    Returns ``{"moves": ..., "pushes": ..., "nodes": ...}``: the optimal number of actions, the
    pushes in the solution found (move-optimal, not necessarily push-optimal) and the
    positions the search expanded. Raises as :func:`solve` does.
    """
    segments, nodes = _search(_as_level(level), max_nodes)
    return {"moves": sum(map(len, segments)), "pushes": len(segments), "nodes": nodes}
