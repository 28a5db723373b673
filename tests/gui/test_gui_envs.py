"""GUICursor and GUIGround: actions, rewards, episode ends, reward state, oracles and in-place compositing."""
import gymnasium as gym
import numpy as np
import pytest

import agentenvs  # noqa: F401  (registers the ids)
from agentenvs.errors import ConfigError, InvalidActionError
from agentenvs.gui.actions import CLICK, parse_text
from agentenvs.gui.cursor_env import GUICursorEnv
from agentenvs.gui.ground_env import GUIGroundEnv
from agentenvs.gui.oracle import GUICursorOracle, GUIGroundOracle

KEYS = {"cursor", "target_box", "pred_box", "screen_size", "clicked", "action_is_valid", "step", "max_steps",
        "element_boxes", "element_roles", "num_elements", "instruction"}


def small(**kwargs):
    return GUICursorEnv(**{"screen_size": (160, 120), "obs_size": (84, 84), "min_elements": 3, "max_elements": 8,
                           **kwargs})


@pytest.mark.parametrize(("text", "command"), [
    ("<answer>(12, 30)</answer>", ("goto", 12.0, 30.0)),
    ("<think>the gear is top right</think><answer>( 900.5 ,40 )</answer>", ("goto", 900.5, 40.0)),
    ("<answer>STOP</answer>", ("stop", 0.0, 0.0)),
    ("<answer> stop </answer>", ("stop", 0.0, 0.0)),
    ("MOVE(-5, 7.5)", ("move", -5.0, 7.5)),
    ("MOVE(1, 1) then <answer>(3, 4)</answer>", ("goto", 3.0, 4.0)),
    ("click the button", None), ("<answer>(1, 2, 3)</answer>", None), ("MOVE(__import__('os'), 1)", None), ("", None),
])
def test_text_actions_parse_with_a_regex(text, command):
    assert parse_text(text) == command


def test_text_actions_move_click_and_invalid_text_is_a_counted_no_op():
    env = small(action_mode="text")
    env.reset(seed=1)
    _, reward, terminated, _, info = env.step("<answer>(40, 50)</answer>")
    assert env.cursor.tolist() == [40, 50] and not terminated and info["action_is_valid"]
    env.step("MOVE(-10, 5)")
    assert env.cursor.tolist() == [30, 55]
    _, reward, terminated, truncated, info = env.step("I think it is the gear")
    assert env.cursor.tolist() == [30, 55] and not info["action_is_valid"] and info["steps"] == 3
    assert env.reward_state()["action_is_valid"] == 0 and reward == 0.0 and not (terminated or truncated)
    box = env.target_box
    env.step(f"<answer>({(box[0] + box[2]) / 2}, {(box[1] + box[3]) / 2})</answer>")
    _, reward, terminated, _, info = env.step("<answer>STOP</answer>")
    assert terminated and reward == 1.0 and info["is_success"] and env.reward_state()["clicked"] == 1


def test_discrete_steps_are_hundredths_and_tenths_of_the_screen():
    env = GUICursorEnv(screen_size=(1000, 500))
    env.reset(seed=0)
    env.cursor = np.array([500.0, 250.0])
    env.step(0)  # E, small
    assert env.cursor.tolist() == [510, 250]
    env.step(8 + 3)  # NW, large
    assert env.cursor.tolist() == [410, 200]
    env.cursor = np.array([995.0, 2.0])
    env.step(8 + 1)  # NE, large: stays on the screen
    assert env.cursor.tolist() == [999, 0]


def test_a_click_terminates_and_pays_only_inside_the_target_edges_included():
    env = small()
    env.reset(seed=3)
    x1, y1, x2, y2 = env.target_box
    env.cursor = np.array([x2, y1], float)  # the corner counts
    _, reward, terminated, truncated, info = env.step(CLICK)
    assert (reward, terminated, truncated, info["is_success"]) == (1.0, True, False, True)
    env.reset(seed=3)
    env.cursor = np.array([x2 + 1.0, y1])
    _, reward, terminated, _, info = env.step(CLICK)
    assert (reward, terminated, info["is_success"]) == (0.0, True, False)


def test_the_time_limit_truncates_and_never_terminates():
    env = small(max_steps=3)
    env.reset(seed=0)
    ends = [env.step(0)[2:4] for _ in range(3)]
    assert ends == [(False, False), (False, False), (False, True)]


@pytest.mark.parametrize(("mode", "bad"), [
    ("discrete", 17), ("discrete", -1), ("discrete", 2.5), ("discrete", True), ("discrete", [1, 2]),
    ("continuous", [0.1, 0.2]), ("continuous", [1.5, 0, 0]), ("continuous", [np.nan, 0, 0]), ("continuous", "up"),
    ("absolute", [-0.1, 0.5, 1]), ("text", 3),
])
def test_actions_outside_the_space_raise_value_error_naming_them(mode, bad):
    env = small(action_mode=mode)
    env.reset(seed=0)
    cursor = env.cursor.copy()
    with pytest.raises(InvalidActionError, match=repr(bad)[:4].replace("[", r"\[").replace("(", r"\(")) as err:
        env.step(bad)
    assert isinstance(err.value, ValueError)
    assert np.array_equal(env.cursor, cursor) and env.steps == 0


