"""TextQuest: TextWorld / ALFWorld-like generated text adventures (``agentenvs/TextQuest-v0``).

Jumanji-style layout: :mod:`.world` (state and facts), :mod:`.generator` (seeded worlds and
quests), :mod:`.rules` (parser and rules), :mod:`.describe` (the text), :mod:`.reward_state`,
:mod:`.env` (the Gymnasium shell) and :mod:`.oracle` (a planner over the facts).
"""
from __future__ import annotations

from .env import SPLIT_SEEDS, TextQuestEnv
from .generator import generate_game
from .oracle import TextQuestOracle, plan
from .world import Game, State

__all__ = ["SPLIT_SEEDS", "Game", "State", "TextQuestEnv", "TextQuestOracle", "generate_game", "plan"]
