"""The single env: rewards, episode ends, actions (discrete and text), info, seeding, state access."""
import pickle

import gymnasium as gym
import numpy as np
import pytest

import agentenvs  # noqa: F401  (registers the ids)
from agentenvs.errors import ConfigError, InvalidActionError
from agentenvs.sokoban import SokobanEnv, parse_xsb
from agentenvs.sokoban.constants import ACTION_NAMES, DOWN, LEFT, RIGHT, TILE_NAMES, UP

ONE_PUSH = "######\n#    #\n# .$@#\n#    #\n######"  # LEFT solves it
TWO_BOXES = "#######\n#     #\n# .$@ #\n# .$  #\n#######"
INFO_KEYS = {"boxes_on_target", "is_success", "deadlock", "action_is_valid", "steps"}


def make(level=ONE_PUSH, **kwargs):
    env = SokobanEnv(dim_room=parse_xsb(level).shape, levels=level, **kwargs)
    env.reset(seed=0)
    return env


def test_sparse_reward_only_on_solving_and_terminates():
    env = make()
    obs, reward, terminated, truncated, info = env.step(UP)
    assert (reward, terminated, truncated) == (0.0, False, False)
    env.step(DOWN)
    obs, reward, terminated, truncated, info = env.step(LEFT)
    assert type(reward) is float and type(terminated) is bool and type(truncated) is bool
    assert (reward, terminated, truncated) == (1.0, True, False)
    assert info["is_success"] and info["boxes_on_target"] == 1


def test_gym_sokoban_rewards_step_penalty_box_on_off_and_finish():
    env = make(TWO_BOXES, reward_mode="gym-sokoban")
    rewards = [env.step(a)[1] for a in (LEFT, RIGHT, DOWN, LEFT)]  # box onto goal, walk, walk, last box
    assert rewards == pytest.approx([0.9, -0.1, -0.1, 10.9])
    off = make("######\n#    #\n# *@ #\n# $. #\n######", reward_mode="gym-sokoban")
    assert off.step(LEFT)[1] == pytest.approx(-1.1)  # box pushed off its goal


def test_truncation_at_max_steps_never_terminates():
    env = make(max_steps=3)
    results = [env.step(UP) for _ in range(3)]
    assert [r[3] for r in results] == [False, False, True]
    assert not any(r[2] for r in results)
    assert results[-1][4]["steps"] == 3


def test_solving_on_the_last_step_terminates_without_truncating():
    env = make(max_steps=1)
    _, reward, terminated, truncated, _ = env.step(LEFT)
    assert (reward, terminated, truncated) == (1.0, True, False)


def test_every_info_has_the_same_keys_with_python_types():
    env = make(TWO_BOXES)
    _, info = env.reset(seed=1)
    assert set(info) == INFO_KEYS
    for action in (UP, LEFT, LEFT, DOWN, 7 % 4):
        info = env.step(action)[4]
        assert set(info) == INFO_KEYS
        assert type(info["boxes_on_target"]) is int and type(info["steps"]) is int
        assert all(type(info[k]) is bool for k in ("is_success", "deadlock", "action_is_valid"))


@pytest.mark.parametrize("bad", [4, -1, 2.5, "up", None, np.array([0, 1])])
def test_invalid_discrete_action_raises_naming_allowed_values(bad):
    env = make()
    with pytest.raises(InvalidActionError, match=r"0\.\.3"):
        env.step(bad)


def test_numpy_integer_actions_are_accepted():
    env = make()
    assert env.step(np.int64(LEFT))[2]
    env.reset(seed=0)
    assert env.step(np.array(LEFT))[2]


@pytest.mark.parametrize(
    "text, moved",
    [("left", True), ("LEFT", True), ("  Left\n", True), ("<answer>left</answer>", True),
     ("<answer> LEFT </answer>\n", True), ("go left", False), ("lef", False), ("", False),
     ("<answer>left", False), ("up down", False)],
)
def test_text_actions(text, moved):
    env = make(obs_mode="text")
    obs, reward, terminated, _, info = env.step(text)
    assert info["action_is_valid"] is moved
    assert terminated is moved
    assert isinstance(obs, str) and obs == env.to_xsb()
    assert env.observation_space.contains(obs)


def test_text_mode_rejects_non_strings():
    env = make(obs_mode="text")
    with pytest.raises(InvalidActionError, match="string"):
        env.step(2)


def test_observation_modes_agree_with_the_grid():
    grid_env = make(TWO_BOXES)
    grid = grid_env.step(LEFT)[0]
    for mode, shape in (("onehot", (7, 5, 7)), ("rgb", (80, 112, 3))):
        env = make(TWO_BOXES, obs_mode=mode)
        obs = env.step(LEFT)[0]
        assert obs.shape == shape and obs.dtype == np.uint8 and env.observation_space.contains(obs)
        if mode == "onehot":
            assert np.array_equal(obs.argmax(axis=0), grid) and (obs.sum(axis=0) == 1).all()


