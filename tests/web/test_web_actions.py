import pytest

from agentenvs.errors import InvalidActionError
from agentenvs.web.actions import check_dict_action, format_action, parse_command


@pytest.mark.parametrize(("text", "action"), [
    ("click(12)", {"type": "click", "ref": 12}),
    ('  type(3, "hello, world")  ', {"type": "type", "ref": 3, "text": "hello, world"}),
    ("type(3, 'it\\'s')", {"type": "type", "ref": 3, "text": "it's"}),
    ('select(4, "Peru")', {"type": "select", "ref": 4, "option": "Peru"}),
    ('press("Enter")', {"type": "press", "key": "Enter"}),
    ("click_xy(10.5, 20)", {"type": "click_xy", "x": 10.5, "y": 20}),
    ("scroll(-120)", {"type": "scroll", "dy": -120}),
    ("I will click it. <answer>click(7)</answer> done", {"type": "click", "ref": 7}),
    ('<ANSWER> type(1, "a\\"b") </ANSWER>', {"type": "type", "ref": 1, "text": 'a"b'}),
])
def test_text_commands_parse(text, action):
    assert parse_command(text) == action


@pytest.mark.parametrize(("text", "says"), [
    ("click me", "cannot parse"),
    ("jump(3)", "unknown command 'jump'"),
    ("click(3, 4)", "takes 1 argument"),
    ('click("three")', "ref must be an integer"),
    ("click(2.5)", "ref must be an integer"),
    ("type(3, hello)", "cannot read the arguments"),
    ('press("F13")', "press takes one of"),
    ("__import__('os').system('true')", "unknown command '__import__'"),
])
def test_bad_commands_say_why(text, says):
    message = parse_command(text)
    assert isinstance(message, str) and says in message


def test_dict_actions_are_checked_and_round_trip_through_text():
    action = check_dict_action({"type": "type", "ref": 2, "text": 'say "hi"'})
    assert parse_command(format_action(action)) == action
    assert check_dict_action({"type": "click_xy", "x": 3, "y": 4.5}) == {"type": "click_xy", "x": 3.0, "y": 4.5}
    with pytest.raises(ValueError, match=r"exactly the keys \['ref', 'type'\]"):
        check_dict_action({"type": "click", "ref": 1, "x": 2})
    with pytest.raises(InvalidActionError, match="'type' in"):
        check_dict_action({"action": "click", "ref": 1})
    with pytest.raises(InvalidActionError, match="'ref' must be an int"):
        check_dict_action({"type": "click", "ref": True})
