"""agentenvs: Gymnasium environments for agents, with reward-shaper hooks.

Importing the package registers every id (``gym.make("agentenvs/Sokoban-v0")``);
``gym.make("agentenvs:agentenvs/Sokoban-v0")`` imports it for you.
"""
from __future__ import annotations

from .registration import GYM_ENVS, MULTI_AGENT_ENVS, make_multi_agent, register_all

register_all()

from .agents.tasks import tasks  # noqa: E402  (LLM task rows; agentenvs.agents needs the ids registered)

__all__ = ["GYM_ENVS", "MULTI_AGENT_ENVS", "make_multi_agent", "tasks"]
__version__ = "0.1.0"
