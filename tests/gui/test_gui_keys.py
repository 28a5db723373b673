"""GUICursor's state keys: the task on screen plus the observed pointer.

That the single and the native vector env give one screen and pointer one key is the conformance
suite's ``state_key`` check, run on every id that offers keys.
"""
import gymnasium as gym
import numpy as np

import agentenvs  # noqa: F401  (registers the ids)
from agentenvs.agents import make
from agentenvs.gui.actions import CLICK
from agentenvs.gui.generator import ScreenConfig
from agentenvs.gui.keys import cursor_state_keys, task_digest
from agentenvs.gui.tasks import GeneratedTasks

EAST, WEST = 0, 4  # small steps


def test_key_is_the_task_digest_mixed_with_the_observed_cursor():
    env = gym.make("agentenvs/GUICursor-Small-v0")
    obs, _ = env.reset(seed=0, options={"task_index": 7})
    task = GeneratedTasks(ScreenConfig((160, 120), min_elements=3, max_elements=8)).task(7)
    key = env.unwrapped.state_key()
    assert isinstance(key, np.int64)
    assert key == cursor_state_keys(np.array([task_digest(task)]), obs["cursor"][None])[0]
    moved, *_ = env.step(EAST)
    assert env.unwrapped.state_key() != key
    back, *_ = env.step(WEST)  # one pixel east and back: the same observation, the same key
    assert np.array_equal(back["cursor"], obs["cursor"]) and env.unwrapped.state_key() == key
    env.step(CLICK)  # clicking does not move the pointer: the state on screen is unchanged
    assert env.unwrapped.state_key() == key


def test_keys_tell_tasks_and_pointers_apart():
    digests = np.array([1, 1, 2, 2], np.uint64)
    cursors = np.array([[0.5, 0.25], [0.25, 0.5], [0.5, 0.25], [-0.0, 0.0]], np.float32)
    keys = cursor_state_keys(digests, cursors)
    assert keys.dtype == np.int64 and len(set(keys.tolist())) == 4  # x and y are not interchangeable
    same = cursor_state_keys(np.array([2], np.uint64), np.array([[0.0, 0.0]], np.float32))
    assert same[0] == keys[3]  # -0.0 and 0.0 are one position


def test_llm_env_reports_the_state_key_as_gigpo_anchor():
    env = make("agentenvs/GUICursor-Text-v0")
    _, info = env.reset(seed=3)
    first = info["state_key"]
    _, _, _, _, info = env.step("<answer>(20, 30)</answer>")
    assert info["action_is_valid"] and info["state_key"] != first
    _, _, _, _, again = env.step("<answer>(20, 30)</answer>")
    assert again["state_key"] == info["state_key"]  # same screen, same pointer: same anchor
    env.close()