def test_same_seed_same_episode_and_fresh_levels_per_seed():
    a, b = gym.make("agentenvs/Sokoban-v0"), gym.make("agentenvs/Sokoban-v0")
    oa, _ = a.reset(seed=42)
    ob, _ = b.reset(seed=42)
    assert np.array_equal(oa, ob)
    actions = np.random.default_rng(0).integers(0, 4, 300)
    for action in actions:
        ra, rb = a.step(action), b.step(action)
        assert np.array_equal(ra[0], rb[0]) and ra[1:] == rb[1:]
        if ra[2] or ra[3]:
            assert np.array_equal(a.reset()[0], b.reset()[0])
    assert not np.array_equal(a.reset(seed=1)[0], a.reset(seed=2)[0])


def test_levels_drawn_from_a_list_with_the_seeded_rng():
    levels = [ONE_PUSH, ONE_PUSH.replace("# .$@#", "#.$@ #")]
    env = SokobanEnv(dim_room=(5, 6), levels=levels)
    seen = {env.reset(seed=s)[0].tobytes() for s in range(20)}
    assert len(seen) == 2
    assert [env.reset(seed=s)[0].tobytes() for s in range(5)] == [env.reset(seed=s)[0].tobytes() for s in range(5)]


def test_reset_option_level_and_custom_generator():
    env = SokobanEnv(generator=lambda rng: parse_xsb(TWO_BOXES), dim_room=(6, 8))
    env.reset(seed=0)
    assert env.to_xsb() == TWO_BOXES
    env.reset(options={"level": ONE_PUSH})
    assert env.to_xsb() == ONE_PUSH
    with pytest.raises(ConfigError, match="not both"):
        SokobanEnv(levels=ONE_PUSH, generator=lambda rng: None)


@pytest.mark.parametrize("kwargs", [dict(obs_mode="pixels"), dict(reward_mode="dense"), dict(max_steps=0),
                                    dict(render_mode="video"), dict(dim_room=(2, 9)), dict(num_boxes=0),
                                    dict(dim_room=(5, 5), num_boxes=9), dict(min_pushes=-1)])
def test_bad_config_raises_config_error(kwargs):
    with pytest.raises(ConfigError):
        SokobanEnv(**kwargs)


def test_reward_state_fields_match_the_position():
    env = make(TWO_BOXES)
    env.step(LEFT)
    state = env.reward_state()
    assert state["player"].tolist() == [2, 3]
    assert state["boxes"].tolist() == [[2, 2], [3, 3]] and state["goals"].tolist() == [[2, 2], [3, 2]]
    assert state["box_on_goal"].tolist() == [True, False]
    assert int(state["boxes_on_target"]) == 1 and int(state["num_boxes"]) == 2 and int(state["steps"]) == 1
    assert state["walls"].shape == (5, 7) and state["walls"][0].all()
    for key in state:
        assert key in env.reward_state_doc


def test_pickle_mid_episode_continues_identically():
    env = gym.make("agentenvs/Sokoban-Visual-v0")
    env.reset(seed=3)
    for action in (0, 1, 2):
        env.step(action)
    clone = pickle.loads(pickle.dumps(env))
    for action in (3, 3, 0, 2, 1):
        x, y = env.step(action), clone.step(action)
        assert np.array_equal(x[0], y[0]) and x[1:] == y[1:]
    assert clone.unwrapped.to_xsb() == env.unwrapped.to_xsb()


def test_docstring_tile_codes_and_actions_match_the_constants():
    doc = " ".join(SokobanEnv.__doc__.split())
    for code, name in enumerate(TILE_NAMES):
        assert f"{code} {name.replace('_', ' ')}" in doc
    assert ", ".join(f"{i} {name}" for i, name in enumerate(ACTION_NAMES)) in doc


def test_reset_info_names_the_generated_levels_difficulty():
    """A generated level's label reaches the reset info; a level read from XSB has none."""
    from agentenvs.sokoban.generator import generate_level

    env = gym.make("agentenvs/Sokoban-Small-v0")
    labels = set()
    for seed in range(12):
        _, info = env.reset(seed=seed)
        expected = generate_level(np.random.default_rng(seed), dim_room=(7, 7), num_boxes=2)
        assert info["difficulty"] == expected.difficulty
        labels.add(info["difficulty"])
    assert labels <= {"easy", "medium", "hard"} and len(labels) >= 2
    _, info = env.reset(options={"level": "#####\n#@$.#\n#####"})
    assert "difficulty" not in info


IRREGULAR = "  ####\n###  #\n# $. #\n# @$.#\n#    #\n######"  # blank cells outside the walls, top left


@pytest.mark.parametrize("source", ["irregular", "generated"])
def test_text_observation_updated_in_place_equals_a_fresh_rendering_at_every_step(source):
    if source == "irregular":
        env = SokobanEnv(dim_room=(8, 9), levels=IRREGULAR, obs_mode="text")  # the level sits in a larger room
    else:
        env = SokobanEnv(dim_room=(8, 8), num_boxes=4, obs_mode="text")
    rng = np.random.default_rng(0)
    for episode in range(3):
        obs, _ = env.reset(seed=episode)
        assert obs == env.to_xsb()
        for _ in range(60):
            obs, *_ = env.step(ACTION_NAMES[rng.integers(4)])
            assert obs == env.to_xsb()
        copy = pickle.loads(pickle.dumps(env))
        assert copy.step("up")[0] == copy.to_xsb() == env.step("up")[0]
    if source == "irregular":
        assert obs.startswith("  ####\n###")
