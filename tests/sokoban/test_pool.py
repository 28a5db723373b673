"""Compiled levels and the seeded LevelPool."""
import numpy as np
import pytest

from agentenvs.errors import ConfigError
from agentenvs.sokoban import LevelPool, generate_level, parse_xsb
from agentenvs.sokoban.constants import PLAYER, WALL
from agentenvs.sokoban.pool import compile_level


def test_compile_level_centres_the_level_and_precomputes_rule_data():
    level = parse_xsb("#####\n#@$.#\n#####")
    compiled = compile_level(level, (5, 7))
    assert compiled.window == (1, 1, 3, 5)
    assert compiled.grid[2, 2] == PLAYER and compiled.player == 2 * 7 + 2
    assert (compiled.grid[0] == WALL).all() and (compiled.grid[:, 0] == WALL).all()
    assert compiled.dead.shape == (5, 7) and not compiled.deadlock and compiled.boxes_on_target == 0
    with pytest.raises(ConfigError, match="dim_room"):
        compile_level(level, (2, 9))


def test_level_pool_is_seeded_and_stacks_compiled_levels():
    make = lambda rng: generate_level(rng, (7, 7), 2)  # noqa: E731
    a = LevelPool.generate(make, 6, seed=9, shape=(8, 8))
    b = LevelPool.generate(make, 6, seed=9, shape=(8, 8))
    assert a.levels == b.levels and len(a) == 6
    assert a.grids.shape == (6, 8, 8) and a.dead.shape == (6, 8, 8)
    assert (a.num_boxes == 2).all() and not a.deadlock.any()
    picks = a.sample(np.random.default_rng(0), 100)
    assert picks.min() >= 0 and picks.max() < 6 and len(set(picks.tolist())) == 6  # every level drawn
    assert np.array_equal(picks, a.sample(np.random.default_rng(0), 100))  # seeded
    assert not np.array_equal(picks, a.sample(np.random.default_rng(1), 100))


def test_generated_pool_starts_with_no_box_on_a_goal_and_keeps_the_labels():
    pool = LevelPool.generate(lambda rng: generate_level(rng, (6, 6), 3), 40, seed=1, shape=(6, 6))
    assert (pool.boxes_on_target == 0).all() and (pool.num_boxes == 3).all()
    labels = [level.difficulty for level in pool.levels]
    assert set(labels) <= {"easy", "medium", "hard"} and len(set(labels)) > 1


def test_empty_pool_is_a_config_error():
    with pytest.raises(ConfigError):
        LevelPool([], (5, 5))
