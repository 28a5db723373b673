"""Procedural levels: seeded, solvable (by their recorded solution and by BFS), min_pushes honoured."""
from collections import deque

import numpy as np
import pytest

from agentenvs.errors import ConfigError
from agentenvs.sokoban import SokobanEnv, generate_level, generate_with_solution
from agentenvs.sokoban.generator import room_topology


def bfs_solvable(level, limit=200_000):
    """Plain BFS over (player, boxes): whether the level can be solved."""
    height, width = level.shape
    walls = level.walls.ravel()
    goals = frozenset(np.flatnonzero(level.goals).tolist())
    start = (level.player[0] * width + level.player[1], frozenset(np.flatnonzero(level.boxes).tolist()))
    seen, queue = {start}, deque([start])
    while queue and len(seen) < limit:
        player, boxes = queue.popleft()
        if boxes == goals:
            return True
        for d in (-width, width, -1, 1):
            to = player + d
            if walls[to]:
                continue
            new_boxes = boxes
            if to in boxes:
                beyond = to + d
                if walls[beyond] or beyond in boxes:
                    continue
                new_boxes = (boxes - {to}) | {beyond}
            state = (to, new_boxes)
            if state not in seen:
                seen.add(state)
                queue.append(state)
    return False


def test_same_seed_same_level_different_seed_different_level():
    a = generate_level(np.random.default_rng(5), (10, 10), 4)
    b = generate_level(np.random.default_rng(5), (10, 10), 4)
    c = generate_level(np.random.default_rng(6), (10, 10), 4)
    assert a == b and a != c


@pytest.mark.parametrize("dim_room, num_boxes", [((10, 10), 4), ((7, 7), 2), ((8, 12), 3)])
def test_recorded_solution_solves_the_level(dim_room, num_boxes):
    rng = np.random.default_rng(1)
    for _ in range(15):
        level, solution = generate_with_solution(rng, dim_room, num_boxes)
        assert level.shape == dim_room and level.num_boxes == num_boxes
        assert not level.is_solved()
        assert level.walls[[0, -1], :].all() and level.walls[:, [0, -1]].all()
        env = SokobanEnv(dim_room=dim_room, levels=level, max_steps=len(solution) + 1)
        env.reset(seed=0)
        rewards = [env.step(a)[1] for a in solution]
        assert rewards[-1] == 1.0 and sum(rewards) == 1.0
        assert env.current_level().is_solved()


def test_small_levels_are_solvable_by_bfs():
    rng = np.random.default_rng(2)
    for _ in range(10):
        assert bfs_solvable(generate_level(rng, (6, 6), 2))


def test_min_pushes_is_a_lower_bound_on_every_solution():
    from agentenvs.sokoban import solve

    rng = np.random.default_rng(3)
    for _ in range(5):
        level, solution = generate_with_solution(rng, (8, 8), 2, min_pushes=8)
        boxes = np.argwhere(level.boxes)
        goals = np.argwhere(level.goals)
        assert sum(np.abs(goals - b).sum(axis=1).min() for b in boxes) >= 8
        env = SokobanEnv(levels=level, max_steps=200)
        for plan in (solution, solve(level)):  # the recorded solution and an optimal one
            env.reset(seed=0)
            pushes = 0
            for action in plan:
                before = env.reward_state()["boxes"]
                env.step(action)
                pushes += not np.array_equal(before, env.reward_state()["boxes"])
            assert env.reward_state()["success"] and pushes >= 8


def test_impossible_arguments_are_config_errors():
    with pytest.raises(ConfigError, match="too small to generate levels in"):
        generate_level(np.random.default_rng(0), (4, 4), 1)
    with pytest.raises(ConfigError, match="num_boxes"):
        generate_level(np.random.default_rng(0), (5, 5), 20)
    with pytest.raises(ConfigError, match="min_pushes"):
        generate_level(np.random.default_rng(0), (5, 5), 1, min_pushes=10_000)


def test_room_is_connected_and_walled():
    floor = room_topology(np.random.default_rng(0), (10, 10))
    cells = set(map(tuple, np.argwhere(floor)))
    seen, stack = set(), [next(iter(cells))]
    while stack:
        r, c = stack.pop()
        if (r, c) in seen or (r, c) not in cells:
            continue
        seen.add((r, c))
        stack += [(r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)]
    assert seen == cells
    assert not floor[[0, -1], :].any() and not floor[:, [0, -1]].any()
