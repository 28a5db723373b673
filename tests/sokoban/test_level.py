"""XSB parsing: round trips, Boxoban files, and a LevelError naming line and column for each fault."""
import numpy as np
import pytest

from agentenvs.errors import ConfigError, LevelError
from agentenvs.sokoban import SokobanEnv, SokobanVectorEnv, generate_level, load_levels, parse_xsb
from agentenvs.sokoban.level import outside_cells

LEVEL = "#######\n#     #\n# .$@ #\n# *   #\n#######"


def test_to_xsb_round_trips_a_parsed_level():
    assert parse_xsb(LEVEL).to_xsb() == LEVEL
    env = SokobanEnv(dim_room=(5, 7), levels=LEVEL)
    env.reset(seed=0)
    assert env.to_xsb() == LEVEL


def test_env_to_xsb_crops_the_wall_padding():
    env = SokobanEnv(dim_room=(9, 11), levels=LEVEL)
    obs, _ = env.reset(seed=0)
    assert obs.shape == (9, 11)
    assert env.to_xsb() == LEVEL


@pytest.mark.parametrize(
    "text, message, line, column",
    [
        ("#####\n# $.#\n#####", "no player", 1, None),
        ("######\n#@$.@#\n######", "2 players", 2, 5),
        ("######\n#@$$.#\n######", "2 boxes but 1 goals", 1, None),
        ("#####\n#@$x#\n#####", "unknown character 'x'", 2, 4),
        ("#####\n#@$. \n#####", "open", 2, 5),
    ],
)
def test_malformed_levels_raise_level_error_with_position(text, message, line, column):
    with pytest.raises(LevelError, match=message) as caught:
        parse_xsb(text)
    assert caught.value.line == line
    assert caught.value.column == column
    assert f"line {line}" in str(caught.value)


def test_boxoban_file_loads_every_level(tmp_path):
    body = "##########\n#@ $   . #\n##########"
    path = tmp_path / "levels.txt"
    path.write_text(f"; 0\n{body}\n\n; 1\n{body.replace('@ $', ' @$')}\n")
    levels = load_levels(path)
    assert len(levels) == 2
    assert levels[1].player == (1, 2)
    assert load_levels(str(path))[0] == levels[0]


def test_level_too_large_for_the_room_is_a_config_error():
    with pytest.raises(ConfigError, match="dim_room"):
        SokobanEnv(dim_room=(4, 4), levels=LEVEL)


def test_collections_with_plain_title_lines_parse():
    from agentenvs.sokoban.level import parse_levels

    levels = parse_levels("Level 1\n#####\n#@$.#\n#####\n\nLevel 2 (easy)\n#####\n#.$@#\n#####\n")
    assert len(levels) == 2 and levels[1].player == (1, 3)


# The classic first level: ragged rows, spaces outside the walls on every side, an outside notch in the middle.
CLASSIC = """\
    #####
    #   #
    #$  #
  ###  $##
  #  $ $ #
### # ## #   ######
#   # ## #####  ..#
# $  $          ..#
##### ### #@##  ..#
    #     #########
    #######"""
# A room with a ragged right side, outside cells below the walls and a one-cell goal alcove.
RAGGED = """\
#####
#@  ###
# $   #
##. ###
 ####"""


@pytest.mark.parametrize("text", [CLASSIC, RAGGED])
def test_irregular_levels_keep_their_outside_as_outside(text):
    level = parse_xsb(text)
    assert level.to_xsb() == text
    assert parse_xsb(level.to_xsb()) == level
    env = SokobanEnv(dim_room=(12, 20), levels=text)
    env.reset(seed=0)
    assert env.to_xsb() == text  # no wall padding and no walls filling the outside
    assert parse_xsb(env.to_xsb()) == level


def test_vector_env_to_xsb_keeps_the_outside():
    venv = SokobanVectorEnv(num_envs=2, dim_room=(12, 20), levels=[CLASSIC, RAGGED])
    venv.reset(seed=0)
    texts = venv.to_xsb()
    assert set(texts) <= {CLASSIC, RAGGED}
    assert all(parse_xsb(text).to_xsb() == text for text in texts)


def test_outside_is_what_lies_beyond_the_walls():
    walls = parse_xsb(RAGGED).walls
    expected = [
        ".....XX",
        ".......",
        ".......",
        ".......",
        "X....XX",
    ]
    assert ["".join("X" if cell else "." for cell in row) for row in outside_cells(walls)] == expected


def test_thick_walls_inside_the_room_stay_walls():
    # the 3x3 block in the middle touches no floor at its centre, but it is not outside the room
    text = "#######\n#     #\n# ### #\n# ###$#\n# ###.#\n#@    #\n#######"
    assert parse_xsb(text).to_xsb() == text


def test_generated_levels_parse_back_to_the_same_position():
    rng = np.random.default_rng(0)
    for _ in range(100):
        level = generate_level(rng, (10, 10), 3)
        text = level.to_xsb()
        again = parse_xsb(text)
        assert again.to_xsb() == text
        assert all(line and line == line.rstrip() for line in text.split("\n"))  # no blank rows, no trailing spaces
        # the same position, at most shifted by the rows wholly outside the room that the text drops
        pairs = ((level.boxes, again.boxes), (level.goals, again.goals), (~level.walls, ~again.walls))
        for level_cells, again_cells in pairs:
            assert np.array_equal(np.argwhere(level_cells) - level.player, np.argwhere(again_cells) - again.player)
