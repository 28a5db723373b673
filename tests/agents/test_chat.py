"""ChatHistory: the messages of a real episode in each mode, tool turns, images as content parts, anchors."""
import base64
import io

import numpy as np
import pytest
from PIL import Image

from agentenvs.agents import ChatHistory, make, tasks
from agentenvs.agents.chat import observation_content, observation_digest
from agentenvs.errors import ConfigError

LEVEL = "#######\n#  @  #\n# $ . #\n#     #\n#######"


def _played(mode, k=2):
    chat = ChatHistory(make("agentenvs/Sokoban-Text-v0"), mode=mode, k=k)
    chat.reset(options={"level": LEVEL})
    for reply in ("<answer>left</answer>", "oops", "<answer>down</answer>"):
        messages, *_ = chat.step(reply)
    return chat, messages


def test_full_mode_keeps_every_turn_in_openai_roles():
    chat, messages = _played("full")
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user", "assistant", "user", "assistant",
                                             "user"]
    assert "Sokoban" in messages[0]["content"] and "<answer>left</answer>" in messages[0]["content"]
    assert messages[0]["content"].endswith("Your goal: " + chat.env.unwrapped.instruction())
    assert messages[1]["content"] == LEVEL and messages[2]["content"] == "<answer>left</answer>"
    assert messages[5]["content"].startswith("Invalid action: no <answer>")  # feedback after 'oops'
    assert messages[-1]["content"] == chat.env.unwrapped.to_xsb()


def test_window_keeps_the_last_k_turns_and_state_only_none():
    _, full = _played("full")
    _, window = _played("window", k=1)
    _, state = _played("state_only")
    assert window == [full[0], *full[-3:]]
    assert state == [full[0], full[-1]]
    _, empty_window = _played("window", k=0)
    assert empty_window == state


def test_anchor_is_the_env_state_key_or_a_stable_digest_of_the_text():
    chat, _ = _played("full")
    assert chat.anchor() == int(chat.env.unwrapped.state_key())
    row = next(tasks("agentenvs/TextQuest-v0", "train", 1))
    quest_a, quest_b = ChatHistory(make("agentenvs/TextQuest-v0")), ChatHistory(make("agentenvs/TextQuest-v0"))
    quest_a.reset(options=row)
    quest_b.reset(options=row)
    assert quest_a.anchor() == quest_b.anchor() == observation_digest(quest_a.turns[-1].observation)
    quest_b.step("<answer>inventory</answer>")
    assert quest_b.anchor() != quest_a.anchor()


def test_openai_tool_calls_are_answered_by_tool_messages():
    chat = ChatHistory(make("agentenvs/Sokoban-Text-v0", action_format="tool_call"))
    chat.reset(options={"level": LEVEL})
    call = {"id": "call_7", "type": "function", "function": {"name": "move", "arguments": '{"direction": "left"}'}}
    messages, *_ = chat.step({"role": "assistant", "content": None, "tool_calls": [call]})
    assert messages[-2] == {"role": "assistant", "content": "", "tool_calls": [call]}
    assert messages[-1] == {"role": "tool", "tool_call_id": "call_7", "content": chat.env.unwrapped.to_xsb()}
    assert chat.tools[0]["function"]["name"] == "move"
    assert chat.tools[0]["function"]["parameters"]["properties"]["direction"]["enum"] == ["up", "down", "left", "right"]


def test_images_become_png_content_parts_that_decode_to_the_same_pixels():
    image = np.arange(4 * 5 * 3, dtype=np.uint8).reshape(4, 5, 3)
    content = observation_content({"goal": "click the red button", "screenshot": image})
    assert content[0] == {"type": "text", "text": "goal: click the red button"}
    url = content[1]["image_url"]["url"]
    assert url.startswith("data:image/png;base64,")
    decoded = np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))))
    assert np.array_equal(decoded, image)
    assert observation_content(image)[0]["type"] == "image_url"


def test_bad_arguments_are_config_errors():
    with pytest.raises(ConfigError, match="needs an LLMEnv"):
        ChatHistory(object())
    with pytest.raises(ConfigError, match="mode must be one of"):
        ChatHistory(make("agentenvs/Sokoban-Text-v0"), mode="last")
    with pytest.raises(ConfigError, match="before messages"):
        ChatHistory(make("agentenvs/Sokoban-Text-v0")).messages()
