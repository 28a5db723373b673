"""Zobrist state keys: a function of the grid, kept current move by move."""
from __future__ import annotations

import gymnasium as gym
import numpy as np

import agentenvs  # noqa: F401  (registers the ids)
from agentenvs.sokoban.constants import DOWN, LEFT, RIGHT, UP
from agentenvs.sokoban.keys import zobrist_keys

LEVEL = "######\n#    #\n# .$@#\n#    #\n######"


def test_keys_follow_positions_not_paths():
    env = gym.make("agentenvs/Sokoban-Tiny-v0", levels=[LEVEL]).unwrapped
    env.reset(seed=0)
    start = env.state_key()
    env.step(UP)
    moved = env.state_key()
    env.step(DOWN)
    assert env.state_key() == start != moved  # back where it started: same key
    env.step(RIGHT)  # into the wall: nothing changes
    assert env.state_key() == start
    env.step(LEFT)  # pushes the box onto the goal
    pushed = env.state_key()
    assert pushed not in (start, moved)
    assert pushed == zobrist_keys((6, 6)).of_grid(env._grid)


def test_vector_keys_equal_single_env_keys_and_pool_keys():
    venv = gym.make_vec("agentenvs/Sokoban-Tiny-v0", num_envs=3, vectorization_mode="vector_entry_point",
                        levels=[LEVEL]).unwrapped
    venv.reset(seed=0)
    single = gym.make("agentenvs/Sokoban-Tiny-v0", levels=[LEVEL]).unwrapped
    single.reset(seed=0)
    assert venv.state_key().tolist() == [single.state_key()] * 3 == venv._pool.keys.tolist() * 3
    venv.step(np.array([UP, LEFT, RIGHT]))
    expected = []
    for action in (UP, LEFT, RIGHT):
        single.reset(seed=0)
        single.step(action)
        expected.append(int(single.state_key()))
    assert venv.state_key().tolist() == expected
    assert len(set(expected)) == 3


def test_keys_depend_on_the_room_shape_only():
    a, b = zobrist_keys((6, 6)), zobrist_keys((7, 7))
    assert zobrist_keys((6, 6)) is a
    assert not np.array_equal(a.tiles[:36], b.tiles[:36])
    grids = np.random.default_rng(0).integers(0, 7, (50, 36)).astype(np.uint8)
    assert len(set(a.of_grids(grids).tolist())) == 50


def test_key_tracking_takes_any_integer_actions_and_needs_a_reset():
    import pytest
    from gymnasium.error import ResetNeeded

    venv = gym.make_vec("agentenvs/Sokoban-Tiny-v0", num_envs=2, vectorization_mode="vector_entry_point").unwrapped
    with pytest.raises(ResetNeeded):
        venv.state_key()
    with pytest.raises(ResetNeeded):
        gym.make("agentenvs/Sokoban-Tiny-v0").unwrapped.state_key()
    venv.reset(seed=0)
    venv.state_key()
    for dtype in (np.uint8, np.uint64, np.int32):
        venv.step(np.array([UP, LEFT], dtype=dtype))
        assert venv.state_key().tolist() == zobrist_keys((6, 6)).of_grids(venv._state).tolist()
    venv.reset(options={"reset_mask": np.zeros(2, dtype=bool)})  # resets nothing, changes nothing
    assert venv.state_key().tolist() == zobrist_keys((6, 6)).of_grids(venv._state).tolist()
