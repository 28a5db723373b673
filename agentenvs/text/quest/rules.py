"""The parser and the rules: text -> command -> new state and reply, and the admissible commands.

A command is a tuple of a verb and thing numbers: ``("go", direction)``, ``("look",)``,
``("inventory",)``, ``("examine", e)``, ``("take", e)``, ``("drop", e)``, ``("open", e)``,
``("close", e)``, ``("unlock", e, key)``, ``("put", e, holder)``. :func:`admissible` lists
exactly the commands :func:`apply` accepts (those that change or reveal something).
"""
from __future__ import annotations

import re

from .describe import examine_text, inventory_text, room_text
from .world import (
    CLOSED,
    CONTAINER,
    DIRECTIONS,
    DOOR,
    HOLDER,
    INVENTORY,
    LOCKED,
    OPEN,
    PORTABLE,
    SUPPORTER,
    Game,
    State,
)

UNKNOWN = "I don't understand that."
NOT_HERE = "You can't see any such thing."

_ABBREVIATIONS = {"n": "north", "s": "south", "e": "east", "w": "west"}
_ARTICLES = {"the", "a", "an"}
_VERBS = {"take": "take", "get": "take", "drop": "drop", "open": "open", "close": "close", "shut": "close",
          "examine": "examine", "x": "examine", "inspect": "examine"}
_PUT = re.compile(r"^(?:put|place|insert) (.+?) (in|into|on|onto) (.+)$")
_UNLOCK = re.compile(r"^unlock (.+?) with (.+)$")

Parsed = tuple
"""A parsed command before names are resolved: the verb and the name phrases typed."""


def normalize(text: str) -> str:
    """Lower case, punctuation dropped, articles dropped, single spaces."""
    words = re.sub(r"[.,!?;:\"']", " ", text.lower()).split()
    return " ".join(w for w in words if w not in _ARTICLES)


def parse(text: str) -> Parsed | None:
    """The verb and name phrases of a command, or ``None`` when it is not one the parser knows."""
    text = normalize(text)
    words = text.split()
    if not words:
        return None
    if len(words) == 1 and words[0] in ("look", "l"):
        return ("look",)
    if len(words) == 1 and words[0] in ("inventory", "inv", "i"):
        return ("inventory",)
    direction = words[-1] if len(words) == 1 or (len(words) == 2 and words[0] in ("go", "walk")) else None
    if direction is not None:
        direction = _ABBREVIATIONS.get(direction, direction)
        return ("go", direction) if direction in DIRECTIONS else None
    match = _PUT.match(text)
    if match:
        return ("put", match.group(1), "in" if match.group(2) in ("in", "into") else "on", match.group(3))
    match = _UNLOCK.match(text)
    if match:
        return ("unlock", match.group(1), match.group(2))
    for prefix, verb in (("pick up ", "take"), ("look at ", "examine"), ("put down ", "drop")):
        if text.startswith(prefix):
            return (verb, text[len(prefix):])
    if words[0] in _VERBS and len(words) > 1:
        return (_VERBS[words[0]], " ".join(words[1:]))
    return None


def in_view(game: Game, state: State) -> list[int]:
    """The things the player can see or act on: in the room, carried, on or in open furniture here, its doors."""
    room = state.player
    seen = set(game.doors_of(room))
    for e, where in enumerate(state.where):
        if where == room or where == INVENTORY:
            seen.add(e)
        elif where >= HOLDER:
            holder = where - HOLDER
            if state.where[holder] == room and (game.kinds[holder] == SUPPORTER or state.status[holder] == OPEN):
                seen.add(e)
    return sorted(seen)


def resolve(game: Game, phrase: str, candidates: list[int]) -> int | str:
    """The thing ``phrase`` names among ``candidates``, or the reply saying why none is meant.

    A full name wins; otherwise the phrase may be the end of one name ("apple" for "red apple").
    """
    exact = [e for e in candidates if game.names[e] == phrase]
    if exact:
        return exact[0]
    partial = [e for e in candidates if game.names[e].endswith(" " + phrase)]
    if len(partial) == 1:
        return partial[0]
    if partial:
        return "Which do you mean: " + " or ".join(f"the {game.names[e]}" for e in partial) + "?"
    return NOT_HERE


def command_text(game: Game, command: tuple) -> str:
    """The canonical text of a resolved command (what :func:`admissible` lists)."""
    verb = command[0]
    if verb == "go":
        return f"go {command[1]}"
    if len(command) == 1:
        return verb
    name = game.names[command[1]]
    if verb == "unlock":
        return f"unlock {name} with {game.names[command[2]]}"
    if verb == "put":
        prep = "in" if game.kinds[command[2]] == CONTAINER else "on"
        return f"put {name} {prep} {game.names[command[2]]}"
    return f"{verb} {name}"


