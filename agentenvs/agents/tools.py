"""Tools as typed, documented methods, with the JSON schema generated from their signatures.

A :class:`Toolset` subclass's public methods are the tools of an env (the shop's ``search`` and
``click``); each takes typed arguments and returns the env's text action for the call. The
schema an LLM sees (:meth:`Toolset.schemas`, OpenAI's ``tools`` format) is built from the type
hints and the Google-style docstring, so it cannot drift from the code; :meth:`Toolset.action`
checks a call's arguments against the same signature before anything runs.
"""
from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable
from typing import Any, Literal

from ..errors import AgentEnvsError
from .parsers import ToolCall, snippet

_JSON_TYPES: dict[type, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}
_ARG_LINE = re.compile(r"^ {4}(\w+)\s*(?:\([^)]*\))?:\s*(.*)$")


class ToolCallError(AgentEnvsError, ValueError):
    """A tool call names no tool of the env or has arguments its signature refuses."""


def _describe(function: Callable[..., Any]) -> tuple[str, dict[str, str]]:
    """The summary of a Google-style docstring and its ``Args:`` descriptions by name."""
    doc = inspect.getdoc(function) or ""
    summary = doc.split("\n\n", 1)[0].replace("\n", " ").strip()
    args: dict[str, str] = {}
    current = None
    for line in (doc.split("Args:", 1)[1] if "Args:" in doc else "").splitlines()[1:]:
        if line and not line[0].isspace():
            break  # the next section
        match = _ARG_LINE.match(line)
        if match:
            current = match[1]
            args[current] = match[2].strip()
        elif current and line.strip():
            args[current] += " " + line.strip()
    return summary, args


def _json_type(annotation: Any) -> dict[str, Any]:
    if typing.get_origin(annotation) is Literal:
        values = typing.get_args(annotation)
        return {"type": _JSON_TYPES[type(values[0])], "enum": list(values)}
    if annotation in _JSON_TYPES:
        return {"type": _JSON_TYPES[annotation]}
    raise TypeError(f"tool arguments must be str, int, float, bool or a Literal of them, got {annotation!r}")


def function_schema(function: Callable[..., Any]) -> dict[str, Any]:
    """OpenAI's ``{"type": "function", "function": {name, description, parameters}}`` for a typed function."""
    summary, docs = _describe(function)
    hints = typing.get_type_hints(function)
    properties: dict[str, Any] = {}
    required = []
    for name, parameter in inspect.signature(function).parameters.items():
        if name == "self":
            continue
        properties[name] = {**_json_type(hints[name]), "description": docs.get(name, "")}
        if parameter.default is inspect.Parameter.empty:
            required.append(name)
    return {"type": "function", "function": {
        "name": function.__name__, "description": summary,
        "parameters": {"type": "object", "properties": properties, "required": required},
    }}


def _fits(value: Any, annotation: Any) -> bool:
    if typing.get_origin(annotation) is Literal:
        return value in typing.get_args(annotation)
    if annotation is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, annotation)


class Toolset:
    """Base class: the public methods a subclass defines are the tools (see the module docstring)."""

    def tools(self) -> dict[str, Callable[..., str]]:
        """Tool name -> bound method, in definition order."""
        own = [name for klass in reversed(type(self).__mro__) if klass not in (Toolset, object)
               for name in vars(klass) if not name.startswith("_") and callable(vars(klass)[name])]
        return {name: getattr(self, name) for name in dict.fromkeys(own)}

    def schemas(self) -> list[dict[str, Any]]:
        """The OpenAI ``tools`` list for these tools."""
        return [function_schema(method) for method in self.tools().values()]

    def action(self, call: ToolCall) -> str:
        """The env's text action for ``call``.

        Raises:
            ToolCallError: an unknown tool, a missing or unknown argument, or one of the wrong type.
        """
        tools = self.tools()
        method = tools.get(call.name)
        if method is None:
            raise ToolCallError(f"there is no tool {snippet(call.name)}; tools: {sorted(tools)}")
        hints = typing.get_type_hints(method)
        parameters = {n: p for n, p in inspect.signature(method).parameters.items() if n != "self"}
        unknown = sorted(set(call.arguments) - set(parameters))
        missing = [n for n, p in parameters.items() if p.default is inspect.Parameter.empty and n not in call.arguments]
        if unknown or missing:
            raise ToolCallError(f"{call.name}() takes {list(parameters)}; missing {missing}, "
                                f"unknown {[snippet(str(u), 30) for u in unknown]}")
        for name, value in call.arguments.items():
            if not _fits(value, hints[name]):
                raise ToolCallError(f"{call.name}(): argument {name!r} must be {_json_type(hints[name])}, "
                                    f"got {snippet(repr(value), 40)}")
        return method(**call.arguments)


class ActTools(Toolset):
    """The one tool of an env without natural tools: send a text action."""

    def act(self, action: str) -> str:
        """Take one action in the environment and see what happens.

        Args:
            action: The action, in the words the environment's instructions give.
        """
        return action


class SokobanTools(Toolset):
    """Sokoban's tool: move the player."""

    def move(self, direction: Literal["up", "down", "left", "right"]) -> str:
        """Move the player one square, pushing a box that is in the way.

        Args:
            direction: Where to move: up, down, left or right.
        """
        return direction


class ShopTools(Toolset):
    """The shop's tools: WebShop's search box and buttons."""

    def search(self, query: str) -> str:
        """Search the shop for products (only on the search page).

        Args:
            query: Words describing the product wanted, e.g. 'red cotton polo shirt'.
        """
        return f"search[{query}]"

    def click(self, button: str) -> str:
        """Click a button of the current page: a product id, an option value, 'buy now', 'next >', 'back to search'.

        Args:
            button: The button's text exactly as the page shows it.
        """
        return f"click[{button}]"
