r"""One action parser for LLM completions, with named formats.

Every format is a function ``(completion, **options) -> ParseResult``; :data:`FORMATS` names them
and :func:`get_parser` binds options. A completion may be ``str``, UTF-8 ``bytes``, or an
OpenAI assistant message (a dict with ``content`` and/or ``tool_calls``); anything else, bytes
that are not UTF-8 included, is an invalid action with a reason, never an exception. Model text
is only scanned and, for tool calls, read with :func:`json.loads`: never passed to ``eval`` or
``exec``.

Formats:

- ``answer_tag``: the last ``<answer>...</answer>`` (case-insensitive); ``require_think=True``
  also wants a ``<think>...</think>`` before it (verl-agent's validity rule).
- ``boxed``: the last ``\boxed{...}``, braces balanced (GEM).
- ``bracket``: the last ``[...]``, brackets balanced, with optional ``aliases`` (TextArena).
- ``multi``: the last ``<answer>``, split on ``||`` into at most ``max_actions_per_turn``
  actions (RAGEN).
- ``tool_call``: OpenAI ``tool_calls`` (a message dict or its JSON) or Hermes
  ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>`` blocks; the actions are
  :class:`ToolCall`.
- ``plain``: the whole text, stripped, or the inside of an ``<answer>`` tag that wraps it all
  (what the text envs accept directly, :func:`unwrap_answer`).
"""
from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from ..errors import ConfigError

_WRAPPED = re.compile(r"\s*<answer>(?P<inside>.*?)</answer>\s*", re.IGNORECASE | re.DOTALL)
_TOOL_CALL = re.compile(r"<tool_call>(.*?)</tool_call>", re.DOTALL)
_SNIPPET = 60


class ToolCall(NamedTuple):
    """One call of a named tool with JSON arguments."""

    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class ParseResult:
    """What a format read from a completion.

    Attributes:
        actions: The actions, in order (``str``, or :class:`ToolCall` for ``tool_call``); empty when invalid.
        valid: Whether the completion follows the format.
        error: Why not (``None`` when valid): a sentence a model can act on.
    """

    actions: tuple[Any, ...]
    valid: bool
    error: str | None = None

    @property
    def value(self) -> Any:
        """The single action, the list of actions for several, ``None`` when invalid."""
        if not self.valid:
            return None
        if len(self.actions) == 1 and not isinstance(self.actions[0], ToolCall):
            return self.actions[0]
        return [a._asdict() if isinstance(a, ToolCall) else a for a in self.actions]


def invalid(error: str) -> ParseResult:
    """An invalid parse with its reason."""
    return ParseResult((), False, error)


def snippet(text: str, limit: int = _SNIPPET) -> str:
    """``text`` cut to ``limit`` characters and shown as an ASCII Python literal (safe in any observation)."""
    return ascii(text[:limit]) + ("..." if len(text) > limit else "")


def completion_text(completion: Any) -> tuple[str | None, str | None]:
    """``(text, None)`` for a readable completion, else ``(None, reason)``.

    ``str`` as is, ``bytes`` decoded as UTF-8, a message dict by its ``content`` (``None`` content is "").
    """
    if isinstance(completion, str):
        return completion, None
    if isinstance(completion, (bytes, bytearray)):
        try:
            return bytes(completion).decode("utf-8"), None
        except UnicodeDecodeError as err:
            return None, f"the completion is bytes that are not UTF-8 ({err.reason} at byte {err.start})"
    if isinstance(completion, Mapping):
        content = completion.get("content")
        if content is None:
            return "", None
        if isinstance(content, str):
            return content, None
        return None, f"the message content is {type(content).__name__}, not text"
    return None, f"the completion is {type(completion).__name__}, not text (str, UTF-8 bytes or a message dict)"


def _last_tag(text: str, tag: str) -> tuple[int, str] | None:
    """``(start, inside)`` of the last ``<tag>...</tag>`` (case-insensitive), or ``None``."""
    lower = text.lower()
    end = lower.rfind(f"</{tag}>")
    if end < 0:
        return None
    start = lower.rfind(f"<{tag}>", 0, end)
    if start < 0:
        return None
    return start, text[start + len(tag) + 2:end]


def unwrap_answer(text: str) -> str:
    """The inside of an ``<answer>`` tag that wraps all of ``text`` (stripped), else ``text`` stripped.

    The lenient reading the text envs apply to a raw action: ``"<answer> DOWN </answer>"`` -> ``"DOWN"``.
    """
    match = _WRAPPED.fullmatch(text)
    return (match["inside"] if match else text).strip()


