"""The parser and rules on a hand-made world, against hand-written replies and admissible commands."""
import pytest
from quest_worlds import BASKET, BRASS, GREEN, OAK, RED, RUSTY, shed_game

from agentenvs.text.quest.rules import admissible_commands, command_text, execute, parse
from agentenvs.text.quest.world import CLOSED, HOLDER, INVENTORY, OPEN

KITCHEN = """-= Kitchen =-
You are in the kitchen.
You see a wooden chest and a metal table.
The wooden chest is closed.
On the metal table you see a brass key.
On the floor you see a green apple and a rusty key.
To the north is a locked oak door."""


def play(game, state, *commands):
    return [execute(game, state, c) for c in commands]


def test_look_describes_room_furniture_floor_and_exits():
    game = shed_game()
    assert execute(game, game.initial.copy(), "look") == (KITCHEN, True)


def test_admissible_commands_at_the_start():
    game = shed_game()
    texts = [command_text(game, c) for c in admissible_commands(game, game.initial)]
    assert texts == ["look", "inventory", "examine oak door", "examine brass key", "take brass key",
                     "examine wooden chest", "open wooden chest", "examine metal table", "examine green apple",
                     "take green apple", "examine rusty key", "take rusty key"]


@pytest.mark.parametrize(("command", "reply", "accepted"), [
    ("dance wildly", "I don't understand that.", False),
    ("", "I don't understand that.", False),
    ("go up", "I don't understand that.", False),
    ("take", "I don't understand that.", False),
    ("go north", "The oak door is locked.", False),
    ("N.", "The oak door is locked.", False),
    ("south", "You can't go that way.", False),
    ("take apple", "You take the green apple.", True),  # the red one is out of sight in the closed chest
    ("take red apple", "You can't see any such thing.", False),
    ("take the metal table", "The metal table is fixed in place.", False),
    ("drop green apple", "You aren't carrying that.", False),
    ("open oak door", "The oak door is locked.", False),
    ("close wooden chest", "The wooden chest is already closed.", False),
    ("open table", "You can't open the metal table.", False),
    ("unlock oak door with brass key", "You aren't carrying the brass key.", False),
    ("put green apple on table", "You aren't carrying the green apple.", False),
    ("x key", "Which do you mean: the brass key or the rusty key?", False),
    ("examine oak door", "The oak door is locked.", True),
    ("examine table", "On the metal table you see a brass key.", True),
    ("inventory", "You are carrying nothing.", True),
])
def test_replies_at_the_start(command, reply, accepted):
    game = shed_game()
    assert execute(game, game.initial.copy(), command) == (reply, accepted)


def test_keys_locks_containers_and_putting():
    game = shed_game()
    state = game.initial.copy()
    replies = play(game, state, "take rusty key", "unlock oak door with rusty key", "get brass key",
                   "unlock door with brass key", "unlock door with brass key", "open wooden chest",
                   "take red apple", "put red apple on wooden chest", "put red apple in metal table",
                   "i", "OPEN THE OAK DOOR!", "n")
    assert [r for r, _ in replies[:10]] == [
        "You take the rusty key.",
        "The rusty key doesn't fit the oak door.",
        "You take the brass key.",
        "You unlock the oak door.",
        "The oak door isn't locked.",
        "You open the wooden chest. In the wooden chest you see a red apple.",
        "You take the red apple.",
        "You can't put things on the wooden chest.",
        "You can't put things in the metal table.",
        "You are carrying a brass key, a red apple and a rusty key.",
    ]
    assert [ok for _, ok in replies] == [True, False, True, True, False, True, True, False, False, True, True, True]
    assert replies[11][0] == ("-= Shed =-\nYou are in the shed.\nYou see a wicker basket.\n"
                              "The wicker basket is open and empty.\nTo the south is an open oak door.")
    assert state.player == 1 and state.status[OAK] == OPEN
    assert play(game, state, "put apple in basket") == [("You put the red apple in the wicker basket.", True)]
    assert state.where[RED] == HOLDER + BASKET and state.where[BRASS] == INVENTORY
    assert play(game, state, "close basket", "put rusty key in basket", "drop rusty key") == [
        ("You close the wicker basket.", True), ("The wicker basket is closed.", False),
        ("You drop the rusty key.", True)]
    assert state.status[BASKET] == CLOSED and state.where[RUSTY] == 1 and state.where[GREEN] == 0


def test_refused_commands_leave_the_state_alone():
    game = shed_game()
    state = game.initial.copy()
    before = state.key()
    play(game, state, "go north", "unlock oak door with rusty key", "take red apple", "put apple in chest", "xyzzy")
    assert state.key() == before


@pytest.mark.parametrize(("text", "parsed"), [
    ("Go North", ("go", "north")),
    ("w", ("go", "west")),
    ("walk e", ("go", "east")),
    ("pick up the red apple", ("take", "red apple")),
    ("put the red apple into the basket", ("put", "red apple", "in", "basket")),
    ("place key onto table", ("put", "key", "on", "table")),
    ("unlock the oak door with the brass key", ("unlock", "oak door", "brass key")),
    ("look at chest", ("examine", "chest")),
    ("l", ("look",)),
    ("inv", ("inventory",)),
    ("north east", None),
    ("eat apple", None),
])
def test_parse(text, parsed):
    assert parse(text) == parsed


def test_every_admissible_command_is_accepted_along_the_walkthrough():
    game = shed_game()
    state = game.initial.copy()
    for command in game.walkthrough:
        for option in admissible_commands(game, state):
            assert execute(game, state.copy(), command_text(game, option))[1], command_text(game, option)
        assert command in [command_text(game, c) for c in admissible_commands(game, state)]
        assert execute(game, state, command)[1]
    assert state.where[RED] == HOLDER + BASKET
