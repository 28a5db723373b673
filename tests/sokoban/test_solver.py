"""The solver returns valid, move-optimal plans, and raises its specific errors."""
from __future__ import annotations

from collections import deque

import numpy as np
import pytest

from agentenvs.errors import SolverBudgetError, UnsolvableLevelError
from agentenvs.sokoban import solver
from agentenvs.sokoban.constants import ACTION_DELTAS
from agentenvs.sokoban.generator import generate_level
from agentenvs.sokoban.level import Level, parse_xsb
from agentenvs.sokoban.solver import difficulty, solve


def step(walls: np.ndarray, boxes: frozenset, player: tuple[int, int], action: int):
    """One Sokoban move on plain arrays (independent of the env's rules)."""
    dr, dc = ACTION_DELTAS[action]
    to = (player[0] + dr, player[1] + dc)
    if walls[to]:
        return boxes, player
    if to in boxes:
        beyond = (to[0] + dr, to[1] + dc)
        if walls[beyond] or beyond in boxes:
            return boxes, player
        boxes = (boxes - {to}) | {beyond}
    return boxes, to


def cells(mask: np.ndarray) -> frozenset:
    return frozenset(map(tuple, np.argwhere(mask).tolist()))


def solves(level: Level, actions: list[int]) -> bool:
    """Whether playing ``actions`` ends with every box on a goal (and not before the last action)."""
    boxes, player, goals = cells(level.boxes), level.player, cells(level.goals)
    for i, action in enumerate(actions):
        assert boxes != goals, f"solved already before action {i}: plan is not minimal"
        boxes, player = step(level.walls, boxes, player, action)
    return boxes == goals


def brute_force_moves(level: Level, limit: int = 200_000) -> int | None:
    """Fewest moves by breadth-first search over single steps (None if unsolvable)."""
    start = (level.player, cells(level.boxes))
    goals = cells(level.goals)
    seen = {start}
    queue = deque([(start, 0)])
    while queue:
        (player, boxes), depth = queue.popleft()
        if boxes == goals:
            return depth
        for action in range(len(ACTION_DELTAS)):
            nxt_boxes, nxt_player = step(level.walls, boxes, player, action)
            state = (nxt_player, nxt_boxes)
            if state not in seen:
                seen.add(state)
                queue.append((state, depth + 1))
        assert len(seen) < limit, "brute force blew its limit; use a smaller level"
    return None


HAND_MADE = [
    # (xsb, optimal moves)
    ("#####\n#@$.#\n#####", 1),
    ("######\n#@ $.#\n######", 2),
    ("#####\n#.  #\n# $ #\n#  @#\n#####", 5),  # step, push, walk 2 round the box, push
    ("######\n#    #\n# $$ #\n#@.. #\n######", 7),  # walk 3 above the boxes, push, walk 2, push
    ("#######\n#.@ $ #\n#######", None),  # the box can only go right, away from the goal
    ("#######\n#  .  #\n# #$# #\n#  @  #\n#######", 1),
]


@pytest.mark.parametrize("xsb, optimal", [(x, n) for x, n in HAND_MADE if n is not None])
def test_hand_made_levels_solved_optimally(xsb: str, optimal: int) -> None:
    level = parse_xsb(xsb)
    plan = solve(level)
    assert solves(level, plan)
    assert len(plan) == optimal == brute_force_moves(level)


def test_accepts_xsb_text_and_level_alike() -> None:
    xsb = HAND_MADE[3][0]
    assert solve(xsb) == solve(parse_xsb(xsb))


def test_walk_then_push_is_counted_in_moves() -> None:
    # The player starts between box and goal: 4 steps round the box, then 2 pushes right.
    level = parse_xsb("######\n#    #\n# $@.#\n#    #\n######")
    plan = solve(level)
    assert solves(level, plan)
    assert len(plan) == brute_force_moves(level) == 6


@pytest.mark.parametrize("seed", range(12))
def test_generated_levels_match_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    level = generate_level(rng, dim_room=(7, 7), num_boxes=2)
    plan = solve(level)
    assert solves(level, plan)
    assert len(plan) == brute_force_moves(level)


def test_plan_replays_in_the_env() -> None:
    from agentenvs.sokoban.env import SokobanEnv

    level = generate_level(np.random.default_rng(3), dim_room=(8, 8), num_boxes=3)
    env = SokobanEnv(dim_room=(8, 8), levels=[level], max_steps=500)
    env.reset(seed=0)
    plan = solve(level)
    terminated = False
    for i, action in enumerate(plan):
        assert not terminated
        _, _, terminated, truncated, info = env.step(action)
        assert not truncated and not info["deadlock"], f"step {i}"
    assert terminated and info["is_success"]


def test_already_solved_level_needs_no_action() -> None:
    level = parse_xsb("#####\n#@* #\n#####")
    assert solve(level) == []
    assert difficulty(level) == {"moves": 0, "pushes": 0, "nodes": 0}


def test_difficulty_reports_moves_pushes_and_nodes() -> None:
    level = parse_xsb("######\n#    #\n# $@.#\n#    #\n######")
    labels = difficulty(level)
    assert labels["moves"] == 6 and labels["pushes"] == 2 and labels["nodes"] >= 2


@pytest.mark.parametrize(
    "xsb",
    [
        "#######\n#.@ $ #\n#######",  # box can only be pushed away from the goal
        "#####\n#$ .#\n#  @#\n#####",  # box in a corner off goal
        "######\n#@   #\n# $$ #\n# $$ #\n#....#\n######",  # 2x2 block of boxes, frozen from the start
        "#######\n## ####\n#  $@.#\n#######",  # only a search shows the player never gets behind the box
    ],
)
def test_unsolvable_levels_raise(xsb: str) -> None:
    level = parse_xsb(xsb)
    assert brute_force_moves(level) is None
    with pytest.raises(UnsolvableLevelError, match="unsolvable"):
        solve(level)


def test_freeze_deadlock_is_pruned_but_on_goal_blocks_allowed() -> None:
    # Solution needs two boxes side by side against the wall on goals (a frozen but solved block).
    level = parse_xsb("######\n#@   #\n# $$ #\n# .. #\n######")
    plan = solve(level)
    assert solves(level, plan) and len(plan) == brute_force_moves(level)


def test_budget_error_names_the_budget() -> None:
    level = generate_level(np.random.default_rng(0), dim_room=(10, 10), num_boxes=4, min_pushes=10)
    with pytest.raises(SolverBudgetError, match=r"max_nodes=1 .*max_nodes=10"):
        solve(level, max_nodes=1)


def test_nearest_goal_bound_beyond_the_matching_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    # Above _MATCHING_MAX_BOXES the heuristic falls back to each box's nearest goal: still optimal.
    monkeypatch.setattr(solver, "_MATCHING_MAX_BOXES", 1)
    corridor = "#######\n#@    #\n# $ $ #\n#     #\n##.####\n##.####\n#######"
    for xsb in ("######\n#    #\n# $$ #\n#@.. #\n######", corridor):
        level = parse_xsb(xsb)
        plan = solve(level)
        assert solves(level, plan) and len(plan) == brute_force_moves(level)
