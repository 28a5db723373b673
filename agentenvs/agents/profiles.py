"""What an LLM is told about each env: its rules, its actions with an example, and its tools.

One :class:`Profile` per entry point (:data:`PROFILES`); an LLM-facing id registered without one
gets :func:`default_profile`, built from its registry description, so it works from the moment it
registers and reads better once a row is added here.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..registration import EnvEntry
from .tools import ActTools, ShopTools, SokobanTools, Toolset


@dataclass(frozen=True)
class Profile:
    """The text an LLM needs to play an env, and its tools.

    Attributes:
        rules: The task and how the world works (the system prompt's first part).
        actions: What an action looks like.
        example: One valid action, shown in the format instruction.
        toolset: The env's tools (:mod:`.tools`), for the ``tool_call`` format and the adapters.
    """

    rules: str
    actions: str
    example: str
    toolset: type[Toolset] = ActTools


PROFILES: dict[str, Profile] = {
    "agentenvs.sokoban.env:SokobanEnv": Profile(
        "You are playing Sokoban. The board is shown as text: '#' wall, ' ' floor, '.' goal, '$' box, "
        "'*' box on a goal, '@' you, '+' you on a goal. Push every box onto a goal. You push a box by walking "
        "into it; you cannot pull boxes, so a box pushed into a corner off a goal is stuck for good.",
        "An action is one move: up, down, left or right.", "left", SokobanTools),
    "agentenvs.text.quest.env:TextQuestEnv": Profile(
        "You are playing a text adventure. Each reply of the game describes what you see. Complete the quest "
        "given at the start.",
        "An action is one command, such as: go north, look, inventory, examine X, take X, drop X, open X, "
        "close X, unlock X with Y, put X in Y, put X on Y.", "look"),
    "agentenvs.text.shop_env:TextShopEnv": Profile(
        "You are shopping in a web shop, shown as text with parts separated by [SEP]. Find and buy the product "
        "the instruction describes, with the options it asks for, within its price limit.",
        "An action is search[query] on the search page, or click[button] for a button the page shows "
        "(a product id, an option value, description, features, buy now, next >, < prev, back to search).",
        "search[red cotton polo shirt]", ShopTools),
    "agentenvs.gui.cursor_env:GUICursorEnv": Profile(
        "You are using a computer. You see a screenshot with the mouse pointer drawn on it, an instruction, and "
        "the pointer's position as fractions of the screen's width and height. Click the element the instruction "
        "names: move the pointer onto it, then click. The click ends the episode.",
        "An action is (x, y) to move the pointer to that point in screen pixels (x from the left edge, y from the "
        "top), MOVE(dx, dy) to move it by dx, dy pixels, or STOP to click where the pointer is.", "(640, 400)"),
    "agentenvs.web.env:WebEnv": Profile(
        "You are using a web page in a browser. Each observation gives the goal ('utterance') and the page "
        "('dom'): one line per visible element, '[ref] role \"text\"' with its value and state (checked, "
        "selected, focused), indented by nesting. Do what the goal asks on this page.",
        "An action is one command: click(ref), type(ref, \"text\") (replaces the field's value), "
        "select(ref, \"option\"), press(\"Enter\"), click_xy(x, y) (viewport pixels) or scroll(dy).",
        "click(3)"),
}


def default_profile(entry: EnvEntry) -> Profile:
    """A profile from the registry row, for ids without their own."""
    return Profile(f"{entry.description}.", "An action is one text command.", "look")


def profile_of(entry: EnvEntry) -> Profile:
    """The profile of ``entry``'s env."""
    point = entry.entry_point if isinstance(entry.entry_point, str) else ""
    return PROFILES.get(point) or default_profile(entry)
