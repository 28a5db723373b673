"""The single, vector and multi-agent Sokoban envs accept and refuse the same configs, seeds and actions,
with errors that name the argument; nothing is truncated or converted silently.
"""
import numpy as np
import pytest
from gymnasium.error import ResetNeeded

from agentenvs import make_multi_agent
from agentenvs.errors import ConfigError, InvalidActionError
from agentenvs.sokoban import SokobanEnv, SokobanVectorEnv
from agentenvs.sokoban.multi import SokobanMultiEnv
from agentenvs.sokoban.validation import max_boxes

BUILDERS = {
    "single": SokobanEnv,
    "vector": lambda **kw: SokobanVectorEnv(num_envs=2, **kw),
    "multi": lambda **kw: SokobanMultiEnv(**kw),
}
BAD_CONFIGS = [
    ("dim_room", 5),
    ("dim_room", "10x10"),
    ("dim_room", (5.5, 6)),
    ("dim_room", (10, 10, 3)),
    ("dim_room", (True, 8)),
    ("dim_room", (2, 9)),
    ("dim_room", (8, -8)),
    ("num_boxes", "3"),
    ("num_boxes", 2.0),
    ("num_boxes", True),
    ("num_boxes", 0),
    ("num_boxes", -1),
    ("max_steps", None),
    ("max_steps", 1.5),
    ("max_steps", "100"),
    ("max_steps", False),
    ("max_steps", 0),
    ("max_steps", -3),
    ("reward_mode", "dense"),
    ("reward_mode", None),
    ("render_mode", "video"),
    ("render_mode", 1),
]


@pytest.mark.parametrize("kind", BUILDERS)
@pytest.mark.parametrize("name, value", BAD_CONFIGS)
def test_bad_configs_raise_config_error_naming_the_argument(kind, name, value):
    with pytest.raises(ConfigError, match=name):
        BUILDERS[kind](**{name: value})


@pytest.mark.parametrize("kind", ["single", "vector"])
@pytest.mark.parametrize("name, value", [("min_pushes", -1), ("min_pushes", 1.5), ("min_pushes", None),
                                         ("obs_mode", "pixels"), ("obs_mode", None)])
def test_bad_single_and_vector_configs(kind, name, value):
    with pytest.raises(ConfigError, match=name):
        BUILDERS[kind](**{name: value})


@pytest.mark.parametrize("name, value", [("num_envs", "4"), ("num_envs", 2.0), ("num_envs", 0), ("num_envs", True),
                                         ("num_envs", None), ("pool_size", 0), ("pool_size", "8"), ("pool_size", 1.5)])
def test_bad_vector_configs(name, value):
    kwargs = {"num_envs": 2, name: value}
    with pytest.raises(ConfigError, match=name):
        SokobanVectorEnv(**kwargs)


@pytest.mark.parametrize("value", ["2", 2.0, 0, -1, True, None])
def test_bad_agent_counts(value):
    with pytest.raises(ConfigError, match="num_agents"):
        make_multi_agent("agentenvs/Sokoban-Multi-v0", num_agents=value)


@pytest.mark.parametrize("kind", BUILDERS)
def test_numpy_integers_are_integers(kind):
    env = BUILDERS[kind](dim_room=(np.int64(8), np.int32(8)), num_boxes=np.int64(2), max_steps=np.uint16(50))
    env.reset(seed=np.int64(3))
    assert env.max_steps == 50 and type(env.max_steps) is int


# -- the num_boxes bound the message states is one that works --------------------------------
@pytest.mark.parametrize("dim_room", [(5, 4), (5, 5), (6, 6), (7, 7), (8, 8), (10, 10), (6, 10)])
def test_stated_num_boxes_bound_builds_and_resets_on_many_seeds(dim_room):
    most = max_boxes(dim_room)
    with pytest.raises(ConfigError, match=rf"num_boxes <= {most}\b"):
        SokobanEnv(dim_room=dim_room, num_boxes=most + 1)
    with pytest.raises(ConfigError, match=rf"num_boxes <= {most}\b"):
        SokobanVectorEnv(dim_room=dim_room, num_boxes=most + 1)
    env = SokobanEnv(dim_room=dim_room, num_boxes=most)
    for seed in range(60):
        _, info = env.reset(seed=seed)
        assert env.reward_state()["num_boxes"] == most
    venv = SokobanVectorEnv(num_envs=2, dim_room=dim_room, num_boxes=most, pool_size=40)
    venv.reset(seed=0)
    assert (venv.reward_state()["num_boxes"] == most).all()


def test_num_boxes_is_not_bounded_when_levels_are_given():
    level = "#########\n#@$$$$$ #\n# ..... #\n#########"
    assert max_boxes((4, 9)) < 5
    env = SokobanEnv(dim_room=(4, 9), levels=level)
    env.reset(seed=0)
    assert env.reward_state()["num_boxes"] == 5


