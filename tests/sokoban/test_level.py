"""XSB parsing: round trips, Boxoban files, and a LevelError naming line and column for each fault."""
import pytest

from agentenvs.errors import ConfigError, LevelError
from agentenvs.sokoban import SokobanEnv, load_levels, parse_xsb

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
