"""Parsing text actions."""
import pytest

from agentenvs.sokoban.actions import TEXT_ACTION_MAX_LENGTH, parse_text_action, text_action_space
from agentenvs.sokoban.constants import DOWN, LEFT, RIGHT, UP


@pytest.mark.parametrize(
    "text, action",
    [("up", UP), ("DOWN", DOWN), ("  Left \n", LEFT), ("\tright", RIGHT), ("<answer>up</answer>", UP),
     ("<answer>\n Right \n</answer>  ", RIGHT), ("<ANSWER>down</ANSWER>", DOWN)],
)
def test_action_names_in_any_case_whitespace_and_answer_tags(text, action):
    assert parse_text_action(text) == action


@pytest.mark.parametrize(
    "text", ["", "   ", "u", "upp", "go up", "up!", "<answer>up", "up</answer>", "<answer></answer>",
             "<answer>up</answer> down", "north", "1"],
)
def test_anything_else_is_no_action(text):
    assert parse_text_action(text) is None


def test_text_action_space_contains_the_names():
    space = text_action_space()
    assert space.contains("left") and space.contains("<answer>up</answer>")
    assert space.max_length == TEXT_ACTION_MAX_LENGTH
