"""The rules of Deal or No Deal as pure functions: moves, their validity, their effect, utilities and fair splits.

A game is a pool of ``NUM_TYPES`` item types (``counts``) and each agent's private value per item
(``values[agent]``, each agent's whole pool worth :data:`TOTAL_VALUE`). Agents alternate; a move
proposes a split (the items the proposer takes, the other gets the rest), accepts the other's
standing proposal, or walks away. Nothing here draws random numbers or holds state.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, replace

ITEM_NAMES = ("books", "hats", "balls")
NUM_TYPES = len(ITEM_NAMES)
MIN_COUNT, MAX_COUNT = 1, 4
TOTAL_VALUE = 10
"""Each agent's value of the whole pool, as in the paper."""

PROPOSE, ACCEPT, WALK_AWAY = "propose", "accept", "walk away"
NUM_PROPOSALS = (MAX_COUNT + 1) ** NUM_TYPES
ACCEPT_ACTION, WALK_AWAY_ACTION = NUM_PROPOSALS, NUM_PROPOSALS + 1
NUM_ACTIONS = NUM_PROPOSALS + 2
"""Discrete actions: ``0..NUM_PROPOSALS-1`` propose (mixed radix ``MAX_COUNT + 1``), then accept, then walk away."""

Split = tuple[int, ...]


@dataclass(frozen=True)
class Move:
    """One move: ``kind`` is PROPOSE (``take`` = items the mover keeps), ACCEPT or WALK_AWAY."""

    kind: str
    take: Split = ()


@dataclass(frozen=True)
class Game:
    """The whole state of one game.

    ``standing`` is ``(proposer, take)`` of the last proposal or ``None``; ``turn`` is the agent to move;
    ``outcome`` is ``None`` while the game runs, else ``"agreement"`` or ``"walk away"``.
    """

    counts: Split
    values: tuple[Split, Split]
    turn: int = 0
    steps: int = 0
    standing: tuple[int, Split] | None = None
    outcome: str | None = None
    agreed: tuple[Split, Split] | None = None


def utility(values: Split, items: Split) -> int:
    """What ``items`` (a count per type) are worth to an agent with ``values``."""
    return sum(v * n for v, n in zip(values, items))


def rest(counts: Split, take: Split) -> Split:
    """The items left for the other agent when one takes ``take``."""
    return tuple(c - t for c, t in zip(counts, take))


def all_takes(counts: Split) -> list[Split]:
    """Every split of ``counts``, as the items one side takes, in lexicographic order."""
    return list(itertools.product(*(range(c + 1) for c in counts)))


def action_to_move(action: int) -> Move:
    """The move of a Discrete action index (``0 <= action < NUM_ACTIONS``)."""
    if action == ACCEPT_ACTION:
        return Move(ACCEPT)
    if action == WALK_AWAY_ACTION:
        return Move(WALK_AWAY)
    take = []
    for _ in range(NUM_TYPES):
        action, digit = divmod(action, MAX_COUNT + 1)
        take.append(digit)
    return Move(PROPOSE, tuple(reversed(take)))


def move_to_action(move: Move) -> int:
    """The Discrete action index of ``move`` (inverse of :func:`action_to_move`)."""
    if move.kind == ACCEPT:
        return ACCEPT_ACTION
    if move.kind == WALK_AWAY:
        return WALK_AWAY_ACTION
    index = 0
    for digit in move.take:
        index = index * (MAX_COUNT + 1) + digit
    return index


def is_legal(game: Game, agent: int, move: Move) -> bool:
    """Whether ``agent`` may make ``move``: its turn in a running game, a split of the pool, or an offer to accept."""
    if game.outcome is not None or agent != game.turn:
        return False
    if move.kind == PROPOSE:
        return len(move.take) == NUM_TYPES and all(0 <= t <= c for t, c in zip(move.take, game.counts))
    if move.kind == ACCEPT:
        return game.standing is not None and game.standing[0] != agent
    return move.kind == WALK_AWAY


def legal_mask(game: Game, agent: int) -> list[bool]:
    """:func:`is_legal` for every Discrete action (all False for an agent whose turn it is not)."""
    return [is_legal(game, agent, action_to_move(a)) for a in range(NUM_ACTIONS)]


