"""What the player reads: room descriptions, the inventory, a thing looked at closely."""
from __future__ import annotations

from .world import CONTAINER, DOOR, HOLDER, INVENTORY, KEY, OPEN, STATUS_NAMES, SUPPORTER, Game, State


def a(name: str) -> str:
    """``name`` with its indefinite article."""
    return ("an " if name[0] in "aeiou" else "a ") + name


def listing(names: list[str]) -> str:
    """``"a x"``, ``"a x and a y"``, ``"a x, a y and a z"``."""
    words = [a(n) for n in names]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def contents(game: Game, state: State, holder: int) -> list[str]:
    """Names of the things in or on ``holder``, by thing number."""
    mark = HOLDER + holder
    return [game.names[e] for e, where in enumerate(state.where) if where == mark]


def _holder_line(game: Game, state: State, holder: int) -> str:
    inside = contents(game, state, holder)
    name = game.names[holder]
    if game.kinds[holder] == SUPPORTER:
        return f"On the {name} you see {listing(inside)}." if inside else f"There is nothing on the {name}."
    if state.status[holder] != OPEN:
        return f"The {name} is {STATUS_NAMES[state.status[holder]]}."
    return f"In the {name} you see {listing(inside)}." if inside else f"The {name} is open and empty."


def room_text(game: Game, state: State) -> str:
    """The room as ``look`` describes it: name, furniture and what lies on or in it, loose things, exits."""
    room = state.player
    title = game.rooms[room]
    lines = [f"-= {title.title()} =-", f"You are in the {title}."]
    furniture: list[int] = []
    loose: list[int] = []
    for e, where in enumerate(state.where):
        if where == room:
            (furniture if game.kinds[e] in (CONTAINER, SUPPORTER) else loose).append(e)
    if furniture:
        lines.append(f"You see {listing([game.names[e] for e in furniture])}.")
        lines.extend(_holder_line(game, state, e) for e in furniture)
    if loose:
        lines.append(f"On the floor you see {listing([game.names[e] for e in loose])}.")
    for ex in game.exits[room]:
        if ex.door >= 0:
            door = f"{STATUS_NAMES[state.status[ex.door]]} {game.names[ex.door]}"
            lines.append(f"To the {ex.direction} is {a(door)}.")
        else:
            lines.append(f"There is an exit to the {ex.direction}.")
    if not game.exits[room]:
        lines.append("There is no way out.")
    return "\n".join(lines)


def inventory_text(game: Game, state: State) -> str:
    """The reply to ``inventory``."""
    carried = [game.names[e] for e, where in enumerate(state.where) if where == INVENTORY]
    return f"You are carrying {listing(carried)}." if carried else "You are carrying nothing."


def examine_text(game: Game, state: State, thing: int) -> str:
    """The reply to ``examine`` a thing in view."""
    kind, name = game.kinds[thing], game.names[thing]
    if kind == DOOR:
        return f"The {name} is {STATUS_NAMES[state.status[thing]]}."
    if kind in (CONTAINER, SUPPORTER):
        return _holder_line(game, state, thing)
    if kind == KEY:
        return f"The {name} is a small key; it must unlock something."
    return f"The {name} looks ordinary."
