"""The named action formats against hand-made completions: what each reads, and why it refuses."""
import json

import pytest

from agentenvs.agents.parsers import ToolCall, get_parser, unwrap_answer
from agentenvs.errors import ConfigError


@pytest.mark.parametrize(("name", "options", "text", "value"), [
    ("answer_tag", {}, "<think>hmm</think><answer> up </answer>", "up"),
    ("answer_tag", {}, "<answer>up</answer> wait, no: <ANSWER>left</ANSWER>", "left"),
    ("answer_tag", {"require_think": True}, "<think>push it</think>\n<answer>down</answer>", "down"),
    ("boxed", {}, "so \\boxed{x} then \\boxed{ search[{a}] }", "search[{a}]"),
    ("bracket", {}, "I pick [search[red shirt]] now", "search[red shirt]"),
    ("bracket", {"aliases": {"w": "up"}}, "[W]", "up"),
    ("multi", {"max_actions_per_turn": 3}, "<answer>Right || Up||left</answer>", ["Right", "Up", "left"]),
    ("plain", {}, "  <answer> look </answer>\n", "look"),
    ("plain", {}, " go north ", "go north"),
])
def test_each_format_reads_its_action(name, options, text, value):
    result = get_parser(name, **options)(text)
    assert result.valid and result.error is None and result.value == value


@pytest.mark.parametrize(("name", "options", "completion", "reason"), [
    ("answer_tag", {}, "up", "no <answer>"),
    ("answer_tag", {}, "<answer>   </answer>", "is empty"),
    ("answer_tag", {}, "<answer>up", "no <answer>"),
    ("answer_tag", {"require_think": True}, "<answer>up</answer><think>late</think>", "no <think>"),
    ("boxed", {}, "\\boxed{up", "never closed"),
    ("bracket", {}, "up]", "no [action]"),
    ("multi", {"max_actions_per_turn": 2}, "<answer>a || b || c</answer>", "at most 2"),
    ("multi", {}, "<answer>a || || c</answer>", "is empty"),
    ("answer_tag", {}, b"\xff\xfe", "not UTF-8"),
    ("answer_tag", {}, 42, "int, not text"),
    ("tool_call", {}, "<tool_call>{oops}</tool_call>", "not valid JSON"),
    ("tool_call", {}, '<tool_call>{"arguments": {}}</tool_call>', "non-empty 'name'"),
    ("tool_call", {}, '<tool_call>{"name": "a", "arguments": "[1]"}</tool_call>', "must be a JSON object"),
    ("tool_call", {}, "[" * 100_000, "no tool call found"),
    ("tool_call", {}, '<tool_call>{"name": "a"}</tool_call><tool_call>{"name": "b"}</tool_call>', "at most 1"),
])
def test_refusals_say_why(name, options, completion, reason):
    result = get_parser(name, **options)(completion)
    assert not result.valid and result.actions == () and result.value is None and reason in result.error


def test_tool_calls_in_hermes_openai_message_and_json_forms():
    parse = get_parser("tool_call", max_calls=2)
    expected = (ToolCall("search", {"query": "red shirt"}),)
    hermes = '<think>x</think><tool_call>\n{"name": "search", "arguments": {"query": "red shirt"}}\n</tool_call>'
    message = {"role": "assistant", "content": None, "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "search", "arguments": '{"query": "red shirt"}'}}]}
    assert parse(hermes).actions == expected
    assert parse(message).actions == expected
    assert parse(json.dumps(message)).actions == expected
    assert parse(message).value == [{"name": "search", "arguments": {"query": "red shirt"}}]


def test_answer_tag_reads_a_message_dict_and_bytes():
    assert get_parser("answer_tag")({"role": "assistant", "content": "<answer>up</answer>"}).value == "up"
    assert get_parser("answer_tag")("<answer>ü</answer>".encode()).value == "ü"


def test_a_100_kb_completion_is_read_in_one_pass():
    text = "x" * 100_000 + "<answer>left</answer>" + "y" * 100_000
    assert get_parser("answer_tag")(text).value == "left"


def test_unwrap_answer_only_unwraps_a_tag_around_everything():
    assert unwrap_answer("<answer> DOWN </answer>\n") == "DOWN"
    assert unwrap_answer("<answer>up</answer> down") == "<answer>up</answer> down"


def test_unknown_formats_and_options_are_config_errors():
    with pytest.raises(ConfigError, match="unknown action format 'json'"):
        get_parser("json")
    with pytest.raises(ConfigError, match="takes options \\['require_think'\\]"):
        get_parser("answer_tag", max_actions_per_turn=2)


def test_the_parser_module_never_evaluates_model_text():
    import inspect

    from agentenvs.agents import parsers

    source = inspect.getsource(parsers)
    assert "eval(" not in source and "exec(" not in source