def apply_move(game: Game, agent: int, move: Move | None) -> Game:
    """The game after ``agent``'s ``move``; an illegal or missing move passes the turn and changes nothing else."""
    after = replace(game, turn=1 - game.turn, steps=game.steps + 1)
    if move is None or not is_legal(game, agent, move):
        return after
    if move.kind == PROPOSE:
        return replace(after, standing=(agent, move.take))
    if move.kind == WALK_AWAY or game.standing is None:  # is_legal leaves only an accept with a proposal standing
        return replace(after, outcome=WALK_AWAY)
    proposer, take = game.standing
    shares = [rest(game.counts, take), rest(game.counts, take)]
    shares[proposer] = take
    return replace(after, outcome="agreement", agreed=(shares[0], shares[1]))


def rewards(game: Game) -> tuple[float, float]:
    """Each agent's utility of the agreed split; 0 for both without agreement."""
    if game.agreed is None:
        return 0.0, 0.0
    return float(utility(game.values[0], game.agreed[0])), float(utility(game.values[1], game.agreed[1]))


def pareto_efficient(counts: Split, values: tuple[Split, Split]) -> list[Split]:
    """The takes of agent 0 whose split no other split improves for one agent without hurting the other."""
    points = {take: (utility(values[0], take), utility(values[1], rest(counts, take))) for take in all_takes(counts)}
    return [take for take, (a, b) in points.items()
            if not any(x >= a and y >= b and (x, y) != (a, b) for x, y in points.values())]


def fair_split(counts: Split, values: tuple[Split, Split]) -> Split | None:
    """Agent 0's take of a Pareto-efficient split giving each agent at least half its maximum, or ``None``.

    Among such splits: the largest smaller utility, then the largest sum, then the first take in order.
    """
    half = TOTAL_VALUE / 2
    best: tuple[tuple[int, int], Split] | None = None
    for take in pareto_efficient(counts, values):
        a, b = utility(values[0], take), utility(values[1], rest(counts, take))
        if a >= half and b >= half and (best is None or (min(a, b), a + b) > best[0]):
            best = ((min(a, b), a + b), take)
    return None if best is None else best[1]


_MOVE = re.compile(r"^propose\s*:?\s*(.*)$")
_PAIR = re.compile(r"^([a-z]+)\s*=\s*(\d+)$")


def parse_move(text: str) -> Move | None:
    """The move a text action names, or ``None`` when it names none.

    The move is the text before an optional ``message:`` (a free message the rules ignore):
    ``accept``, ``walk away``, or ``propose: books=1 hats=2 balls=0`` (every item once, any order,
    separated by spaces or commas). Case and extra spaces do not matter.
    """
    head = text.lower().split("message:", 1)[0]
    head = " ".join(head.replace(",", " ").split()).strip(" .!")
    if head in (ACCEPT, WALK_AWAY):
        return Move(head)
    match = _MOVE.match(head)
    if match is None:
        return None
    pairs = re.sub(r"\s*=\s*", "=", match.group(1)).split()
    take: dict[str, int] = {}
    for pair in pairs:
        item = _PAIR.match(pair)
        if item is None or item.group(1) not in ITEM_NAMES or item.group(1) in take or len(item.group(2)) > 3:
            return None
        take[item.group(1)] = int(item.group(2))
    if set(take) != set(ITEM_NAMES):
        return None
    return Move(PROPOSE, tuple(take[name] for name in ITEM_NAMES))


def message_of(text: str) -> str:
    """The free message of a text action: what follows ``message:`` (case-insensitive), stripped; ``""`` if none."""
    cut = text.lower().find("message:")
    return "" if cut < 0 else " ".join(text[cut + len("message:"):].split())


def describe_items(items: Split) -> str:
    """``items`` in words, e.g. ``"books=1 hats=2 balls=0"`` (the syntax :func:`parse_move` reads)."""
    return " ".join(f"{name}={n}" for name, n in zip(ITEM_NAMES, items))


def move_text(move: Move) -> str:
    """``move`` as a text action :func:`parse_move` reads back."""
    return f"{PROPOSE}: {describe_items(move.take)}" if move.kind == PROPOSE else move.kind
