"""Reading a judge's reply as a number in [0, 1]: scores, fractions, percentages, yes/no.

Models answer in many shapes: ``<score>7</score>``, ``Score: 7/10``, ``80%``, ``Yes.``,
``The answer is no``. :func:`parse_score` looks first inside tags (``<score>``, ``<answer>``,
``<label>``, ``<verdict>``), then after the last ``score:``/``answer:``/``rating:``/``verdict:``
label, then in the whole reply; it returns ``None`` when nothing there reads as an answer, and
callers use their documented fallback then.
"""
from __future__ import annotations

import re

_TAG = re.compile(r"<(score|answer|label|verdict|rating)>\s*(.*?)\s*</\1>", re.IGNORECASE | re.DOTALL)
_LABELLED = re.compile(r"\b(?:final\s+)?(?:score|answer|rating|verdict|label)\s*(?:is|[:=])\s*([^\n]+)",
                       re.IGNORECASE)
_NUMBER = r"[-+]?\d+(?:\.\d+)?"
_FRACTION = re.compile(rf"({_NUMBER})\s*(?:/|out\s+of)\s*({_NUMBER})", re.IGNORECASE)
_PERCENT = re.compile(rf"({_NUMBER})\s*%")
_BARE = re.compile(rf"^\W*({_NUMBER})\W*$")
_ANY_NUMBER = re.compile(rf"(?<![\w.])({_NUMBER})(?![\w.])")
_YES = {"yes", "true", "y", "completed", "complete", "done", "achieved", "success", "succeeded"}
_NO = {"no", "false", "n", "incomplete", "unfinished", "fail", "failed", "failure"}
_WORD = re.compile(r"[a-z]+")
_NEGATED = re.compile(r"\bnot\s+(?:yet\s+|been\s+|fully\s+)*(?:completed?|done|achieved|successful|solved|finished)\b")


def _yes_no(text: str, first_only: bool) -> float | None:
    lowered = text.lower()
    if not first_only and _NEGATED.search(lowered):
        return 0.0
    words = _WORD.findall(lowered)
    for word in words[:1] if first_only else words:
        if word in _YES:
            return 1.0
        if word in _NO:
            return 0.0
    return None


def _number(text: str, scale: float, anywhere: bool) -> float | None:
    if match := _FRACTION.search(text):
        top, bottom = float(match.group(1)), float(match.group(2))
        value = top / bottom if bottom > 0 else None
    elif match := _PERCENT.search(text):
        value = float(match.group(1)) / 100.0
    elif match := (_ANY_NUMBER.search(text) if anywhere else _BARE.match(text)):
        value = float(match.group(1)) / scale
    else:
        return None
    return value if value is not None and 0.0 <= value <= 1.0 else None


def parse_score(reply: str, scale: float = 10.0) -> float | None:
    """The reply's answer as a number in [0, 1], or ``None`` when it has none.

    Args:
        reply: the model's text.
        scale: what a bare number is out of (``7`` with ``scale=10`` is 0.7); fractions
            (``7/10``, ``7 out of 10``) and percentages carry their own scale.

    Out-of-range numbers (``12/10``, ``-1``) are no answer. Yes-words (yes, true, done, success)
    read as 1, no-words (no, false, fail) and negated yes-words (``not completed``) as 0.
    """
    if tag := _TAG.search(reply):
        focus, anywhere = tag.group(2), True
    elif labelled := _LABELLED.findall(reply):
        focus, anywhere = labelled[-1], True
    else:
        focus, anywhere = reply.strip(), False
    leading = _yes_no(focus, first_only=True)
    if leading is not None:
        return leading
    number = _number(focus, scale, anywhere)
    if number is not None:
        return number
    return _yes_no(focus, first_only=False)
