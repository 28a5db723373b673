"""The seeded world generator: a tree of rooms on a compass grid, locked doors and their keys, a quest.

The quest is a chain built backwards from its last step ("put the apple in the basket"):
the apple may first have to be taken, its container opened or unlocked (with a key found
elsewhere), and the way to its room may pass locked doors whose keys lie on the near side.
A walkthrough is played through :mod:`.rules` as the world is made, so it is valid by
construction. Every draw comes from the ``numpy.random.Generator`` passed in.
"""
from __future__ import annotations

from collections import deque

import numpy as np

from ...errors import ConfigError
from .names import MAX_ROOMS, vocabulary
from .rules import execute
from .world import (
    CLOSED,
    CONTAINER,
    DIRECTIONS,
    DOOR,
    HOLDER,
    ITEM,
    KEY,
    LOCKED,
    NOWHERE,
    OPEN,
    OPPOSITE,
    STEP,
    SUPPORTER,
    Exit,
    Game,
    State,
    Subgoal,
    room_of,
)

MAX_OBJECTS = 60
MAX_DISTRACTORS = 20


def quest_shapes(rooms: int, quest_length: int) -> list[tuple[int, int]]:
    """The ``(locked_doors, container_steps)`` a quest of ``quest_length`` steps can take in ``rooms`` rooms.

    Steps: 1 (put) + 1 (take) + ``container_steps`` (0; 1 open; 3 take its key, unlock, open)
    + 2 per locked door (take its key, unlock it); a one-step quest is the put alone.
    """
    if quest_length == 1:
        return [(0, 0)]
    rest = quest_length - 2
    return [((rest - c) // 2, c) for c in (0, 1, 3) if c <= rest and (rest - c) % 2 == 0 and (rest - c) // 2 < rooms]


def check_generator_args(rooms: object, objects: object, distractors: object, quest_length: object) -> None:
    """Refuse knobs the generator cannot honour, naming the argument and its allowed range."""
    for name, value, low, high in (("rooms", rooms, 1, MAX_ROOMS), ("objects", objects, 0, MAX_OBJECTS),
                                   ("distractors", distractors, 0, MAX_DISTRACTORS),
                                   ("quest_length", quest_length, 1, 2 * MAX_ROOMS + 3)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
            raise ConfigError(f"{name} must be an int in [{low}, {high}], got {value!r}")
    if not quest_shapes(int(rooms), int(quest_length)):  # type: ignore[call-overload]
        longest = max(q for q in range(1, 2 * int(rooms) + 4)  # type: ignore[call-overload]
                      if quest_shapes(int(rooms), q))  # type: ignore[call-overload]
        raise ConfigError(f"quest_length={quest_length} does not fit rooms={rooms}: each locked door on the way "
                          f"needs a room behind it; use quest_length <= {longest} or more rooms")


def _layout(rng: np.random.Generator, rooms: int, chain: int) -> list[tuple[int, str, int]]:
    """Links ``(room, direction, other)`` of a tree of rooms on a grid; rooms 0..chain form a path."""
    while True:  # the chain is a self-avoiding walk, retried (rarely) when it traps itself
        links = _try_layout(rng, rooms, chain)
        if links is not None:
            return links


def _try_layout(rng: np.random.Generator, rooms: int, chain: int) -> list[tuple[int, str, int]] | None:
    cells = {(0, 0): 0}
    pos = [(0, 0)]
    links: list[tuple[int, str, int]] = []

    def free(room: int) -> list[str]:
        x, y = pos[room]
        return [d for d in DIRECTIONS if (x + STEP[d][0], y + STEP[d][1]) not in cells]

    def add(parent: int, direction: str) -> None:
        x, y = pos[parent]
        cell = (x + STEP[direction][0], y + STEP[direction][1])
        cells[cell] = len(pos)
        links.append((parent, direction, len(pos)))
        pos.append(cell)

    for room in range(chain):
        options = free(room)
        if not options:
            return None
        add(room, options[int(rng.integers(len(options)))])
    for _ in range(chain + 1, rooms):
        parents = [r for r in range(len(pos)) if free(r)]
        parent = parents[int(rng.integers(len(parents)))]
        options = free(parent)
        add(parent, options[int(rng.integers(len(options)))])
    return links


class _Builder:
    """Collects things and their places while a world is made."""

    def __init__(self, rng: np.random.Generator, split: str):
        self.rng, self.words = rng, vocabulary(split)
        self.names: list[str] = []
        self.kinds: list[int] = []
        self.keys: list[int] = []
        self.where: list[int] = []
        self.status: list[int] = []
        self.used: set[str] = set()

    def pick(self, options: list[str]) -> str:
        free = [o for o in options if o not in self.used]
        return free[int(self.rng.integers(len(free)))]

    def add(self, name: str, kind: int, where: int, status: int = OPEN) -> int:
        self.used.add(name)
        self.names.append(name)
        self.kinds.append(kind)
        self.keys.append(-1)
        self.where.append(where)
        self.status.append(status)
        return len(self.names) - 1

    def furniture(self, room: int, kind: int, status: int = OPEN) -> int:
        nouns = self.words.container_nouns if kind == CONTAINER else self.words.supporter_nouns
        return self.add(self.pick([f"{a} {n}" for a in self.words.furniture_adjectives for n in nouns]), kind, room,
                        status)

    def item_name(self, noun: str | None = None) -> str:
        nouns = self.words.item_nouns if noun is None else (noun,)
        return self.pick([f"{a} {n}" for a in self.words.item_adjectives for n in nouns])

    def key_names(self) -> list[str]:
        """The key names still free (20 per split: more than the most keys a quest needs, 16)."""
        return [n for n in (f"{size}{m} key" for size in ("", "small ", "large ", "old ")
                            for m in self.words.key_materials) if n not in self.used]

    def key_name(self) -> str:
        return self.pick(self.key_names())

    def spot(self, room: int, avoid: int = -1) -> int:
        """A random place in ``room``: its floor, a supporter, or an unlocked container other than ``avoid``."""
        spots = [room] + [HOLDER + e for e, w in enumerate(self.where) if w == room and e != avoid and (
            self.kinds[e] == SUPPORTER or (self.kinds[e] == CONTAINER and self.status[e] != LOCKED))]
        return spots[int(self.rng.integers(len(spots)))]


def _region(links: list[tuple[int, str, int]], chain: int, first: int) -> list[int]:
    """Rooms reachable from room 0 without crossing chain links ``first`` .. ``chain - 1`` (the locked ones ahead)."""
    seen = {0}
    todo = deque([0])
    while todo:
        room = todo.popleft()
        for i, (a, _, b) in enumerate(links):
            if first <= i < chain:
                continue
            for x, y in ((a, b), (b, a)):
                if x == room and y not in seen:
                    seen.add(y)
                    todo.append(y)
    return sorted(seen)


def generate_game(rng: np.random.Generator, rooms: int = 5, objects: int = 10, distractors: int = 2,
                  quest_length: int = 5, split: str = "train") -> Game:
    """A new world with a quest of ``quest_length`` steps, drawn from ``rng`` (see :mod:`.generator`)."""
    shapes = quest_shapes(rooms, quest_length)
    doors, container_steps = shapes[int(rng.integers(len(shapes)))]
    links = _layout(rng, rooms, doors)
    b = _Builder(rng, split)
    room_names = [str(n) for n in rng.permutation(np.array(b.words.rooms, dtype=object))[:rooms]]
    door_words = [f"{m} {n}" for n in ("door", "gate", "hatch") for m in b.words.door_materials]
    exits: list[list[Exit]] = [[] for _ in range(rooms)]
    quest_doors = []
    for i, (a, direction, other) in enumerate(links):
        door = -1
        if i < doors or rng.random() < 0.5:
            name = next(w for w in door_words if w not in b.used)
            status = LOCKED if i < doors else (CLOSED if rng.random() < 0.7 else OPEN)
            door = b.add(name, DOOR, NOWHERE, status)
            if i < doors:
                quest_doors.append(door)
        exits[a].append(Exit(direction, other, door))
        exits[other].append(Exit(OPPOSITE[direction], a, door))
    target_room = doors  # the end of the chain 0..doors
    box = -1
    if container_steps:
        box = b.furniture(target_room, CONTAINER, LOCKED if container_steps == 3 else CLOSED)
    dest = b.furniture(int(rng.integers(rooms)), CONTAINER if rng.random() < 0.5 else SUPPORTER,
                       CLOSED if rng.random() < 0.5 else OPEN)
    for _ in range(objects):  # filler: about a third furniture, the rest loose things
        room = int(rng.integers(rooms))
        if rng.random() < 0.3:
            b.furniture(room, CONTAINER if rng.random() < 0.5 else SUPPORTER, CLOSED if rng.random() < 0.5 else OPEN)
        else:
            b.add(b.item_name(), ITEM, b.spot(room, box))
    quest: list[Subgoal] = []
    door_keys = []
    for i, door in enumerate(quest_doors):
        region = _region(links, doors, i)
        key = b.add(b.key_name(), KEY, b.spot(region[int(rng.integers(len(region)))], box))
        b.keys[door] = key
        door_keys.append(key)
        quest += [Subgoal(("held", key), f"take the {b.names[key]}"),
                  Subgoal(("unlocked", door), f"unlock the {b.names[door]}")]
    box_key = -1
    if container_steps == 3:
        box_key = b.add(b.key_name(), KEY, b.spot(int(rng.integers(rooms)), box))
        b.keys[box] = box_key
        quest += [Subgoal(("held", box_key), f"take the {b.names[box_key]}"),
                  Subgoal(("unlocked", box), f"unlock the {b.names[box]}")]
    if container_steps:
        quest.append(Subgoal(("open", box), f"open the {b.names[box]}"))
    target = b.add(b.item_name(), ITEM, HOLDER + box if box >= 0 else b.spot(target_room, dest))
    if quest_length > 1:
        quest.append(Subgoal(("held", target), f"take the {b.names[target]}"))
    prep = "in" if b.kinds[dest] == CONTAINER else "on"
    quest.append(Subgoal(("in", target, dest), f"put the {b.names[target]} {prep} the {b.names[dest]}"))
    noun = b.names[target].split()[-1]
    for k in range(distractors):  # look-alikes of the target, and keys that fit nothing
        look_alike = [f"{a} {noun}" for a in b.words.item_adjectives if f"{a} {noun}" not in b.used]
        if (k % 3 == 2 or not look_alike) and b.key_names():
            name, kind = b.key_name(), KEY
        elif not look_alike:
            name, kind = b.item_name(), ITEM
        else:
            name, kind = b.item_name(noun), ITEM
        b.add(name, kind, b.spot(int(rng.integers(rooms)), box))
    names = tuple(b.names)
    initial = State(0, b.where, b.status)
    steps = [s.text for s in quest]
    goal = "Your task is to: " + (steps[0] if len(steps) == 1 else ", ".join(steps[:-1]) + ", then " + steps[-1]) + "."
    ordered = tuple(tuple(sorted(e, key=lambda ex: DIRECTIONS.index(ex.direction))) for e in exits)
    draft = Game(tuple(room_names), ordered, names, tuple(b.kinds), tuple(b.keys),
                 initial, tuple(quest), goal, ())
    walk = _walkthrough(draft, list(zip(door_keys, quest_doors)), box, box_key, target, dest)
    return Game(draft.rooms, draft.exits, names, draft.kinds, draft.keys, initial.copy(), draft.quest, goal,
                tuple(walk))


def _walkthrough(game: Game, locks: list[tuple[int, int]], box: int, box_key: int, target: int,
                 dest: int) -> list[str]:
    """The commands that complete the quest, played on a copy of the start as they are chosen."""
    state = game.initial.copy()
    walk: list[str] = []

    def play(command: str) -> None:
        reply, accepted = execute(game, state, command)
        if not accepted:  # a generator bug, never a player's problem
            raise RuntimeError(f"walkthrough command {command!r} was refused: {reply}")
        walk.append(command)

    def go(room: int) -> None:
        parents: dict[int, tuple[int, Exit]] = {}
        todo = deque([state.player])
        while todo:
            here = todo.popleft()
            for ex in game.exits[here]:
                if ex.room not in parents and ex.room != state.player:
                    parents[ex.room] = (here, ex)
                    todo.append(ex.room)
        path = []
        while room != state.player:
            here, ex = parents[room]
            path.append(ex)
            room = here
        for ex in reversed(path):
            if ex.door >= 0 and state.status[ex.door] == CLOSED:
                play(f"open {game.names[ex.door]}")
            play(f"go {ex.direction}")

    def fetch(thing: int) -> None:
        go(room_of(state, thing))
        holder = state.where[thing] - HOLDER
        if holder >= 0 and game.kinds[holder] == CONTAINER and state.status[holder] == CLOSED:
            play(f"open {game.names[holder]}")
        play(f"take {game.names[thing]}")

    for near, (key, door) in enumerate(locks):  # chain link i joins room i (near side) to room i + 1
        fetch(key)
        go(near)
        play(f"unlock {game.names[door]} with {game.names[key]}")
    if box_key >= 0:
        fetch(box_key)
        go(room_of(state, box))
        play(f"unlock {game.names[box]} with {game.names[box_key]}")
    if box >= 0:
        go(room_of(state, box))
        play(f"open {game.names[box]}")
    fetch(target)
    go(room_of(state, dest))
    if game.kinds[dest] == CONTAINER and state.status[dest] == CLOSED:
        play(f"open {game.names[dest]}")
    play(f"put {game.names[target]} {'in' if game.kinds[dest] == CONTAINER else 'on'} {game.names[dest]}")
    return walk
