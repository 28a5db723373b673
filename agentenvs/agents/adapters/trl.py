"""TRL's ``environment_factory``: one class per env id whose public methods are the env's tools.

``GRPOTrainer(environment_factory=trl_environment_factory("agentenvs/TextShop-v0"), train_dataset=...)``
with rows from :func:`trl_rows`. TRL builds one instance per rollout, calls ``reset(**row)``
(the returned text, the env's instructions and first observation, is appended to the prompt),
lets the model call the tools (here the shop's ``search`` and ``click``: typed, documented
methods generated from :mod:`agentenvs.agents.tools`), and scores the rollout with
``get_reward()``: the episode's return (env rewards plus format penalties) under the env's rules.
TRL itself is not imported here; the class only follows its contract.
"""
from __future__ import annotations

import inspect
import json
import typing
from collections.abc import Callable
from typing import Any

from ...errors import ConfigError
from ..chat import observation_text
from ..llm_env import LLMEnv, make
from ..tasks import ROW_KEYS, TaskRow, check_row, llm_entry, tasks
from ..tools import Toolset

OVER = "The episode is over; no more actions are taken."


def trl_rows(env_id: str, split: str = "train", n: int = 100, **task_options: Any) -> list[dict[str, Any]]:
    """Dataset rows for TRL: a ``prompt`` to be completed by ``reset``'s text, and the task row's fields.

    ``config`` is JSON text (a dataset column of one type, whatever the config holds).
    """
    return [{"prompt": [{"role": "user", "content": ""}], **row, "config": json.dumps(row["config"])}
            for row in tasks(env_id, split, n, **task_options)]


class AgentenvsTRLEnv:
    """Base of the generated classes: the episode state and the tool dispatch TRL sees through the methods."""

    env_id: str = ""
    make_options: dict[str, Any] = {}

    def __init__(self) -> None:
        self.env: LLMEnv = make(self.env_id, action_format="tool_call", **self.make_options)
        self.total_reward = 0.0
        self.done = True
        self.last_info: dict[str, Any] = {}

    def reset(self, **row: Any) -> str:
        """Start the task of ``row`` (TRL passes the dataset row); return the instructions and first observation."""
        fields = {key: row[key] for key in ROW_KEYS if key in row}
        if isinstance(fields.get("config"), str):
            fields["config"] = json.loads(fields["config"])
        task: TaskRow = check_row(fields, self.env_id)
        obs, info = self.env.reset(options=dict(task))
        self.total_reward, self.done, self.last_info = 0.0, False, info
        return f"{self.env.episode_prompt()}\n\n{observation_text(obs)}"

    def get_reward(self) -> float:
        """The episode's return so far: env rewards plus format penalties."""
        return self.total_reward

    def _call(self, name: str, arguments: dict[str, Any]) -> str:
        if self.done:
            return OVER
        message = {"role": "assistant", "content": None,
                   "tool_calls": [{"type": "function", "function": {"name": name, "arguments": arguments}}]}
        obs, reward, terminated, truncated, info = self.env.step(message)
        self.total_reward += reward
        self.done, self.last_info = terminated or truncated, info
        text = observation_text(obs)
        if self.done:
            text += f"\n\n{OVER} Score: {info['score']:.2f}."
        return text


def _tool_method(name: str, method: Callable[..., str]) -> Callable[..., str]:
    """A method ``name(self, <method's typed arguments>) -> str`` that plays the tool on the env."""
    def tool(self: AgentenvsTRLEnv, *args: Any, **kwargs: Any) -> str:
        bound = signature.bind(*args, **kwargs)
        return self._call(name, dict(bound.arguments))

    signature = inspect.signature(method)
    self_parameter = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    tool.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[self_parameter, *signature.parameters.values()], return_annotation=str)
    tool.__name__ = tool.__qualname__ = name
    returns = "\n\n        Returns:\n            What the environment shows next.\n"
    tool.__doc__ = (method.__doc__ or "").rstrip() + returns
    tool.__annotations__ = {**typing.get_type_hints(method), "return": str}
    return tool


def trl_environment_factory(env_id: str, **make_options: Any) -> type[AgentenvsTRLEnv]:
    """The class TRL's ``environment_factory`` takes for ``env_id`` (calling it builds one env).

    ``make_options`` go to :func:`agentenvs.agents.make` (``invalid_action``, ``max_turns``, ...);
    the action format is always ``tool_call``.

    Raises:
        ConfigError: an id that is not LLM-facing, or ``action_format`` among the options.
    """
    entry = llm_entry(env_id)
    if "action_format" in make_options:
        raise ConfigError("TRL's env acts through its tools: the action format is always 'tool_call'")
    toolset: Toolset = make(env_id).toolset
    methods = {name: _tool_method(name, method) for name, method in toolset.tools().items()}
    name = "".join(ch for ch in entry.id.split("/")[-1] if ch.isalnum()) + "TRLEnv"
    return type(name, (AgentenvsTRLEnv,), {"env_id": env_id, "make_options": dict(make_options), **methods,
                                           "__doc__": f"TRL environment of {env_id}: {entry.description}."})
