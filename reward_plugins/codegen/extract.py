"""Pull a reward program out of an LLM reply: the fenced block that defines it, else the whole reply."""
from __future__ import annotations

import re

from ..errors import RewardCodeError

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
ENTRY_POINT = "compute_reward"


def extract_code(reply: str, entry_point: str = ENTRY_POINT) -> str:
    """The program in ``reply``: the last Markdown code block that defines ``entry_point``.

    Blocks tagged ``python``/``py`` (or untagged) are read; when no block defines the function,
    the whole reply is taken if it does (a reply that is bare code). An unclosed last fence (a
    reply cut at ``max_tokens``) is read to the end, so the critic can report the syntax error.

    Raises:
        RewardCodeError: no block and not the reply itself defines ``def entry_point(``.
    """
    if not isinstance(reply, str):
        raise RewardCodeError(f"an LLM reply must be text, got {type(reply).__name__}")
    defines = re.compile(rf"^\s*def\s+{re.escape(entry_point)}\s*\(", re.MULTILINE)
    blocks = [body for tag, body in _FENCE.findall(reply) if tag.lower() in ("", "python", "py", "python3")]
    for body in reversed(blocks):
        if defines.search(body):
            return body.strip("\n") + "\n"
    if defines.search(reply) and "```" not in reply:
        return reply.strip("\n") + "\n"
    raise RewardCodeError(
        f"the reply holds no function `def {entry_point}(state)` (looked in {len(blocks)} Python code block(s) "
        f"and the reply itself); reply starts: {reply[:120]!r}"
    )
