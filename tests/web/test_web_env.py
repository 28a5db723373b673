"""WebEnv on real pages: observations, refs, actions and their errors, rewards, reward state, splits, copies."""
import copy
import json
import pickle

import gymnasium as gym
import numpy as np
import pytest

import agentenvs  # noqa: F401 - registers the ids
from agentenvs.errors import ConfigError, MissingDependencyError
from agentenvs.web import ROLES, WebEnv
from agentenvs.web.browser import CHROMEDRIVER_ENV, missing_browser
from agentenvs.web.env import SPLITS, draw_instance_seed

pytestmark = pytest.mark.skipif(missing_browser() is not None, reason=str(missing_browser()))


@pytest.fixture(scope="module")
def env():
    env = WebEnv(task="click-button")
    yield env
    env.close()


def _ref(env, role, text):
    ref = env.view.ref(role, text)
    assert ref > 0, (role, text, env.view.elements)
    return ref


def test_observation_lists_visible_elements_with_stable_refs(env):
    obs, info = env.reset(seed=5)
    instance = env.instance
    assert obs["utterance"] == f'Click on the "{instance["target"]}" button.'
    assert env.observation_space.contains(obs) and "screenshot" not in obs
    buttons = [e for e in env.view.elements if e.role == "button"]
    assert [b.text for b in buttons] == instance["buttons"]
    for b in buttons:
        assert f'[{b.ref}] button "{b.text}"' in obs["dom"]
        x1, y1, x2, y2 = b.box
        assert 0 <= x1 < x2 <= env.width and 0 <= y1 < y2 <= env.height
    rows = obs["elements"][obs["elements"][:, 0] > 0]
    assert len(rows) == len(env.view.elements) and (obs["elements"][len(rows):] == -1).all()
    assert set(rows[rows[:, 1] == ROLES.index("button"), 0]) == {b.ref for b in buttons}
    wrong = next(b for b in buttons if b.text != instance["target"]) if len(buttons) > 1 else None
    obs2, reward, terminated, truncated, info = env.step("scroll(0)")
    assert (obs2["elements"] == obs["elements"]).all() and obs2["dom"] == obs["dom"]  # refs stay put
    assert reward == 0.0 and not terminated and not truncated and info["action_is_valid"]
    if wrong is not None:
        _, reward, terminated, _, info = env.step(f"<answer>click({wrong.ref})</answer>")
        assert terminated and reward == -1.0 and not info["is_success"] and info["raw_reward"] == -1.0


@pytest.mark.parametrize(("action", "says"), [
    ("click(999)", "no visible element has ref 999"),
    ("type({button}, \"hi\")", "is <button type=\"button\">, not a text field"),
    ("select({button}, \"x\")", "not a <select>"),
    ("please click the button", "cannot parse"),
    ({"type": "press", "key": "F13"}, "press takes one of"),
])
def test_bad_actions_are_noops_with_an_action_error(env, action, says):
    obs, _ = env.reset(seed=3)
    button = env.view.find("button").ref
    if isinstance(action, str):
        action = action.replace("{button}", str(button))
    obs2, reward, terminated, truncated, info = env.step(action)
    assert says in info["action_error"] and not info["action_is_valid"]
    assert reward == 0.0 and not terminated and not truncated and obs2["dom"] == obs["dom"]
    assert env.reward_state()["page_state"] == "{}"


def test_dict_actions_and_their_errors(env):
    env.reset(seed=4)
    with pytest.raises(ValueError, match="exactly the keys"):
        env.step({"type": "click", "element": 1})
    with pytest.raises(ValueError, match="a text command or a Dict action"):
        env.step(3)
    _, reward, terminated, _, info = env.step({"type": "click", "ref": _ref(env, "button", env.instance["target"])})
    assert terminated and reward == 1.0 and info["is_success"]


def test_only_the_first_end_counts(env):
    env.reset(seed=6)
    _, reward, terminated, _, _ = env.step(f"click({_ref(env, 'button', env.instance['target'])})")
    assert terminated and reward == 1.0
    _, reward, terminated, truncated, info = env.step(f"click({_ref(env, 'button', env.instance['target'])})")
    assert reward == 0.0 and terminated and not truncated and "has ended" in info["action_error"]
    assert env.reward_state()["success"]


def test_step_limit_ends_with_minus_one():
    env = WebEnv(task="enter-text", max_steps=2, reward_mode="binary")
    try:
        env.reset(seed=0)
        assert env.step("scroll(10)")[1:4] == (0.0, False, False)
        _, reward, terminated, truncated, info = env.step("scroll(10)")
        assert (reward, terminated, truncated, info["is_success"]) == (-1.0, False, True, False)
    finally:
        env.close()


