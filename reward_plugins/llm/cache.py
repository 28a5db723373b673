"""The on-disk response cache: one JSON file per request, keyed by a SHA-256 of the request.

A request is (model, messages, sampling parameters, seed); the same request replays the same
replies, so a paper's reward generation can be rerun exactly and offline. Writes are atomic
(a temporary file in the same folder, then ``os.replace``), so concurrent writers and killed runs
never leave a half-written entry; an unreadable entry counts as a miss.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

#: Environment variable naming the cache folder (default: ``$XDG_CACHE_HOME/agentenvs/llm``).
CACHE_DIR_ENV = "AGENTENVS_LLM_CACHE_DIR"


def default_cache_dir() -> Path:
    """``$AGENTENVS_LLM_CACHE_DIR``, else ``$XDG_CACHE_HOME/agentenvs/llm`` (``~/.cache`` without it)."""
    configured = os.environ.get(CACHE_DIR_ENV)
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "agentenvs" / "llm"


def request_key(request: Mapping[str, Any]) -> str:
    """SHA-256 hex digest of ``request`` as canonical JSON (sorted keys, no whitespace)."""
    text = json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


class ResponseCache:
    """Replies by request key under ``root`` (``<root>/<key[:2]>/<key>.json``)."""

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()

    def path(self, key: str) -> Path:
        """Where the entry of ``key`` lives."""
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> list[str] | None:
        """The cached replies of ``key``, or ``None`` when absent or unreadable."""
        try:
            data = json.loads(self.path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        replies = data.get("replies") if isinstance(data, dict) else None
        if not isinstance(replies, list) or not all(isinstance(r, str) for r in replies):
            return None
        return replies

    def put(self, key: str, request: Mapping[str, Any], replies: list[str]) -> None:
        """Store ``replies`` (with the request, for people reading the cache) atomically."""
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{key[:8]}-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"request": request, "replies": replies}, f, ensure_ascii=False)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