@pytest.mark.parametrize("kwargs", [dict(action_mode="keyboard"), dict(obs_size=(4, 4)), dict(instruction_mode="x"),
                                    dict(max_steps=0), dict(buckets=0), dict(colour="red")])
def test_bad_arguments_are_refused_by_name(kwargs):
    with pytest.raises(ConfigError, match=next(iter(kwargs))):
        small(**kwargs)


def test_reward_state_holds_the_documented_keys_and_values():
    env = small()
    env.reset(seed=5)
    state = env.reward_state()
    assert set(state) == KEYS and env.reward_state_space.contains(state)
    task = env.unwrapped._task
    assert state["target_box"].tolist() == list(task.target_element.box)
    assert state["cursor"].dtype == np.float32 and np.allclose(state["cursor"], env.cursor)
    assert np.allclose(state["pred_box"], np.tile(env.cursor, 2)) and state["screen_size"].tolist() == [160, 120]
    n = int(state["num_elements"])
    assert n == len(task.screen.elements) and (state["element_boxes"][n:] == -1).all()
    assert state["element_roles"][:n].tolist() == [e.role_index for e in task.screen.elements]
    assert (state["step"], state["max_steps"], state["clicked"]) == (0, 40, 0)
    env.step(CLICK)
    assert env.reward_state()["clicked"] == 1 and env.reward_state()["step"] == 1


def test_a_step_composites_only_the_pointer_patch():
    env = GUICursorEnv(obs_size=None, screen_size=(640, 480), render_mode="rgb_array")
    obs, _ = env.reset(seed=2)
    clean = env.unwrapped._task.screen.image
    env.cursor = np.array([100.0, 100.0])
    obs = env.step(0)[0]  # to (106.4, 104.8)... the pointer tip at (106, 100)
    changed = np.argwhere((obs["image"] != clean).any(axis=2))
    assert changed.size and changed.min(axis=0).tolist() == [100, 106]
    assert (changed.max(axis=0) - changed.min(axis=0) < 20).all()  # one pointer-sized patch
    frame = env.render()
    assert frame.shape == (480, 640, 3) and np.array_equal(frame, obs["image"])


@pytest.mark.parametrize("env_id", ["agentenvs/GUICursor-Small-v0", "agentenvs/GUICursor-v0"])
@pytest.mark.parametrize("mode", ["discrete", "continuous", "absolute", "text"])
def test_the_cursor_oracle_always_clicks_the_target(env_id, mode):
    env = gym.make(env_id, action_mode=mode, instruction_mode="text" if mode == "text" else "hashed")
    oracle = GUICursorOracle(env, 0)
    for seed in range(4):
        obs, info = env.reset(seed=seed)
        oracle.reset(env, obs, info)
        for _ in range(40):
            obs, reward, terminated, truncated, info = env.step(oracle.act(obs))
            if terminated or truncated:
                break
        assert terminated and reward == 1.0 and info["is_success"], (seed, env.unwrapped.instruction())


@pytest.mark.parametrize("mode", ["point", "box"])
def test_the_ground_oracle_hits_and_a_corner_misses(mode):
    env = GUIGroundEnv(screen_size=(320, 240), action_mode=mode)
    oracle = GUIGroundOracle(env, 0)
    for seed in range(5):
        obs, info = env.reset(seed=seed)
        oracle.reset(env, obs, info)
        _, reward, terminated, truncated, info = env.step(oracle.act(obs))
        assert (reward, terminated, truncated, info["is_success"]) == (1.0, True, False, True)
    obs, _ = env.reset(seed=0)
    far = np.zeros(2 if mode == "point" else 4, np.float32)
    assert env.step(far)[1] == 0.0


def test_ground_boxes_are_ordered_and_scored_by_their_centre():
    env = GUIGroundEnv(screen_size=(400, 200), action_mode="box")
    env.reset(seed=0)
    x1, y1, x2, y2 = env.target_box
    env.step(np.array([x2 / 400, y2 / 200, x1 / 400, y1 / 200], np.float32))  # corners swapped
    state = env.reward_state()
    assert np.allclose(state["pred_box"], [x1, y1, x2, y2], atol=1e-4)
    assert np.allclose(state["cursor"], [(x1 + x2) / 2, (y1 + y2) / 2], atol=1e-4) and state["clicked"] == 1
    with pytest.raises(InvalidActionError, match="outside the action space"):
        env.step([0.1, 0.2, 1.3, 0.4])


def test_split_and_task_index_choose_the_task():
    a, b = small(split="test"), small(split="test")
    a.reset(options={"task_index": 4})
    b.reset(seed=123, options={"task_index": 4})
    assert a.instruction() == b.instruction()
    with pytest.raises(ConfigError, match="task_index"):
        a.reset(options={"task_index": -1})


def test_human_window_shows_the_screen_at_its_own_size_and_ansi_lists_elements():
    env = gym.make("agentenvs/GUICursor-Small-v0", render_mode="human")
    env.reset(seed=0)
    assert env.unwrapped._renderer._viewer._window.get_size() == (160, 120)
    env.close()
    text = GUICursorEnv(screen_size=(320, 240), render_mode="ansi")
    text.reset(seed=0)
    picture = text.render()
    assert picture.startswith(f"instruction: {text.instruction()}") and picture.count("\n[") == len(
        text._task.screen.elements)