def test_type_select_press_and_form_values_in_reward_state():
    env = WebEnv(task="fill-form", time_decay=True, episode_max_time=1000.0)
    try:
        env.reset(seed=11)
        inst = env.instance
        env.step(f'type({env.view.textbox(0).ref}, "{inst["name"]}")')
        env.step(f'type({env.view.textbox(1).ref}, "{inst["email"]}")')
        env.step(f'select({env.view.find("combobox").ref}, "{inst["country"].upper()}")')  # options match any case
        if inst["subscribe"]:
            env.step(f'click({env.view.find("checkbox").ref})')
        state = env.reward_state()
        assert f"name={inst['name']}" in state["form_values"] and f"country={inst['country']}" in state["form_values"]
        assert f"subscribe={'on' if inst['subscribe'] else 'off'}" in state["form_values"]
        assert json.loads(state["task_fields"])["email"] == inst["email"]
        env.step(f"click({env.view.textbox(1).ref})")  # focus the email field, then Enter submits the form
        _, reward, terminated, _, info = env.step('press("Enter")')
        assert terminated and info["is_success"] and 0.99 < reward < 1.0  # time decay, a little time elapsed
        assert env.reward_state_space.contains(env.reward_state())
    finally:
        env.close()


def test_click_xy_reward_state_gives_cursor_and_target_box():
    env = WebEnv(task="click-xy", screenshot=True)
    try:
        obs, _ = env.reset(seed=2)
        inst = env.instance
        assert obs["screenshot"].shape == (320, 320, 3) and env.observation_space.contains(obs)
        x1, y1, x2, y2 = env.reward_state()["target_box"]
        assert x2 - x1 == y2 - y1 == 2 * inst["r"]
        cx, cy = int(x1 + x2) // 2, int(y1 + y2) // 2
        red, green, blue = obs["screenshot"][cy, cx].astype(int)  # the circle is drawn where target_box says
        colour = {"red": (0xdd, 0x22, 0x22), "green": (0x22, 0xaa, 0x22), "blue": (0x22, 0x33, 0xdd),
                  "orange": (0xff, 0x99, 0x00), "purple": (0x99, 0x22, 0xcc)}[inst["colour"]]
        assert np.abs(np.array([red, green, blue]) - colour).max() <= 8
        miss = x1 - 20 if x1 >= 30 else x2 + 20
        _, reward, terminated, _, _ = env.step(f"click_xy({miss}, {cy})")
        state = env.reward_state()
        assert terminated and reward == -1.0 and abs(state["cursor"][1] - cy) <= 1
        assert state["screen_size"].tolist() == [320, 320] and state["cursor"].dtype == np.float32
        env.reset(seed=2)
        _, reward, terminated, _, _ = env.step(f"click_xy({cx}, {cy})")
        assert terminated and reward == 1.0 and env.reward_state()["cursor"].tolist() == [cx, cy]
    finally:
        env.close()


def test_splits_draw_from_disjoint_seed_ranges_and_seeds_replay(env):
    drawn = {split: {draw_instance_seed(split, np.random.default_rng(s)) for s in range(200)} for split in SPLITS}
    for split, keys in drawn.items():
        first, count = SPLITS[split]
        assert len(keys) == 200 and all(first <= k < first + count for k in keys)
    ranges = sorted(SPLITS.values())
    assert all(a[0] + a[1] <= b[0] for a, b in zip(ranges, ranges[1:]))
    env.reset(seed=9)
    instance = dict(env.instance)
    assert instance["seed"] == draw_instance_seed("train", np.random.default_rng(9))  # gymnasium's np_random(9)
    env.reset(seed=9)
    assert env.instance == instance
    env.reset(seed=0, options={"instance": instance["seed"]})
    assert env.instance == instance
    with pytest.raises(ConfigError, match="instance for split 'train'"):
        env.reset(options={"instance": SPLITS["test"][0]})


def test_copies_replay_the_episode_in_their_own_browser(env):
    env.reset(seed=13)
    first = env.view.elements[-1]
    env.step("scroll(5)")
    for clone in (pickle.loads(pickle.dumps(env)), copy.deepcopy(env)):
        try:
            obs, reward, terminated, _, _ = clone.step(f"click({first.ref})")
            assert obs["utterance"] == env.instance["utterance"] and terminated
            assert reward == (1.0 if first.text == env.instance["target"] else -1.0)
            assert set(clone.browser_pids()).isdisjoint(env.browser_pids())
        finally:
            clone.close()
    assert not env._ended


def test_gym_make_says_how_to_install_a_missing_driver(monkeypatch):
    monkeypatch.setenv(CHROMEDRIVER_ENV, "/nonexistent/chromedriver")
    with pytest.raises(MissingDependencyError, match="apt-get install chromium chromium-driver"):
        gym.make("agentenvs/Web-click-button-v0")
