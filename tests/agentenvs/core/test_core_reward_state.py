"""The reward-state contract: generated docs, the shared vocabulary, and Sokoban's fields on hand-made positions."""
import numpy as np
import pytest
from gymnasium import spaces

from agentenvs import make_multi_agent
from agentenvs.core import VOCABULARY, FieldDoc, RewardStateSpecError, describe_reward_state, vocabulary_mismatches
from agentenvs.core.text import text_space
from agentenvs.sokoban import SokobanEnv, SokobanVectorEnv, parse_xsb
from agentenvs.sokoban.constants import LEFT

ONE_PUSH = "######\n#    #\n# .$@#\n#    #\n######"  # LEFT solves it
TWO_BOXES = "#######\n#     #\n# .$@ #\n# .$  #\n#######"


def test_doc_lists_name_dtype_shape_range_units_and_meaning():
    space = spaces.Dict({
        "target_box": spaces.Box(0, 639, (4,), np.float32),
        "instruction": text_space(80),
        "hp": spaces.Box(0.0, 1.0, (3,), np.float32),
    })
    doc = describe_reward_state(space, {"hp": FieldDoc("health of each unit", "fraction of full health")})
    lines = doc.splitlines()
    assert lines[0].startswith("reward_state(): dict of numpy arrays")
    assert lines[1:] == [
        "    hp: float32[3] in [0, 1]; units: fraction of full health; health of each unit",
        "    instruction: str (at most 80 characters); units: text; "
        "the task in words, as env.unwrapped.instruction() returns it [vocabulary]",
        "    target_box: float32[4] in [0, 639]; units: screen pixels [x1, y1, x2, y2]; "
        "bounding box of the element the task asks to act on [vocabulary]",
    ]


@pytest.mark.parametrize(("space", "descriptions", "pattern"), [
    (spaces.Dict({"score": spaces.Box(0, 1, (), np.float32)}), {}, "field 'score' has no description"),
    (spaces.Dict({"cursor": spaces.Box(0, 99, (2,), np.int64)}), {},
     "field 'cursor' is int64, the vocabulary says float32"),
    (spaces.Dict({"target_box": spaces.Box(0, 99, (2, 2), np.float32)}), {},
     r"shape \(2, 2\), the vocabulary says \(4,\)"),
    (spaces.Dict({"element_boxes": spaces.Box(0, 99, (5, 2), np.float32)}), {}, r"vocabulary says \('K', 4\)"),
    (spaces.Dict({"steps": spaces.Box(0, 9, (), np.int64)}), {"steps": FieldDoc("ticks", "seconds")},
     "field 'steps' is in units 'seconds', the vocabulary says 'env steps'"),
    (spaces.Dict({"a": spaces.Box(0, 1, (), np.int64)}), {"a": FieldDoc("x"), "b": FieldDoc("y")},
     r"descriptions name fields the space lacks: \['b'\]"),
    (spaces.Dict({"a": spaces.Discrete(3)}), {"a": FieldDoc("x")}, "fields are Box or Text spaces"),
    (spaces.Dict({}), {}, "non-empty gymnasium.spaces.Dict"),
])
def test_contract_breaches_are_refused_with_the_field_named(space, descriptions, pattern):
    with pytest.raises(RewardStateSpecError, match=pattern):
        describe_reward_state(space, descriptions)


def test_free_dimensions_of_the_vocabulary_take_any_size():
    space = spaces.Dict({"element_boxes": spaces.Box(-1, 99, (17, 4), np.float32),
                         "walls": spaces.Box(0, 1, (3, 8), bool)})
    assert vocabulary_mismatches(space) == []


