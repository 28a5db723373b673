"""The web tasks' reference policy: each task's scripted solution, written as the text commands an agent sends.

Registered as the ``oracle`` of every ``agentenvs/Web-*-v0`` id. It reads the instance and the
current elements from the env (``env.unwrapped.instance``, ``env.unwrapped.view``) and asks the
task's ``solve`` (:mod:`.tasks`) for the next action; in the web shop it searches the target's
exact title, opens it (paging on when needed), chooses the goal's options and buys.
"""
from __future__ import annotations

from typing import Any

import gymnasium as gym

from .actions import format_action
from .tasks import TASKS, Action, View


def shop_action(env: Any, view: View) -> Action:
    """The next step of the web shop's plan on the current page."""
    goal, session = env.goal(), env.session
    if session.page == "search":
        box = view.find("textbox")
        if box is not None and box.value != goal.name:
            return {"type": "type", "ref": box.ref, "text": goal.name}
        return {"type": "click", "ref": view.ref("button", "Search")}
    if session.page == "results":
        for text in (goal.asin, "Next >", "Back to Search"):
            if view.find("link", text) is not None:
                return {"type": "click", "ref": view.ref("link", text)}
    if session.page == "item":
        for kind, value in goal.options.items():
            if session.chosen.get(kind) != value:
                return {"type": "click", "ref": view.ref("link", value)}
        return {"type": "click", "ref": view.ref("button", "Buy Now")}
    return {"type": "click", "ref": view.ref("link", "< Prev")}


class WebOracle:
    """Follows ``baselines.reference.ReferencePolicy``; ``seed`` is unused (the plans are deterministic)."""

    def __init__(self, env: gym.Env, seed: int) -> None:
        self.env: Any = env.unwrapped

    def reset(self, env: gym.Env, obs: Any, info: dict[str, Any]) -> None:
        self.env = env.unwrapped

    def action(self) -> Action:
        """The next Dict action."""
        env = self.env
        task = TASKS.get(env.task_name)
        return shop_action(env, env.view) if task is None else task.solve(env.instance, env.view)

    def act(self, obs: Any) -> str:
        return format_action(self.action())