def plain(completion: Any) -> ParseResult:
    """The whole completion as one action (see :func:`unwrap_answer`); empty text is invalid."""
    text, error = completion_text(completion)
    if text is None:
        return invalid(str(error))
    action = unwrap_answer(text)
    return ParseResult((action,), True) if action else invalid("the completion is empty")


def _answer(text: str, require_think: bool) -> tuple[str | None, str | None]:
    found = _last_tag(text, "answer")
    if found is None:
        return None, "no <answer>...</answer> found; end the reply with <answer>your action</answer>"
    start, inside = found
    if require_think:
        think_end = text.lower().rfind("</think>", 0, start)
        if think_end < 0 or text.lower().rfind("<think>", 0, think_end) < 0:
            return None, "no <think>...</think> before the answer; reason inside <think></think> first"
    return inside.strip(), None


def answer_tag(completion: Any, require_think: bool = False) -> ParseResult:
    """The last ``<answer>...</answer>``, stripped; invalid when missing or empty."""
    text, error = completion_text(completion)
    if text is None:
        return invalid(str(error))
    action, error = _answer(text, require_think)
    if action is None:
        return invalid(str(error))
    return ParseResult((action,), True) if action else invalid("the <answer></answer> is empty")


def _balanced_from(text: str, start: int, open_: str, close: str) -> int | None:
    """Index just past the ``close`` that balances the ``open_`` at ``start``, or ``None``."""
    depth = 0
    for index in range(start, len(text)):
        char = text[index]
        if char == open_:
            depth += 1
        elif char == close:
            depth -= 1
            if depth == 0:
                return index + 1
    return None


def boxed(completion: Any) -> ParseResult:
    r"""The content of the last ``\boxed{...}`` with balanced braces, stripped."""
    text, error = completion_text(completion)
    if text is None:
        return invalid(str(error))
    start = text.rfind("\\boxed{")
    if start < 0:
        return invalid("no \\boxed{...} found; end the reply with \\boxed{your action}")
    brace = start + len("\\boxed")
    end = _balanced_from(text, brace, "{", "}")
    if end is None:
        return invalid("the last \\boxed{ is never closed")
    action = text[brace + 1:end - 1].strip()
    return ParseResult((action,), True) if action else invalid("the \\boxed{} is empty")


def bracket(completion: Any, aliases: Mapping[str, str] | None = None) -> ParseResult:
    """The content of the last balanced ``[...]``, stripped, mapped through ``aliases`` (lower-cased keys)."""
    text, error = completion_text(completion)
    if text is None:
        return invalid(str(error))
    end = text.rfind("]")
    depth, start = 0, -1
    for index in range(end, -1, -1):
        char = text[index]
        if char == "]":
            depth += 1
        elif char == "[":
            depth -= 1
            if depth == 0:
                start = index
                break
    if end < 0 or start < 0:
        return invalid("no [action] found; end the reply with your action in square brackets, e.g. [up]")
    action = text[start + 1:end].strip()
    if aliases:
        action = aliases.get(action.lower(), action)
    return ParseResult((action,), True) if action else invalid("the [] is empty")


def multi(completion: Any, max_actions_per_turn: int = 5, require_think: bool = False,
          separator: str = "||") -> ParseResult:
    """The last ``<answer>`` split on ``separator``: 1..``max_actions_per_turn`` non-empty actions."""
    text, error = completion_text(completion)
    if text is None:
        return invalid(str(error))
    inside, error = _answer(text, require_think)
    if inside is None:
        return invalid(str(error))
    actions = tuple(part.strip() for part in inside.split(separator))
    if not any(actions):
        return invalid("the <answer></answer> is empty")
    if not all(actions):
        return invalid(f"an action between {separator!r} separators is empty")
    if len(actions) > max_actions_per_turn:
        return invalid(f"{len(actions)} actions in one turn; at most {max_actions_per_turn} are allowed")
    return ParseResult(actions, True)


