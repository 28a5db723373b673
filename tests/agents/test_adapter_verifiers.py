"""verifiers v1: the plugin loads by id, tasks carry rows, the oracle's return is reached through AgentenvsEnv.run.

The model side of verifiers (a harness program talking to a model endpoint) needs uv and the
network, so the player here is a scripted interaction returning verifiers' own Segment and
AssistantMessage objects; the env, taskset, tasks and trace are verifiers' real classes.
"""
import asyncio
import contextlib

import pytest

from tests.agents.scripted import oracle_episode

vf = pytest.importorskip("verifiers.v1", reason="needs the agents extra: pip install 'agentenvs[agents]'")

from agentenvs.agents.adapters.verifiers import (  # noqa: E402  (after the skip)
    AgentenvsEnv,
    AgentenvsEnvConfig,
    AgentenvsTaskset,
    AgentenvsTasksetConfig,
)


class ScriptedInteraction:
    """Answers each user turn with the next scripted reply; records what the env said."""

    def __init__(self, task, replies):
        self.replies, self.heard = list(replies), []
        self.trace = vf.Trace(task=vf.TraceTask(type="AgentenvsTask", data=task.data),
                              agent=vf.AgentInfo(config=vf.AgentConfig()))

    async def turn(self, message=None):
        self.heard.append(message)
        if not self.replies:
            return vf.Segment(messages=[], terminated=True)
        return vf.Segment(messages=[vf.AssistantMessage(content=self.replies.pop(0))])


class ScriptedAgents:
    def __init__(self, replies):
        self.replies, self.interactions = replies, []
        self.player = self

    @contextlib.asynccontextmanager
    async def interaction(self, task):
        self.interactions.append(ScriptedInteraction(task, self.replies))
        yield self.interactions[-1]


def _env(env_id, split="val", n=2, **options):
    config = AgentenvsEnvConfig(taskset=AgentenvsTasksetConfig(id="agentenvs_verifiers", env_id=env_id, split=split,
                                                               n=n, **options))
    return vf.load_environment(config)


def test_the_plugin_id_loads_our_env_and_taskset():
    env = _env("agentenvs/TextQuest-v0")
    assert type(env) is AgentenvsEnv and type(env.taskset) is AgentenvsTaskset
    tasks = list(env.taskset)
    assert [t.data.info["task_id"] for t in tasks] == [2**30, 2**30 + 1]
    assert tasks[0].data.prompt.startswith("Your task is to:") and "text adventure" in tasks[0].data.system_prompt


@pytest.mark.parametrize("env_id", ["agentenvs/Sokoban-Text-v0", "agentenvs/TextQuest-v0", "agentenvs/TextShop-v0"])
def test_the_oracle_reaches_the_raw_env_return_through_the_env(env_id):
    if env_id.endswith("TextShop-v0"):
        pytest.importorskip("bm25s")
    env = _env(env_id)
    task = list(env.taskset)[1]
    actions, raw_return = oracle_episode(task.data.info)
    assert raw_return > 0
    agents = ScriptedAgents([f"<think>plan</think><answer>{a}</answer>" for a in actions])
    asyncio.run(env.run(task, agents))
    interaction = agents.interactions[0]
    assert interaction.heard[0] is None  # the prompted task speaks first
    assert interaction.trace.rewards["env_return"].score == pytest.approx(raw_return)
    assert interaction.trace.metrics["success"] == 1.0 and interaction.trace.metrics["score"] == 1.0
    assert interaction.trace.info["task_row"] == task.data.info


def test_format_penalties_count_in_the_return():
    env = _env("agentenvs/Sokoban-Text-v0", format_penalty=-0.5, max_turns=3)
    task = list(env.taskset)[0]
    agents = ScriptedAgents(["no tags", "<answer>up</answer>", "still none"])
    asyncio.run(env.run(task, agents))
    interaction = agents.interactions[0]
    assert interaction.trace.rewards["env_return"].score == pytest.approx(-1.0)
    assert interaction.heard[1].startswith("Invalid action: no <answer>")
