"""Pickled and deep-copied envs keep playing: a copy steps exactly as its original, and apart from it."""
import copy
import pickle

import gymnasium as gym
import numpy as np
import pytest

import agentenvs  # noqa: F401  (registers the ids)
from agentenvs.registration import GYM_ENVS, make_multi_agent

VECTOR_IDS = [entry.id for entry in GYM_ENVS if entry.vector_entry_point and entry.family == "sokoban"]
COPIES = {"pickle": lambda env: pickle.loads(pickle.dumps(env)), "deepcopy": copy.deepcopy}


def test_every_vector_id_is_covered():
    assert len(VECTOR_IDS) == 5


@pytest.mark.parametrize("how", COPIES)
@pytest.mark.parametrize("env_id", VECTOR_IDS)
def test_vector_copy_steps_like_the_original_and_apart_from_it(env_id, how):
    venv = gym.make_vec(env_id, num_envs=3, vectorization_mode="vector_entry_point")
    venv.reset(seed=1)
    venv.state_key()  # keys kept current from here on: the copy must keep them too
    rng = np.random.default_rng(0)
    for _ in range(5):
        venv.step(rng.integers(0, 4, 3))
    clone = COPIES[how](venv)
    moved = False
    for _ in range(40):
        actions = rng.integers(0, 4, 3)
        before = clone._observe()
        ours, theirs = venv.step(actions), clone.step(actions)
        for a, b in zip(ours[:4], theirs[:4]):
            assert np.array_equal(a, b)
        assert np.array_equal(venv.state_key(), clone.state_key())
        assert np.array_equal(venv.reward_state()["player"], clone.reward_state()["player"])
        moved |= not np.array_equal(before, theirs[0])
    assert moved  # the copy's observations follow its moves
    assert clone.to_xsb() == venv.to_xsb()
    # the original does not see the copy's moves, nor the copy the original's
    snapshot = venv._observe()
    for _ in range(10):
        clone.step(rng.integers(0, 4, 3))
    assert np.array_equal(venv._observe(), snapshot)


@pytest.mark.parametrize("how", COPIES)
def test_multi_agent_copy_steps_like_the_original(how):
    env = make_multi_agent("agentenvs/Sokoban-Multi-v0")
    env.reset(seed=3)
    clone = COPIES[how](env)
    rng = np.random.default_rng(0)
    for _ in range(30):
        if not env.agents:
            break
        actions = {agent: int(rng.integers(0, 5)) for agent in env.agents}
        ours, theirs = env.step(actions), clone.step(dict(actions))
        for a, b in zip(ours[:4], theirs[:4]):
            assert pickle.dumps(a) == pickle.dumps(b)
    snapshot = env.state()
    clone.reset(seed=4)
    assert np.array_equal(env.state(), snapshot)
