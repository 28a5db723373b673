"""Constructor arguments an env does not take: one clear error instead of Python's TypeError."""
from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import ConfigError


def refuse_unknown_kwargs(owner: str, unknown: Mapping[str, Any], takes: Callable[..., Any]) -> None:
    """Raise :class:`ConfigError` naming ``unknown`` arguments and those ``takes`` accepts.

    Envs collect what ``gym.make(id, **kwargs)`` passes beyond their own arguments in
    ``**unknown`` and call this, so a misspelt argument names itself and the right spellings.
    """
    if not unknown:
        return
    accepted = [name for name, p in inspect.signature(takes).parameters.items()
                if name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]
    raise ConfigError(f"{owner} got unknown argument(s) {sorted(unknown)}; it takes {accepted}")
