"""TextShop's reference policy: search the target's exact title, open it, choose the goal's options, buy.

Registered as the ``oracle`` of ``agentenvs/TextShop-v0``; it reads the goal from the env
(``env.unwrapped.goal()``), so it scores 1.0 whenever the target is reachable: its title holds
its unique model code, which BM25 ranks first.
"""
from __future__ import annotations

from typing import Any

import gymnasium as gym


class TextShopOracle:
    """Follows ``baselines.reference.ReferencePolicy``; ``seed`` is unused (the plan is deterministic)."""

    def __init__(self, env: gym.Env, seed: int) -> None:
        self.env: Any = env.unwrapped

    def reset(self, env: gym.Env, obs: Any, info: dict[str, Any]) -> None:
        self.env = env.unwrapped

    def act(self, obs: Any) -> str:
        goal = self.env.goal()
        commands = self.env.admissible_commands()
        page = self.env.reward_state()["page"]
        if page == "search":
            return f"search[{goal.name}]"
        if page == "results":
            for wanted in (f"click[{goal.asin}]", "click[next >]"):
                if wanted in commands:
                    return wanted
            return "click[back to search]"
        if page == "item":
            chosen = self.env.reward_state()["chosen_options"]
            for kind, value in goal.options.items():
                if f"{kind}: {value}" not in chosen:
                    return f"click[{value}]"
            return "click[buy now]"
        return "click[< prev]"
