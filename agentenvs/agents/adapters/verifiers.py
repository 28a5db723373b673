"""verifiers (``verifiers.v1``): a taskset of agentenvs task rows and an env that plays them turn by turn.

Written after verifiers' own TextArena taskset: :class:`AgentenvsTaskset` yields one task per
row of :func:`agentenvs.agents.tasks` (prompt: the first observation; system prompt: the env's
rules, action format and goal; ``info``: the row), and :class:`AgentenvsEnv` plays it as the
run's user: each assistant reply is a completion stepped on :func:`agentenvs.agents.make`'s
env, each observation the next user turn, until the episode ends. The trace gets the reward
``env_return`` (env rewards plus format penalties) and the metrics ``score`` and ``success``.

verifiers loads tasksets and envs by plugin id (an installed top-level module exporting them in
``__all__``): the id is ``agentenvs_verifiers``, e.g.
``vf-eval agentenvs_verifiers --env.taskset.env-id agentenvs/TextShop-v0``.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import verifiers.v1 as vf

from ..chat import observation_text
from ..llm_env import make
from ..tasks import tasks

PLUGIN_ID = "agentenvs_verifiers"


class AgentenvsTasksetConfig(vf.TasksetConfig):
    """Which tasks: ``n`` rows of ``split`` of ``env_id`` from ``start``, and the env's LLM options."""

    env_id: str = "agentenvs/Sokoban-Text-v0"
    split: str = "train"
    n: int = 100
    start: int = 0
    action_format: str = "answer_tag"
    invalid_action: str = "feedback"
    format_penalty: float = -0.1
    max_turns: int | None = None

    def make_options(self) -> dict[str, Any]:
        """Keyword arguments of :func:`agentenvs.agents.make`."""
        return {"action_format": self.action_format, "invalid_action": self.invalid_action,
                "format_penalty": self.format_penalty, "max_turns": self.max_turns}


class AgentenvsData(vf.TaskData):
    """A task: verifiers' fields plus ``info``, the agentenvs task row."""

    info: dict[str, Any]


class AgentenvsTask(vf.Task[AgentenvsData, vf.State, vf.TaskConfig]):
    """One agentenvs task."""


class AgentenvsTaskset(vf.Taskset[AgentenvsTask, AgentenvsTasksetConfig]):
    """The rows of one split of one LLM-facing id, as verifiers tasks."""

    def load(self) -> Iterator[AgentenvsTask]:
        """One task per row; the prompt is the row's first observation."""
        config = self.config
        env = make(config.env_id, split=config.split, **config.make_options())
        for row in tasks(config.env_id, config.split, config.n, start=config.start):
            obs, _ = env.reset(options=dict(row))
            data = AgentenvsData(name=f"{row['env_id']}#{row['split']}-{row['task_id']}", prompt=observation_text(obs),
                                 system_prompt=env.episode_prompt(), info=dict(row))
            yield AgentenvsTask(data, config.task)


class AgentenvsEnvConfig(vf.EnvConfig):
    """One agent, the player."""

    player: vf.AgentConfig = vf.AgentConfig()


class AgentenvsEnv(vf.Env[AgentenvsEnvConfig]):
    """Plays an agentenvs task: the player's replies are the actions, the observations the user turns."""

    async def run(self, task: Any, agents: Any) -> None:
        """One episode of ``task`` (see the module docstring)."""
        options = self.config.taskset.make_options() if isinstance(self.config.taskset, AgentenvsTasksetConfig) \
            else {}
        env = make(task.data.info, **options)
        env.reset(options=dict(task.data.info))
        total, info = 0.0, cast(dict[str, Any], {})
        async with agents.player.interaction(task) as interaction:
            segment = await interaction.turn()  # the task's prompt is the first observation
            while not segment.terminated:
                obs, reward, terminated, truncated, info = env.step(segment.last_reply)
                total += reward
                if terminated or truncated:
                    break
                segment = await interaction.turn(observation_text(obs))
        env.close()
        trace = interaction.trace
        trace.record_reward("env_return", total, 1.0)
        trace.record_metric("score", float(info.get("score", 0.0)))
        trace.record_metric("success", float(bool(info.get("success", False))))
        trace.info["task_row"] = dict(task.data.info)
