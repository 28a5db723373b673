"""The web actions: text commands as LLM agents write them, and the Dict form programs pass.

Text: ``click(ref)``, ``type(ref, "text")``, ``select(ref, "option")``, ``press("Enter")``,
``click_xy(x, y)``, ``scroll(dy)``, optionally wrapped in ``<answer>...</answer>`` (text around the
tags is ignored). Strings are single- or double-quoted with backslash escapes; numbers are ints
(``click_xy`` and ``scroll`` take floats too). A small regular-expression parser reads them:
nothing is evaluated. Dict: ``{"type": "click", "ref": 3}``, ``{"type": "type", "ref": 3,
"text": "hi"}``, ``{"type": "select", "ref": 3, "option": "red"}``, ``{"type": "press", "key":
"Enter"}``, ``{"type": "click_xy", "x": 10, "y": 20}``, ``{"type": "scroll", "dy": 100}``.
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np

from ..errors import InvalidActionError

KEYS = ("Enter", "Tab", "Escape", "Backspace", "ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Space")
"""Keys ``press`` accepts."""
SIGNATURES: dict[str, tuple[tuple[str, type], ...]] = {
    "click": (("ref", int),),
    "type": (("ref", int), ("text", str)),
    "select": (("ref", int), ("option", str)),
    "press": (("key", str),),
    "click_xy": (("x", float), ("y", float)),
    "scroll": (("dy", float),),
}
"""Action type -> its fields in order, with the Python type each takes."""

_ANSWER = re.compile(r"<answer>(.*?)</answer>", re.DOTALL | re.IGNORECASE)
_CALL = re.compile(r"\s*(?P<verb>[a-z_]+)\s*\((?P<args>.*)\)\s*", re.DOTALL | re.IGNORECASE)
_ARG = re.compile(
    r"""\s*(?:(?P<num>[-+]?\d+(?:\.\d*)?)|"(?P<dq>(?:[^"\\]|\\.)*)"|'(?P<sq>(?:[^'\\]|\\.)*)')\s*(?:,|$)""", re.DOTALL)
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


def _usage(verb: str) -> str:
    return f"{verb}(" + ", ".join("<text>" if kind is str else f"<{name}>" for name, kind in SIGNATURES[verb]) + ")"


def parse_command(text: str) -> dict[str, Any] | str:
    """The Dict action that ``text`` spells, or a message saying why it is no action."""
    answer = _ANSWER.search(text)
    body = answer.group(1) if answer else text
    call = _CALL.fullmatch(body)
    if call is None:
        return f"cannot parse {body.strip()[:80]!r}; write one of: " + ", ".join(_usage(v) for v in SIGNATURES)
    verb = call["verb"].lower()
    if verb not in SIGNATURES:
        return f"unknown command {verb!r}; commands: {', '.join(SIGNATURES)}"
    args: list[Any] = []
    rest, position = call["args"], 0
    while rest.strip() and position < len(rest):
        match = _ARG.match(rest, position)
        if match is None:
            return f"cannot read the arguments of {verb}; usage: {_usage(verb)}"
        if match["num"] is not None:
            args.append(float(match["num"]) if "." in match["num"] else int(match["num"]))
        else:
            args.append(_ESCAPE.sub(r"\1", match["dq"] if match["dq"] is not None else match["sq"]))
        position = match.end()
    fields = SIGNATURES[verb]
    if len(args) != len(fields):
        return f"{verb} takes {len(fields)} argument(s), got {len(args)}; usage: {_usage(verb)}"
    action: dict[str, Any] = {"type": verb}
    for (name, kind), value in zip(fields, args):
        if (kind is str) != isinstance(value, str) or (kind is int and isinstance(value, float)):
            wanted = "a quoted string" if kind is str else "an integer" if kind is int else "a number"
            return f"{verb}: {name} must be {wanted}"
        action[name] = value
    return check_fields(action)


def check_fields(action: dict[str, Any]) -> dict[str, Any] | str:
    """``action`` with its numbers as Python numbers, or a message for a value no page accepts (unknown key...)."""
    if action["type"] == "press" and action["key"] not in KEYS:
        return f"press takes one of {', '.join(KEYS)}, got {action['key']!r}"
    return action


def check_dict_action(action: dict[str, Any]) -> dict[str, Any]:
    """A Dict action checked for its keys and value types, numbers made Python numbers.

    Raises:
        InvalidActionError: (a ``ValueError``) an unknown ``type``, missing or extra keys, or a
            value of the wrong type, naming the expected form.
    """
    kind = action.get("type")
    if kind not in SIGNATURES:
        raise InvalidActionError(f"a Dict action needs 'type' in {sorted(SIGNATURES)}, got {kind!r}")
    fields = SIGNATURES[kind]
    expected = {"type", *(name for name, _ in fields)}
    if set(action) != expected:
        raise InvalidActionError(f"a {kind!r} action has exactly the keys {sorted(expected)}, got {sorted(action)}")
    out: dict[str, Any] = {"type": kind}
    for name, want in fields:
        value = action[name]
        if want is str:
            if not isinstance(value, str):
                raise InvalidActionError(f"{kind}: {name!r} must be a str, got {type(value).__name__}")
        elif isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or (
                want is int and not float(value).is_integer()):
            raise InvalidActionError(f"{kind}: {name!r} must be {'an int' if want is int else 'a number'}, "
                                     f"got {value!r}")
        out[name] = value if want is str else (int(value) if want is int else float(value))
    return out


def format_action(action: dict[str, Any]) -> str:
    """The text command of a Dict action (what an LLM agent would write for it)."""
    args = []
    for name, kind in SIGNATURES[action["type"]]:
        value = action[name]
        args.append('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"' if kind is str else f"{value:g}"
                    if isinstance(value, float) else str(value))
    return f"{action['type']}({', '.join(args)})"
