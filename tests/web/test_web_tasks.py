"""Every web task: judged as its rules say (hand-made cases) and solved by its registered oracle on 100 seeds."""
import time

import gymnasium as gym
import pytest
from gymnasium.envs.registration import load_env_creator

import agentenvs  # noqa: F401 - registers the ids
from agentenvs.registration import get_entry
from agentenvs.web import TASK_NAMES, TASKS
from agentenvs.web.browser import missing_browser

browser = pytest.mark.skipif(missing_browser() is not None, reason=str(missing_browser()))
SEEDS = 100


def test_judges_on_hand_made_states():
    click = TASKS["click-button"].judge
    assert click({"target": "olive"}, {}) is None
    assert click({"target": "olive"}, {"clicked": "olive"}) == 1.0
    assert click({"target": "olive"}, {"clicked": "lemon"}) == -1.0
    boxes = TASKS["click-checkboxes"].judge
    instance = {"labels": ["a", "b", "c"], "targets": ["b"]}
    assert boxes(instance, {"submitted": {"a": False, "b": True, "c": False}}) == 1.0
    assert boxes(instance, {"submitted": {"a": True, "b": True, "c": False}}) == -1.0
    xy = TASKS["click-xy"].judge
    circle = {"cx": 50, "cy": 40, "r": 10}
    assert xy(circle, {"point": [56, 48]}) == 1.0  # 6^2 + 8^2 = 10^2: on the rim
    assert xy(circle, {"point": [57, 48]}) == -1.0
    form = TASKS["fill-form"].judge
    want = {"name": "Ann Lee", "email": "a@b.com", "country": "Peru", "subscribe": True}
    assert form({**want, "countries": []}, {"submitted": dict(want)}) == 1.0
    assert form({**want, "countries": []}, {"submitted": {**want, "subscribe": False}}) == -1.0


def test_instances_are_pure_functions_of_the_seed():
    import numpy as np

    for task in TASKS.values():
        a, b = task.generate(np.random.default_rng([7, 1])), task.generate(np.random.default_rng([7, 1]))
        assert a == b and a["utterance"].isascii()
        assert task.generate(np.random.default_rng([8, 1])) != a or task.name == "click-dialog"


@browser
@pytest.mark.parametrize("task", TASK_NAMES)
def test_the_oracle_solves_every_task(task):
    env_id = f"agentenvs/Web-{task}-v0"
    env = gym.make(env_id)
    oracle = load_env_creator(get_entry(env_id).oracle)(env, 0)
    seeds = SEEDS if task != "web-shop" else 30  # a shop visit is 5 page loads
    wins, start = 0, time.monotonic()
    try:
        for seed in range(seeds):
            obs, info = env.reset(seed=seed)
            oracle.reset(env, obs, info)
            terminated = truncated = False
            while not (terminated or truncated):
                obs, reward, terminated, truncated, info = env.step(oracle.act(obs))
                assert info["action_error"] == "", (seed, info["action_error"])
            wins += info["is_success"] and reward == 1.0
    finally:
        env.close()
    assert wins == seeds, f"{task}: solved {wins} of {seeds} ({time.monotonic() - start:.1f} s)"
