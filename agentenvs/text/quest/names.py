"""The words worlds are built from, per split: "test" holds out its own room and object names.

Every list is a tuple (fixed order), so a seeded draw names the same things in every process.
"""
from __future__ import annotations

from dataclasses import dataclass

from ...errors import ConfigError

SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class Vocabulary:
    """The names one split draws from: rooms, and (adjective, noun) parts of each kind of thing."""

    rooms: tuple[str, ...]
    item_nouns: tuple[str, ...]
    item_adjectives: tuple[str, ...]
    container_nouns: tuple[str, ...]
    supporter_nouns: tuple[str, ...]
    furniture_adjectives: tuple[str, ...]
    key_materials: tuple[str, ...]
    door_materials: tuple[str, ...]


_TRAIN = Vocabulary(
    rooms=("kitchen", "pantry", "bedroom", "bathroom", "living room", "study", "attic", "cellar", "garage",
           "hallway", "library", "laundry room", "workshop", "greenhouse", "dining room", "nursery"),
    item_nouns=("apple", "banana", "carrot", "book", "cup", "spoon", "shoe", "hat", "candle", "coin", "plate",
                "sock", "pen", "bottle", "towel", "brush", "onion", "fork", "pillow", "clock"),
    item_adjectives=("red", "green", "blue", "yellow", "old", "small", "shiny", "dusty"),
    container_nouns=("chest", "box", "basket", "cabinet", "crate", "fridge", "trunk"),
    supporter_nouns=("table", "shelf", "counter", "desk", "bench", "stand"),
    furniture_adjectives=("wooden", "metal", "wicker", "white", "black", "large"),
    key_materials=("brass", "iron", "silver", "copper", "rusty"),
    door_materials=("oak", "pine", "wooden", "glass", "iron", "painted"),
)

_TEST = Vocabulary(
    rooms=("conservatory", "scullery", "gallery", "chapel", "armory", "observatory", "boiler room", "mudroom",
           "sunroom", "den", "vestibule", "wine cellar", "billiard room", "ballroom", "loft", "sauna"),
    item_nouns=("pear", "mango", "ladle", "scarf", "kettle", "glove", "compass", "violin", "teapot", "lemon",
                "whistle", "candlestick", "thimble", "mitten", "radish", "bowl", "feather", "marble", "ribbon",
                "goblet"),
    item_adjectives=("purple", "orange", "grey", "pink", "tiny", "chipped", "polished", "faded"),
    container_nouns=("locker", "hamper", "safe", "coffer", "bin", "cupboard", "casket"),
    supporter_nouns=("workbench", "sideboard", "pedestal", "dresser", "ledge", "plinth"),
    furniture_adjectives=("walnut", "steel", "rattan", "red", "green", "tall"),
    key_materials=("golden", "bronze", "steel", "tin", "nickel"),
    door_materials=("cedar", "birch", "maple", "frosted", "barred", "carved"),
)

VOCABULARIES = {"train": _TRAIN, "val": _TRAIN, "test": _TEST}
"""Split -> its names; "val" shares the training names (unseen seeds), "test" holds out all of them."""

MAX_ROOMS = len(_TRAIN.rooms)
"""The most rooms a world can have (each room name is used once)."""


def vocabulary(split: str) -> Vocabulary:
    """The names of ``split``, or a :class:`~agentenvs.errors.ConfigError` naming ``split``."""
    if not isinstance(split, str) or split not in VOCABULARIES:
        raise ConfigError(f"split must be one of {SPLITS}, got {split!r}")
    return VOCABULARIES[split]
