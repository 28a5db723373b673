"""The web family: MiniWoB-style tasks and a web shop in real headless Chromium, served from 127.0.0.1.

:mod:`.server` (the process's HTTP server), :mod:`.browser` (Chromium through chromedriver, with
timeouts and no leftover processes), :mod:`.tasks` (instances, judges and oracles of the tasks),
:mod:`.shop_site` (the shared shop as HTML pages), :mod:`.actions` (text and Dict actions),
:mod:`.env` (:class:`WebEnv`), :mod:`.discrete` (the Discrete variant) and :mod:`.oracle`.
"""
from __future__ import annotations

from .env import ROLES, SHOP, WebEnv
from .tasks import TASKS

TASK_NAMES = (*TASKS, SHOP)
"""Every task name: ``agentenvs/Web-<name>-v0``."""

__all__ = ["ROLES", "SHOP", "TASKS", "TASK_NAMES", "WebEnv"]
