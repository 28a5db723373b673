"""Every web task: judged as its rules say (hand-made cases) and solved by its registered oracle on 100 seeds."""
import time

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.envs.registration import load_env_creator

import agentenvs  # noqa: F401 - registers the ids
from agentenvs.registration import get_entry
from agentenvs.web import ROLES, TASK_NAMES, TASKS
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


@browser
def test_discrete_click_button_masks_slots_and_its_oracle_wins():
    env = gym.make("agentenvs/Web-click-button-Discrete-v0")
    oracle = load_env_creator(get_entry("agentenvs/Web-click-button-Discrete-v0").oracle)(env, 0)
    try:
        for seed in range(10):
            obs, info = env.reset(seed=seed)
            base = env.unwrapped
            buttons = base.web_env.instance["buttons"]
            mask = base.action_masks()
            assert mask.sum() == len(buttons) and mask[: len(buttons)].all()
            rows = obs.reshape(base.max_elements, -1)
            target = buttons.index(base.web_env.instance["target"])
            assert rows[target, 1 + len(ROLES)] == 1.0 and rows[:, 1 + len(ROLES)].sum() == 1.0  # word overlap
            if seed == 0:  # an index past the elements is a no-op
                _, reward, terminated, _, info = env.step(len(buttons))
                assert not info["action_is_valid"] and reward == 0.0 and not terminated
            oracle.reset(env, obs, info)
            _, reward, terminated, _, info = env.step(oracle.act(obs))
            assert terminated and reward == 1.0 and info["is_success"]
    finally:
        env.close()


@browser
def test_async_vector_env_runs_four_browsers():
    envs = gym.make_vec("agentenvs/Web-click-button-Discrete-v0", num_envs=4, vectorization_mode="async")
    try:
        obs, _ = envs.reset(seed=0)
        assert obs.shape[0] == 4
        for _ in range(3):
            obs, reward, terminated, truncated, info = envs.step(np.zeros(4, dtype=np.int64))
            assert obs.shape[0] == 4 and reward.shape == (4,)
        assert terminated.all() and set(np.unique(reward)) <= {-1.0, 0.0, 1.0}
    finally:
        envs.close()
