import pytest

from reward_plugins.codegen import REWARD_SIGNATURE, build_messages, extract_code, repair_messages
from reward_plugins.errors import RewardCodeError

GOOD = "def compute_reward(state):\n    x = state['a'].float()\n    return x, {'a': x}\n"


@pytest.mark.parametrize("reply", [
    f"Here you go:\n```python\n{GOOD}```\nIt rewards a.",
    f"```py\n{GOOD}```",
    f"```\n{GOOD}```",
    GOOD,
    f"First try:\n```python\ndef helper():\n    pass\n```\nthen\n```python\n{GOOD}```",
])
def test_the_block_that_defines_compute_reward_is_extracted(reply):
    assert extract_code(reply) == GOOD


def test_the_last_defining_block_wins_and_an_unclosed_fence_is_read_to_the_end():
    old = GOOD.replace("float()", "double()")
    assert extract_code(f"```python\n{old}```\nbetter:\n```python\n{GOOD}```") == GOOD
    assert extract_code(f"```python\n{GOOD}") == GOOD


@pytest.mark.parametrize("reply", ["", "I cannot help with that.", "```js\nfunction compute_reward(s) {}\n```",
                                   "```python\ndef reward(state):\n    return 1\n```", 42])
def test_replies_without_the_function_are_refused_with_a_reason(reply):
    with pytest.raises(RewardCodeError, match="compute_reward|must be text"):
        extract_code(reply)


def test_prompt_carries_task_doc_signature_rules_examples_and_feedback():
    messages = build_messages("boxes_on_targets: int64 [] ...", "push every box onto a target",
                              examples=["def compute_reward(state):\n    return 0"], feedback="success stayed at 0")
    assert [m["role"] for m in messages] == ["system", "user"]
    user = messages[1]["content"]
    order = [user.index(s) for s in ("Task: push every box", "boxes_on_targets: int64", REWARD_SIGNATURE,
                                     "Rules:", "Example 1", "success stayed at 0", "one ```python code block")]
    assert order == sorted(order)
    assert "no import statements" in user and "underscore" in user


@pytest.mark.parametrize("env_doc, task", [("", "t"), ("doc", "  "), (None, "t")])
def test_prompt_refuses_an_empty_doc_or_task(env_doc, task):
    with pytest.raises(RewardCodeError, match="non-empty"):
        build_messages(env_doc, task)


def test_repair_continues_the_conversation_with_the_error():
    first = build_messages("doc", "task")
    out = repair_messages(first, "bad reply", "- total has shape (3, 1)")
    assert out[:2] == first and out[2] == {"role": "assistant", "content": "bad reply"}
    assert "total has shape (3, 1)" in out[3]["content"] and out[3]["role"] == "user"
