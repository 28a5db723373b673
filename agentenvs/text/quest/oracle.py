"""TextQuest's reference policy: a breadth-first planner over the world's facts.

The planner does not replay the walkthrough. From the env's true state it finds the things the
unreached subgoals depend on (their objects, the furniture holding them, the keys of anything
locked among them, the doors on the way to each of their rooms, repeated until nothing new
appears), then searches breadth-first over states of those things with the moves that can help
(go, open, unlock, take, and the goal's put), for the fewest commands reaching every subgoal.
"""
from __future__ import annotations

from collections import deque
from typing import Any

import gymnasium as gym

from ...errors import UnsolvableLevelError
from .rules import admissible_commands, apply, command_text
from .world import DOOR, HOLDER, Game, State, holds, room_of

_HELPFUL = ("go", "open", "unlock", "take")


def _path_doors(game: Game, start: int, goal: int) -> set[int]:
    """Doors on the way from room ``start`` to room ``goal`` (the map is a tree: one way)."""
    parents: dict[int, tuple[int, int]] = {start: (-1, -1)}
    todo = deque([start])
    while todo:
        here = todo.popleft()
        for ex in game.exits[here]:
            if ex.room not in parents:
                parents[ex.room] = (here, ex.door)
                todo.append(ex.room)
    doors = set()
    while goal != start and goal in parents:
        goal, door = parents[goal]
        if door >= 0:
            doors.add(door)
    return doors


def relevant_things(game: Game, state: State, goals: list[tuple]) -> set[int]:
    """The things reaching ``goals`` may involve, closed under holders, keys and doors on the way."""
    things = {x for fact in goals if fact[0] != "at" for x in fact[1:]}
    while True:
        more = set(things)
        for e in things:
            if state.where[e] >= HOLDER:
                more.add(state.where[e] - HOLDER)
            if game.keys[e] >= 0:
                more.add(game.keys[e])
            rooms = [room_of(state, e)] if game.kinds[e] != DOOR else [
                r for r in range(len(game.rooms)) if e in game.doors_of(r)]
            for room in rooms:
                if room >= 0:
                    more |= _path_doors(game, state.player, room)
        if more == things:
            return things
        things = more


def plan(game: Game, state: State, reached: list[bool]) -> list[str]:
    """The fewest commands from ``state`` after which every subgoal has been reached.

    Raises:
        UnsolvableLevelError: no sequence of helpful commands reaches them.
    """
    goals = [s.fact for s, done in zip(game.quest, reached) if not done]
    if not goals:
        return []
    things = relevant_things(game, state, goals)
    puts = {(f[1], f[2]) for f in goals if f[0] == "in"}
    start = (state.copy(), tuple(reached))
    seen = {(start[0].key(), start[1])}
    todo: deque[tuple[State, tuple[bool, ...], list[str]]] = deque([(start[0], start[1], [])])
    while todo:
        here, marks, path = todo.popleft()
        for command in admissible_commands(game, here):
            verb = command[0]
            if verb == "put":
                if (command[1], command[2]) not in puts:
                    continue
            elif verb not in _HELPFUL or (verb != "go" and not things.issuperset(command[1:])):
                continue
            after = here.copy()
            apply(game, after, command)
            now = tuple(m or holds(s.fact, after) for m, s in zip(marks, game.quest))
            key = (after.key(), now)
            if key in seen:
                continue
            seen.add(key)
            steps = [*path, command_text(game, command)]
            if all(now):
                return steps
            todo.append((after, now, steps))
    raise UnsolvableLevelError(f"no plan reaches the quest's remaining steps {goals}")


class TextQuestOracle:
    """Plays :func:`plan` from the env's state at each reset (``baselines.reference.ReferencePolicy``).

    ``seed`` is accepted for the protocol's constructor and unused: the plan is deterministic.
    After the plan it plays ``look``.
    """

    def __init__(self, env: gym.Env, seed: int) -> None:
        self.plan: list[str] = []

    def reset(self, env: gym.Env, obs: Any, info: dict[str, Any]) -> None:
        base: Any = env.unwrapped
        self.plan = plan(base.game, base.state, list(base.subgoal_reached))

    def act(self, obs: Any) -> str:
        return self.plan.pop(0) if self.plan else "look"