def _arguments(raw: Any, name: str) -> dict[str, Any] | str:
    """The arguments of a call as a dict, or the reason they are not one."""
    if raw is None:
        return {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw.strip() else {}
        except (ValueError, RecursionError):
            return f"the arguments of {snippet(name)} are not valid JSON"
    if not isinstance(raw, dict):
        return f"the arguments of {snippet(name)} must be a JSON object, got {type(raw).__name__}"
    return raw


def _call(entry: Any) -> ToolCall | str:
    """One call from Hermes ``{"name", "arguments"}`` or OpenAI ``{"function": {...}}``, or the reason not."""
    if not isinstance(entry, dict):
        return f"a tool call must be a JSON object, got {type(entry).__name__}"
    function = entry.get("function", entry)
    if not isinstance(function, dict):
        return "a tool call's 'function' must be a JSON object"
    name = function.get("name")
    if not isinstance(name, str) or not name.strip():
        return "a tool call needs a non-empty 'name'"
    arguments = _arguments(function.get("arguments", function.get("parameters")), name)
    if isinstance(arguments, str):
        return arguments
    return ToolCall(name.strip(), arguments)


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def tool_call(completion: Any, max_calls: int = 1) -> ParseResult:
    """Tool calls: an OpenAI message's ``tool_calls`` (dict or JSON), or ``<tool_call>{...}</tool_call>`` blocks."""
    entries: list[Any] | None = None
    if isinstance(completion, Mapping) and completion.get("tool_calls"):
        entries = list(completion["tool_calls"]) if isinstance(completion["tool_calls"], list) else None
        if entries is None:
            return invalid("'tool_calls' must be a list")
    else:
        text, error = completion_text(completion)
        if text is None:
            return invalid(str(error))
        blocks = _TOOL_CALL.findall(text)
        if blocks:
            entries = [_json(block.strip()) for block in blocks]
            bad = next((i for i, e in enumerate(entries) if e is None), None)
            if bad is not None:
                return invalid(f"<tool_call> block {bad + 1} is not valid JSON: {snippet(blocks[bad].strip())}")
        else:
            whole = _json(text.strip()) if text.strip()[:1] in ("{", "[") else None
            if isinstance(whole, dict):
                entries = whole["tool_calls"] if isinstance(whole.get("tool_calls"), list) else [whole]
            elif isinstance(whole, list):
                entries = whole
    if not entries:
        return invalid('no tool call found; call a tool as <tool_call>{"name": ..., "arguments": {...}}</tool_call>')
    if len(entries) > max_calls:
        return invalid(f"{len(entries)} tool calls in one turn; at most {max_calls} are allowed")
    calls = [_call(entry) for entry in entries]
    error = next((c for c in calls if isinstance(c, str)), None)
    return invalid(error) if error is not None else ParseResult(tuple(calls), True)


Parser = Callable[[Any], ParseResult]

FORMATS: dict[str, Callable[..., ParseResult]] = {
    "answer_tag": answer_tag,
    "boxed": boxed,
    "bracket": bracket,
    "multi": multi,
    "tool_call": tool_call,
    "plain": plain,
}
"""Format name -> parse function; each takes the completion first, then its keyword options."""

INSTRUCTIONS: dict[str, str] = {
    "answer_tag": "Think step by step, then give exactly one action inside <answer></answer>, "
                  "for example <answer>{example}</answer>.",
    "boxed": "Think step by step, then give exactly one action inside \\boxed{{}}, for example \\boxed{{{example}}}.",
    "bracket": "Think step by step, then give exactly one action in square brackets, for example [{example}].",
    "multi": "Think step by step, then give one or more actions (at most {max_actions_per_turn}) inside "
             "<answer></answer>, separated by ||, for example <answer>{example} || {example}</answer>.",
    "tool_call": "Act by calling one of the tools: "
                 "<tool_call>{{\"name\": <tool name>, \"arguments\": {{...}}}}</tool_call>.",
    "plain": "Reply with the action alone, for example: {example}",
}
"""Format name -> how the system prompt asks for it (``str.format`` fields: ``example``, ``max_actions_per_turn``)."""


def get_parser(name: str, **options: Any) -> Parser:
    """The parser of format ``name`` with ``options`` bound (``require_think``, ``max_actions_per_turn``, ...).

    Raises:
        ConfigError: an unknown format or an option the format does not take.
    """
    if name not in FORMATS:
        raise ConfigError(f"unknown action format {name!r}; formats: {sorted(FORMATS)}")
    function = FORMATS[name]
    accepted = set(function.__code__.co_varnames[1:function.__code__.co_argcount])
    unknown = sorted(set(options) - accepted)
    if unknown:
        raise ConfigError(f"action format {name!r} takes options {sorted(accepted) or 'none'}, got {unknown}")
    return functools.partial(function, **options) if options else function


def format_instruction(name: str, example: str, **options: Any) -> str:
    """The sentence a system prompt uses to ask for format ``name``, with an example action."""
    get_parser(name, **options)
    prefix = "Reason inside <think></think> first. " if options.get("require_think") else ""
    return prefix + INSTRUCTIONS[name].format(example=example,
                                              max_actions_per_turn=options.get("max_actions_per_turn", 5))
