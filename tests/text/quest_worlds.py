"""A hand-made TextQuest world shared by the quest tests."""
from agentenvs.text.quest.world import (
    CLOSED,
    CONTAINER,
    DOOR,
    HOLDER,
    ITEM,
    KEY,
    LOCKED,
    NOWHERE,
    OPEN,
    SUPPORTER,
    Exit,
    Game,
    State,
    Subgoal,
)

OAK, BRASS, CHEST, TABLE, RED, GREEN, BASKET, RUSTY = range(8)


def shed_game() -> Game:
    """Kitchen (start) --north, locked oak door--> shed. The brass key opens the oak door."""
    names = ("oak door", "brass key", "wooden chest", "metal table", "red apple", "green apple", "wicker basket",
             "rusty key")
    kinds = (DOOR, KEY, CONTAINER, SUPPORTER, ITEM, ITEM, CONTAINER, KEY)
    keys = (BRASS, -1, -1, -1, -1, -1, -1, -1)
    where = [NOWHERE, HOLDER + TABLE, 0, 0, HOLDER + CHEST, 0, 1, 0]
    status = [LOCKED, OPEN, CLOSED, OPEN, OPEN, OPEN, OPEN, OPEN]
    quest = (Subgoal(("held", BRASS), "take the brass key"),
             Subgoal(("unlocked", OAK), "unlock the oak door"),
             Subgoal(("held", RED), "take the red apple"),
             Subgoal(("in", RED, BASKET), "put the red apple in the wicker basket"))
    walkthrough = ("take brass key", "unlock oak door with brass key", "open wooden chest", "take red apple",
                   "open oak door", "go north", "put red apple in wicker basket")
    return Game(("kitchen", "shed"), ((Exit("north", 1, OAK),), (Exit("south", 0, OAK),)), names, kinds, keys,
                State(0, where, status), quest,
                "Your task is to: take the brass key, unlock the oak door, take the red apple, then put the red "
                "apple in the wicker basket.", walkthrough)
