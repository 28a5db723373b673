"""A quest world: its fixed layout and things (:class:`Game`) and what changes as one plays (:class:`State`).

Things are numbered entities of five kinds. Where a thing is, is one int: a room index, the
player's inventory (:data:`INVENTORY`), inside or on another thing (:data:`HOLDER` + its
number), or nowhere in particular for doors (:data:`NOWHERE`, they sit between two rooms).
Doors and containers have a status: open, closed or locked. Facts are small tuples such as
``("in", apple, basket)`` that :func:`holds` checks against a state.
"""
from __future__ import annotations

from dataclasses import dataclass

ITEM, KEY, CONTAINER, SUPPORTER, DOOR = range(5)
KIND_NAMES = ("item", "key", "container", "supporter", "door")
PORTABLE = (ITEM, KEY)

OPEN, CLOSED, LOCKED = range(3)
STATUS_NAMES = ("open", "closed", "locked")

INVENTORY = -1
NOWHERE = -2
HOLDER = 1000
"""``where[e] == HOLDER + h``: thing ``e`` is in (container) or on (supporter) thing ``h``."""

DIRECTIONS = ("north", "south", "east", "west")
OPPOSITE = {"north": "south", "south": "north", "east": "west", "west": "east"}
STEP = {"north": (0, -1), "south": (0, 1), "east": (1, 0), "west": (-1, 0)}

Fact = tuple
"""``("held", e)``, ``("unlocked", e)``, ``("open", e)``, ``("in", e, h)`` (in or on ``h``) or ``("at", room)``."""


@dataclass
class State:
    """What changes in a world: the player's room, where each thing is, each thing's status."""

    player: int
    where: list[int]
    status: list[int]

    def copy(self) -> State:
        """An independent copy (the planner branches on copies)."""
        return State(self.player, list(self.where), list(self.status))

    def key(self) -> tuple:
        """A hashable snapshot of the whole state."""
        return (self.player, tuple(self.where), tuple(self.status))


@dataclass(frozen=True)
class Exit:
    """A way out of a room: its compass direction, the room it leads to, and its door (-1: none)."""

    direction: str
    room: int
    door: int


@dataclass(frozen=True)
class Subgoal:
    """One step of the quest: the fact that marks it done, and its words."""

    fact: Fact
    text: str


@dataclass(frozen=True)
class Game:
    """A generated world: rooms, exits, things, the quest, its goal text and a walkthrough.

    Attributes:
        rooms: room names; index = room number.
        exits: per room, its exits in :data:`DIRECTIONS` order.
        names: thing names (unique); index = thing number.
        kinds: kind of each thing (:data:`ITEM` ... :data:`DOOR`).
        keys: the key that unlocks each thing, -1 for none.
        initial: the state an episode starts from.
        quest: the subgoals, in the order the walkthrough reaches them.
        goal: the quest in words.
        walkthrough: commands that complete the quest from ``initial``.
    """

    rooms: tuple[str, ...]
    exits: tuple[tuple[Exit, ...], ...]
    names: tuple[str, ...]
    kinds: tuple[int, ...]
    keys: tuple[int, ...]
    initial: State
    quest: tuple[Subgoal, ...]
    goal: str
    walkthrough: tuple[str, ...]

    def doors_of(self, room: int) -> list[int]:
        """The doors of ``room``'s exits, in exit order."""
        return [ex.door for ex in self.exits[room] if ex.door >= 0]


def holds(fact: Fact, state: State) -> bool:
    """Whether ``fact`` is true in ``state``."""
    verb = fact[0]
    if verb == "held":
        return state.where[fact[1]] == INVENTORY
    if verb == "in":
        return state.where[fact[1]] == HOLDER + fact[2]
    if verb == "open":
        return state.status[fact[1]] == OPEN
    if verb == "unlocked":
        return state.status[fact[1]] != LOCKED
    return state.player == fact[1]  # "at"


def room_of(state: State, thing: int) -> int:
    """The room a thing is in (through its holder), :data:`INVENTORY` if carried, :data:`NOWHERE` for doors."""
    where = state.where[thing]
    while where >= HOLDER:
        where = state.where[where - HOLDER]
    return where