def execute(game: Game, state: State, text: str) -> tuple[str, bool]:
    """Play ``text``: ``(reply, accepted)``; ``state`` changes only when the command is accepted."""
    parsed = parse(text)
    if parsed is None:
        return UNKNOWN, False
    verb = parsed[0]
    if verb in ("look", "inventory", "go"):
        return apply(game, state, parsed)
    view = in_view(game, state)
    things = []
    for phrase in (parsed[1], parsed[3]) if verb == "put" else parsed[1:]:
        found = resolve(game, phrase, view)
        if isinstance(found, str):
            return found, False
        things.append(found)
    if verb == "put":
        return apply(game, state, ("put", things[0], things[1]), parsed[2])
    return apply(game, state, (verb, *things))


def apply(game: Game, state: State, command: tuple, preposition: str | None = None) -> tuple[str, bool]:
    """Apply a resolved command to ``state``: ``(reply, accepted)``.

    ``preposition`` ("in"/"on") is what the player typed in a ``put``; ``None`` takes the right one.
    """
    verb = command[0]
    if verb == "look":
        return room_text(game, state), True
    if verb == "inventory":
        return inventory_text(game, state), True
    if verb == "go":
        for ex in game.exits[state.player]:
            if ex.direction == command[1]:
                if ex.door >= 0 and state.status[ex.door] != OPEN:
                    shut = "locked" if state.status[ex.door] == LOCKED else "closed"
                    return f"The {game.names[ex.door]} is {shut}.", False
                state.player = ex.room
                return room_text(game, state), True
        return "You can't go that way.", False
    thing = command[1]
    name, kind = game.names[thing], game.kinds[thing]
    if verb == "examine":
        return examine_text(game, state, thing), True
    if verb == "take":
        if kind not in PORTABLE:
            return f"The {name} is fixed in place.", False
        if state.where[thing] == INVENTORY:
            return "You already have that.", False
        state.where[thing] = INVENTORY
        return f"You take the {name}.", True
    if verb == "drop":
        if state.where[thing] != INVENTORY:
            return "You aren't carrying that.", False
        state.where[thing] = state.player
        return f"You drop the {name}.", True
    if verb in ("open", "close", "unlock"):
        return _lockable(game, state, command)
    holder = command[2]  # put
    if state.where[thing] != INVENTORY:
        return f"You aren't carrying the {game.names[thing]}.", False
    hkind, hname = game.kinds[holder], game.names[holder]
    right = "in" if hkind == CONTAINER else "on"
    if hkind not in (CONTAINER, SUPPORTER) or preposition not in (None, right):
        return f"You can't put things {preposition or right} the {hname}.", False
    if hkind == CONTAINER and state.status[holder] != OPEN:
        return f"The {hname} is closed.", False
    state.where[thing] = HOLDER + holder
    return f"You put the {name} {right} the {hname}.", True


def _lockable(game: Game, state: State, command: tuple) -> tuple[str, bool]:
    verb, thing = command[0], command[1]
    name = game.names[thing]
    if game.kinds[thing] not in (CONTAINER, DOOR):
        return f"You can't {verb} the {name}.", False
    status = state.status[thing]
    if verb == "open":
        if status != CLOSED:
            return f"The {name} is {'already open' if status == OPEN else 'locked'}.", False
        state.status[thing] = OPEN
        reply = f"You open the {name}."
        if game.kinds[thing] == CONTAINER:
            reply += " " + examine_text(game, state, thing)
        return reply, True
    if verb == "close":
        if status != OPEN:
            return f"The {name} is already closed.", False
        state.status[thing] = CLOSED
        return f"You close the {name}.", True
    key = command[2]
    if state.where[key] != INVENTORY:
        return f"You aren't carrying the {game.names[key]}.", False
    if status != LOCKED:
        return f"The {name} isn't locked.", False
    if game.keys[thing] != key:
        return f"The {game.names[key]} doesn't fit the {name}.", False
    state.status[thing] = CLOSED
    return f"You unlock the {name}.", True


def admissible_commands(game: Game, state: State) -> list[tuple]:
    """Every resolved command :func:`apply` accepts in ``state``, in a fixed order."""
    commands: list[tuple] = [("look",), ("inventory",)]
    commands += [("go", ex.direction) for ex in game.exits[state.player]
                 if ex.door < 0 or state.status[ex.door] == OPEN]
    view = in_view(game, state)
    carried = [e for e in view if state.where[e] == INVENTORY]
    holders = [e for e in view if game.kinds[e] == SUPPORTER
               or (game.kinds[e] == CONTAINER and state.status[e] == OPEN)]
    for e in view:
        kind = game.kinds[e]
        commands.append(("examine", e))
        if kind in PORTABLE:
            commands.append(("drop", e) if state.where[e] == INVENTORY else ("take", e))
        elif kind in (CONTAINER, DOOR):
            status = state.status[e]
            if status == OPEN:
                commands.append(("close", e))
            elif status == CLOSED:
                commands.append(("open", e))
            elif game.keys[e] >= 0 and state.where[game.keys[e]] == INVENTORY:
                commands.append(("unlock", e, game.keys[e]))
    for e in carried:
        commands += [("put", e, h) for h in holders]
    return commands
