"""The native GUICursor vector env: same rules as the single env, batched; cheap resets from its pool."""
import gymnasium as gym
import numpy as np
import pytest

import agentenvs  # noqa: F401  (registers the ids)
from agentenvs.errors import ConfigError, InvalidActionError
from agentenvs.gui.actions import CLICK, LARGE_STEP
from agentenvs.gui.vector import GUICursorVectorEnv


def make(num_envs=6, **kwargs):
    return gym.make_vec("agentenvs/GUICursor-Small-v0", num_envs=num_envs, vectorization_mode="vector_entry_point",
                        **kwargs)


def test_clicks_pay_exactly_inside_the_target_and_the_next_step_resets():
    venv = make()
    venv.reset(seed=0)
    base = venv.unwrapped
    state = base.reward_state()
    box = state["target_box"]
    base._cursor[:3] = (box[:3, :2] + box[:3, 2:]) / 2  # the first three on their target's centre
    base._cursor[3:] = box[3:, 2:] + 2  # the rest just outside a corner (still on the screen)
    base._cursor[3:] = np.minimum(base._cursor[3:], state["screen_size"][3:] - 1)
    assert ((base._cursor[3:, 0] > box[3:, 2]) | (base._cursor[3:, 1] > box[3:, 3])).all()
    _, rewards, terminated, truncated, info = venv.step(np.full(6, CLICK))
    assert rewards.tolist() == [1, 1, 1, 0, 0, 0] and terminated.all() and not truncated.any()
    assert info["is_success"].tolist() == [True] * 3 + [False] * 3
    _, rewards, terminated, _, info = venv.step(np.zeros(6, np.int64))
    assert (rewards == 0).all() and not terminated.any() and (info["steps"] == 0).all()


def test_moves_match_the_single_env_rules_and_stay_on_screen():
    venv = make(num_envs=2)
    venv.reset(seed=1)
    base = venv.unwrapped
    base._cursor[:] = [[80.0, 60.0], [1.0, 1.0]]
    venv.step(np.array([8 + 0, 8 + 3]))  # E large; NW large from the corner
    assert np.allclose(base._cursor, [[80 + 160 * LARGE_STEP, 60], [0, 0]])


def test_observation_is_the_pool_screen_plus_one_pointer_patch():
    venv = make(num_envs=3)
    obs, _ = venv.reset(seed=2)
    base = venv.unwrapped
    pool_images = base._pool["images"][base._source][:, :84, :84]
    for row in range(3):
        changed = np.argwhere((obs["image"][row] != pool_images[row]).any(axis=2))
        tip = base._tip[row]
        assert changed.size and (changed.min(axis=0) >= tip[::-1]).all() and (changed.max(axis=0) - tip[::-1] < 7).all()
    assert np.allclose(obs["cursor"], base._cursor / 160 * [1, 160 / 120], atol=1e-6)


def test_truncates_at_max_steps():
    venv = make(num_envs=2, max_steps=2)
    venv.reset(seed=0)
    assert venv.step(np.zeros(2, np.int64))[3].tolist() == [False, False]
    assert venv.step(np.zeros(2, np.int64))[3].tolist() == [True, True]


def test_bad_batches_and_arguments_are_refused():
    venv = make(num_envs=2)
    venv.reset(seed=0)
    with pytest.raises(InvalidActionError, match="17"):
        venv.step(np.array([0, 17]))
    with pytest.raises(ConfigError, match="text"):
        GUICursorVectorEnv(num_envs=2, action_mode="text")
    with pytest.raises(ConfigError, match="num_envs"):
        GUICursorVectorEnv(num_envs=0)


def test_continuous_and_absolute_modes_batch():
    venv = make(num_envs=2, action_mode="absolute")
    venv.reset(seed=0)
    venv.step(np.array([[0.5, 0.5, -1], [0.0, 1.0, -1]], np.float32))
    assert np.allclose(venv.unwrapped._cursor, [[80, 60], [0, 119]])


def test_ground_vector_env_scores_points_and_boxes_and_resets_every_other_step():
    venv = gym.make_vec("agentenvs/GUIGround-Small-v0", num_envs=3, vectorization_mode="vector_entry_point",
                        action_mode="box")
    venv.reset(seed=4)
    base = venv.unwrapped
    boxes = base.target_boxes / np.tile(base.reward_state()["screen_size"], 2)
    actions = np.array([boxes[0], boxes[1][[2, 3, 0, 1]], [0, 0, 0.01, 0.01]], np.float32)  # exact, swapped, a miss
    _, rewards, terminated, truncated, info = venv.step(actions)
    assert rewards.tolist() == [1, 1, 0] and terminated.all() and not truncated.any()
    state = base.reward_state()
    assert np.allclose(state["pred_box"][1], base.target_boxes[1], atol=1e-3) and state["clicked"].tolist() == [1] * 3
    _, rewards, terminated, _, info = venv.step(actions)
    assert not terminated.any() and (rewards == 0).all() and (info["steps"] == 0).all()
    with pytest.raises(InvalidActionError, match="outside the action space"):
        venv.step(np.full((3, 4), 1.5, np.float32))
