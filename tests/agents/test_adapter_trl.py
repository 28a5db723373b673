"""TRL's environment_factory contract: tools read as TRL reads them; the oracle's return reached through them."""
import inspect

import pytest

from agentenvs.agents.adapters.trl import OVER, trl_environment_factory, trl_rows
from agentenvs.errors import ConfigError
from tests.agents.scripted import oracle_episode, tool_call_for

pytest.importorskip("trl", reason="needs the agents extra: pip install 'agentenvs[agents]'")
get_json_schema = pytest.importorskip("transformers.utils").get_json_schema

IDS = ["agentenvs/Sokoban-Text-v0", "agentenvs/TextQuest-v0", "agentenvs/TextShop-v0"]


def trl_tools(instance):
    """The tool dict GRPOTrainer builds for an environment instance (trl/trainer/grpo_trainer.py)."""
    members = inspect.getmembers(type(instance), predicate=inspect.isfunction)
    return {name: getattr(instance, name) for name, _ in members
            if name not in ("reset", "get_reward") and not name.startswith("_")}


@pytest.mark.parametrize("env_id", IDS)
def test_the_oracle_reaches_the_same_return_through_trl_tools(env_id):
    if env_id.endswith("TextShop-v0"):
        pytest.importorskip("bm25s")
    row = trl_rows(env_id, "train", 1, start=3)[0]
    actions, raw_return = oracle_episode({**row, "config": {}})
    assert raw_return > 0  # the oracle solves it, so the comparison means something
    env = trl_environment_factory(env_id)()
    prompt = env.reset(**row)
    assert "Your goal:" in prompt and row["env_id"] == env_id
    tools = trl_tools(env)
    for action in actions:
        name, arguments = tool_call_for(env.env.toolset, action)
        reply = tools[name](**arguments)
    assert OVER in reply and env.get_reward() == pytest.approx(raw_return)
    assert tools[name](**arguments) == OVER  # finished episodes stay finished


@pytest.mark.parametrize("env_id", IDS)
def test_transformers_reads_every_tool_schema(env_id):
    if env_id.endswith("TextShop-v0"):
        pytest.importorskip("bm25s")
    env = trl_environment_factory(env_id)()
    schemas = {name: get_json_schema(tool) for name, tool in trl_tools(env).items()}
    assert schemas and all(s["function"]["parameters"]["required"] for s in schemas.values())
    if env_id.endswith("TextShop-v0"):
        assert set(schemas) == {"search", "click"}
        assert schemas["search"]["function"]["parameters"]["properties"]["query"]["type"] == "string"


def test_a_bad_tool_call_costs_the_format_penalty_and_says_why():
    env = trl_environment_factory("agentenvs/Sokoban-Text-v0", format_penalty=-0.5)()
    env.reset(**trl_rows("agentenvs/Sokoban-Text-v0", "val", 1)[0])
    reply = env.move(direction="north")
    assert reply.startswith("Invalid action: move(): argument 'direction'") and env.get_reward() == -0.5


def test_the_action_format_is_not_an_option():
    with pytest.raises(ConfigError, match="always 'tool_call'"):
        trl_environment_factory("agentenvs/TextQuest-v0", action_format="answer_tag")