@pytest.mark.parametrize("space", [
    SokobanEnv(dim_room=(7, 7), num_boxes=2).reward_state_space,
    SokobanVectorEnv(num_envs=3, dim_room=(7, 7), num_boxes=2).single_reward_state_space,
    make_multi_agent("agentenvs/Sokoban-Multi-v0").reward_state_space("player_0"),
])
def test_sokoban_uses_vocabulary_names_with_their_dtypes_and_shapes(space):
    assert vocabulary_mismatches(space) == []
    assert {"player", "boxes", "goals", "walls", "success", "steps", "max_steps"} <= set(space.spaces)
    assert set(space.spaces) & set(VOCABULARY)


def test_sokoban_reward_state_of_a_hand_made_position():
    env = SokobanEnv(dim_room=(6, 7), levels=[ONE_PUSH, TWO_BOXES], max_steps=50)
    env.reset(seed=0, options={"level": ONE_PUSH})
    state = env.reward_state()
    # ONE_PUSH (5x6) is centred in a 6x7 room: one row of padding below, one column to the right
    assert state["player"].tolist() == [2, 4]
    assert state["boxes"].tolist() == [[2, 3], [-1, -1]]  # two rows: the most boxes among the env's levels
    assert state["goals"].tolist() == [[2, 2], [-1, -1]]
    assert state["box_on_goal"].tolist() == [False, False]
    assert (int(state["num_boxes"]), int(state["boxes_on_target"]), bool(state["success"])) == (1, 0, False)
    assert state["walls"][5].all() and state["walls"][:, 6].all() and not state["walls"][2, 2]
    env.step(LEFT)
    state = env.reward_state()
    assert state["player"].tolist() == [2, 3] and state["boxes"].tolist() == [[2, 2], [-1, -1]]
    assert state["box_on_goal"].tolist() == [True, False] and bool(state["success"]) and int(state["steps"]) == 1
    assert env.reward_state_space.contains(state)


def test_a_level_with_more_boxes_than_the_space_holds_is_refused():
    env = SokobanEnv(dim_room=(6, 7), num_boxes=1)
    with pytest.raises(Exception, match="holds at most 1; build the env with num_boxes=2"):
        env.reset(seed=0, options={"level": TWO_BOXES})
    env.reset(seed=0, options={"level": ONE_PUSH})  # the env still works
    assert env.reward_state_space.contains(env.reward_state())


def test_multi_agent_reward_state_gives_each_agent_its_own_player():
    env = make_multi_agent("agentenvs/Sokoban-Multi-v0", num_agents=3)
    env.reset(seed=4)
    state = env.reward_state()
    assert list(state) == env.possible_agents
    players = state["player_0"]["players"]
    for i, agent in enumerate(env.possible_agents):
        assert state[agent]["player"].tolist() == players[i].tolist()
        assert env.reward_state_space(agent).contains(state[agent])
    grid = env.state()
    assert all(grid[r, c] in (5, 6) for r, c in players.tolist())  # every listed cell holds a player
    assert len({tuple(p) for p in players.tolist()}) == 3


def test_doc_of_sokoban_is_generated_from_its_space():
    env = SokobanEnv(dim_room=parse_xsb(TWO_BOXES).shape, levels=TWO_BOXES, max_steps=40)
    doc = env.reward_state_doc
    assert "    boxes: int64[2, 2] in [-1, -1]..[4, 6] along the last axis;" in doc
    assert "    steps: int64[] in [0, 40]; units: env steps" in doc
    assert all(f"    {name}: " in doc for name in env.reward_state_space.spaces)


def test_cell_lists_are_row_major_padded_and_cut_per_room():
    from agentenvs.sokoban.reward_state import _positions

    mask = np.array([[0, 1, 0, 1, 1, 0], [0, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 1]], dtype=bool)  # rooms of 2x3 cells
    out = _positions(mask, 2, 3)
    assert out.dtype == np.int64
    assert out.tolist() == [[[0, 1], [1, 0]], [[-1, -1], [-1, -1]], [[0, 0], [1, 2]]]
    assert _positions(mask, 4, 3)[0].tolist() == [[0, 1], [1, 0], [1, 1], [-1, -1]]
