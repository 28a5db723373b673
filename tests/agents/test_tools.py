"""Tools as typed methods: schemas generated from signatures and docstrings, calls checked against them."""
from typing import Literal

import pytest

from agentenvs.agents import ToolCall, ToolCallError, Toolset, function_schema
from agentenvs.agents.tools import ShopTools


class Lamp(Toolset):
    def switch(self, on: bool, room: Literal["hall", "den"] = "hall", level: float = 1.0) -> str:
        """Switch the lamp of a room.

        Args:
            on: True to light it.
            room: Which room's lamp; the hall by default.
            level: Brightness from 0 to 1,
                where 1 is full.
        """
        return f"switch {room} {on} {level}"


def test_the_schema_comes_from_the_signature_and_the_docstring():
    assert function_schema(Lamp().switch) == {"type": "function", "function": {
        "name": "switch", "description": "Switch the lamp of a room.",
        "parameters": {"type": "object", "required": ["on"], "properties": {
            "on": {"type": "boolean", "description": "True to light it."},
            "room": {"type": "string", "enum": ["hall", "den"],
                     "description": "Which room's lamp; the hall by default."},
            "level": {"type": "number", "description": "Brightness from 0 to 1, where 1 is full."},
        }},
    }}


def test_calls_are_checked_against_the_signature():
    lamp = Lamp()
    assert lamp.action(ToolCall("switch", {"on": True, "level": 1})) == "switch hall True 1"
    for call, match in [(ToolCall("dim", {}), "there is no tool 'dim'"),
                        (ToolCall("switch", {}), "missing \\['on'\\]"),
                        (ToolCall("switch", {"on": True, "x": 1}), "unknown \\[\"'x'\"\\]"),
                        (ToolCall("switch", {"on": "yes"}), "'on' must be"),
                        (ToolCall("switch", {"on": True, "room": "attic"}), "'room' must be")]:
        with pytest.raises(ToolCallError, match=match):
            lamp.action(call)


def test_the_shop_tools_are_search_and_click():
    shop = ShopTools()
    assert [s["function"]["name"] for s in shop.schemas()] == ["search", "click"]
    assert shop.action(ToolCall("search", {"query": "red shirt"})) == "search[red shirt]"
    assert shop.action(ToolCall("click", {"button": "buy now"})) == "click[buy now]"