# -- seeds ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", BUILDERS)
@pytest.mark.parametrize("seed", [-1, 1.5, "7", True, [1, 2]])
def test_bad_seeds_raise_config_error(kind, seed):
    env = BUILDERS[kind]()
    with pytest.raises(ConfigError, match="seed"):
        env.reset(seed=seed)


@pytest.mark.parametrize("kind", BUILDERS)
def test_python_and_numpy_integer_seeds_agree(kind):
    def first(seed):
        obs = BUILDERS[kind]().reset(seed=seed)[0]
        return obs["player_0"]["observation"] if kind == "multi" else obs

    assert np.array_equal(first(5), first(np.int64(5)))
    assert np.array_equal(first(2**40), first(np.uint64(2**40)))


# -- actions ---------------------------------------------------------------------------------------
GOOD_ACTIONS = [0, 3, np.int64(2), np.uint8(1), np.array(1), np.array([2])]
BAD_ACTIONS = [-1, 4, 1.0, 2.5, True, False, "1", None, np.float32(1), np.array([1, 2]), np.array(True), [1]]
# a batch follows the same rule in each element (bools, floats and strings are refused there too)
GOOD_BATCHES = [np.array([0, 3]), np.array([2, 1], dtype=np.uint8), [0, 3], [np.int64(2), 1], (1, 1)]
BAD_BATCHES = [[-1, 0], [4, 0], [1.0, 0], [2.5, 0], [True, 0], ["1", 0], [None, 0], np.array([1.0, 0.0]),
               np.array([True, False]), np.array([1, 2, 3]), [np.array([1, 2]), 0], 3, np.array([[0, 1]])]


def reset(kind):
    env = BUILDERS[kind]()
    env.reset(seed=0)
    return env


@pytest.mark.parametrize("action", GOOD_ACTIONS, ids=repr)
def test_integer_actions_are_accepted(action):
    reset("single").step(action)
    reset("multi").step({"player_0": action})


@pytest.mark.parametrize("action", BAD_ACTIONS, ids=repr)
def test_other_actions_raise_invalid_action_error(action):
    with pytest.raises(InvalidActionError, match=r"0\.\.3"):
        reset("single").step(action)
    with pytest.raises(InvalidActionError, match=r"0\.\.4"):  # 4 is the multi-agent no-op
        reset("multi").step({"player_0": action if not (type(action) is int and action == 4) else 5})


@pytest.mark.parametrize("actions", GOOD_BATCHES, ids=repr)
def test_integer_batches_are_accepted(actions):
    reset("vector").step(actions)


@pytest.mark.parametrize("actions", BAD_BATCHES, ids=repr)
def test_other_batches_raise_invalid_action_error(actions):
    with pytest.raises(InvalidActionError, match=r"0\.\.3"):
        reset("vector").step(actions)


@pytest.mark.parametrize("kind, bad", [("single", 2.5), ("vector", [0, 2.5]),
                                       ("multi", {"player_0": 0, "player_1": 2.5})])
def test_a_refused_action_changes_nothing(kind, bad):
    env = reset(kind)
    before = env.state() if kind == "multi" else env.to_xsb()
    with pytest.raises(InvalidActionError):
        env.step(bad)  # (multi: player_0's valid move must not be applied either)
    after = env.state() if kind == "multi" else env.to_xsb()
    assert np.array_equal(before, after) if kind == "multi" else before == after
    if kind != "multi":
        assert np.all(env.reward_state()["steps"] == 0)


# -- before reset -------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["single", "vector"])
@pytest.mark.parametrize("method", ["reward_state", "to_xsb", "state_key"])
def test_state_reads_before_reset_raise_reset_needed(kind, method):
    env = BUILDERS[kind]()
    with pytest.raises(ResetNeeded, match=method):
        getattr(env, method)()


@pytest.mark.parametrize("kind", BUILDERS)
def test_step_before_reset_raises_reset_needed(kind):
    env = BUILDERS[kind]()
    with pytest.raises(ResetNeeded):
        env.step({"player_0": 0} if kind == "multi" else 0 if kind == "single" else [0, 0])


def test_multi_agent_state_before_reset_raises_reset_needed():
    with pytest.raises(ResetNeeded, match="state"):
        SokobanMultiEnv().state()


@pytest.mark.parametrize("kind", BUILDERS)
def test_rooms_too_small_to_generate_in_are_refused_at_construction(kind):
    with pytest.raises(ConfigError, match="too small to generate"):
        BUILDERS[kind](dim_room=(4, 4), num_boxes=1)


@pytest.mark.parametrize("level", [5, b"#####\n#@$.#\n#####", ["#####\n#@$.#\n#####"]], ids=repr)
def test_reset_option_level_of_the_wrong_type(level):
    with pytest.raises(ConfigError, match=r"options\['level'\]"):
        SokobanEnv().reset(options={"level": level})


@pytest.mark.parametrize("kind", ["single", "vector"])
def test_a_generator_that_is_not_callable_is_refused_at_construction(kind):
    with pytest.raises(ConfigError, match="generator"):
        BUILDERS[kind](generator="procedural")
