"""TextQuest's reward state: the world's facts as text and numbers, for LLM-written reward code."""
from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from ...core.reward_state import FieldDoc, describe_reward_state
from ...core.text import fit_text, text_space
from .world import CONTAINER, DOOR, HOLDER, INVENTORY, STATUS_NAMES, Game, State

DESCRIPTIONS = {
    "location": FieldDoc("name of the room the player is in", "text"),
    "inventory": FieldDoc("names of the carried things, in thing order, one per line", "text"),
    "object_locations": FieldDoc("one line per thing other than doors: '<thing>: <room> | inventory | in <container> "
                                 "| on <supporter>'", "text"),
    "door_states": FieldDoc("one line per door and container: '<name>: open | closed | locked'", "text"),
    "subgoals": FieldDoc("the quest's steps in words, one per line, in walkthrough order", "text"),
    "subgoal_reached": FieldDoc("subgoal i has been reached in this episode (each counts once)", "flag per subgoal"),
    "subgoals_done": FieldDoc("subgoals reached so far", "subgoals"),
    "num_subgoals": FieldDoc("steps in the quest (quest_length)", "subgoals"),
}
"""Meaning and units of TextQuest's own fields (``instruction``, ``progress``, ``success``, ``steps`` and
``max_steps`` come from the core vocabulary)."""

TEXT_FIELD = text_space()
"""The space of every text field: :data:`agentenvs.core.TEXT_CHARSET`, at most 4096 characters."""
TEXT_FIELDS = ("instruction", "location", "inventory", "object_locations", "door_states", "subgoals")


def reward_state_space(quest_length: int, max_steps: int) -> spaces.Dict:
    """The reward-state space of a TextQuest env with ``quest_length`` subgoals."""
    numbers: dict[str, spaces.Space] = {
        "subgoal_reached": spaces.Box(0, 1, (quest_length,), bool),
        "subgoals_done": spaces.Box(0, quest_length, (), np.int64),
        "num_subgoals": spaces.Box(quest_length, quest_length, (), np.int64),
        "progress": spaces.Box(0, 1, (), np.float32),
        "success": spaces.Box(0, 1, (), bool),
        "steps": spaces.Box(0, max_steps, (), np.int64),
        "max_steps": spaces.Box(max_steps, max_steps, (), np.int64),
    }
    return spaces.Dict({**dict.fromkeys(TEXT_FIELDS, TEXT_FIELD), **numbers})


def reward_state_doc(space: spaces.Dict) -> str:
    """The generated ``reward_state_doc``."""
    return describe_reward_state(space, DESCRIPTIONS)


def _place(game: Game, state: State, thing: int) -> str:
    where = state.where[thing]
    if where == INVENTORY:
        return "inventory"
    if where >= HOLDER:
        holder = where - HOLDER
        return ("in " if game.kinds[holder] == CONTAINER else "on ") + game.names[holder]
    return game.rooms[where]


def reward_state_values(game: Game, state: State, reached: list[bool], steps: int, max_steps: int) -> dict[str, Any]:
    """The reward-state dict of ``state`` (text fields fitted to their spaces)."""
    done = sum(reached)
    total = len(reached)
    text = {
        "instruction": game.goal,
        "location": game.rooms[state.player],
        "inventory": "\n".join(game.names[e] for e, w in enumerate(state.where) if w == INVENTORY),
        "object_locations": "\n".join(f"{game.names[e]}: {_place(game, state, e)}"
                                      for e in range(len(game.names)) if game.kinds[e] != DOOR),
        "door_states": "\n".join(f"{game.names[e]}: {STATUS_NAMES[state.status[e]]}"
                                 for e in range(len(game.names)) if game.kinds[e] in (DOOR, CONTAINER)),
        "subgoals": "\n".join(s.text for s in game.quest),
    }
    values: dict[str, Any] = {k: fit_text(v, TEXT_FIELD) for k, v in text.items()}
    values.update({
        "subgoal_reached": np.array(reached, dtype=bool),
        "subgoals_done": np.array(done, dtype=np.int64),
        "num_subgoals": np.array(total, dtype=np.int64),
        "progress": np.array(done / total, dtype=np.float32),
        "success": np.array(done == total, dtype=bool),
        "steps": np.array(steps, dtype=np.int64),
        "max_steps": np.array(max_steps, dtype=np.int64),
    })
    return values
