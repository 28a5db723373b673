"""Reward code written by an LLM (Text2Reward, Auto MC-Reward, Eureka): prompts, extraction, critic, repair.

The layer between the chat client (:mod:`reward_plugins.llm`) and the sandbox that runs programs
(:mod:`reward_plugins.code`): :func:`~.generate.generate_rewards` asks for reward programs for an
env's documented reward state, pulls the code out of each reply, has the critic smoke-run it on
real reward states, sends failures back for a bounded number of repairs, and logs every step.
:mod:`.feedback` turns training logs into the text the next prompt carries (Auto MC-Reward's
trajectory analyser and Eureka's reward reflection). Policies are trained in ``baselines`` (the
evolve loop); nothing here imports it.
"""
from __future__ import annotations

from .critic import CriticReport, ProgramRunner, critique
from .extract import extract_code
from .feedback import ComponentCurve, EpisodeLog, reward_reflection, summarise_failures
from .generate import Attempt, Candidate, generate_rewards
from .prompt import REWARD_SIGNATURE, build_messages, repair_messages

__all__ = [
    "REWARD_SIGNATURE",
    "Attempt",
    "Candidate",
    "ComponentCurve",
    "CriticReport",
    "EpisodeLog",
    "ProgramRunner",
    "build_messages",
    "critique",
    "extract_code",
    "generate_rewards",
    "repair_messages",
    "reward_reflection",
    "summarise_failures",
]
