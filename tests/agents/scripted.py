"""The adapter tests' scripted policy: the registry's oracle on the raw env, and its actions as tool calls."""
import re

import gymnasium as gym
from gymnasium.envs.registration import load_env_creator

from agentenvs.agents.tasks import constructor_kwargs, reset_arguments
from agentenvs.agents.tools import ShopTools, SokobanTools
from agentenvs.registration import get_entry

_COMMAND = re.compile(r"(search|click)\[(.*)\]", re.DOTALL)


def oracle_episode(row, max_steps=60):
    """The oracle's text actions on the raw env (``gym.make``) for ``row``, and the return they earn there."""
    entry = get_entry(row["env_id"])
    raw = gym.make(row["env_id"], **constructor_kwargs(entry, row["split"], row["config"]))
    seed, options = reset_arguments(entry, row)
    obs, info = raw.reset(seed=seed, options=options)
    oracle = load_env_creator(entry.oracle)(raw, 0)
    oracle.reset(raw, obs, info)
    actions, total = [], 0.0
    for _ in range(max_steps):
        action = oracle.act(obs)
        obs, reward, terminated, truncated, info = raw.step(action)
        actions.append(action)
        total += reward
        if terminated or truncated:
            break
    return actions, total


def tool_call_for(toolset, action):
    """``(tool name, arguments)`` that make ``toolset`` produce the text ``action``."""
    if isinstance(toolset, SokobanTools):
        return "move", {"direction": action}
    if isinstance(toolset, ShopTools):
        verb, argument = _COMMAND.fullmatch(action).groups()
        return verb, {"query" if verb == "search" else "button": argument}
    return "act", {"action": action}
