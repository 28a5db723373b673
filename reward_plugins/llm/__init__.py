"""The shared LLM client: any OpenAI-compatible chat-completions server, with retries and a response cache.

Needs the ``llm`` extra (the ``openai`` package), imported on first request. See
:class:`~reward_plugins.llm.client.ChatClient` and docs/llm.md.
"""
from __future__ import annotations

from .cache import ResponseCache, default_cache_dir
from .client import API_KEY_ENV, BASE_URL_ENV, MODEL_ENV, ChatClient

__all__ = ["API_KEY_ENV", "BASE_URL_ENV", "MODEL_ENV", "ChatClient", "ResponseCache", "default_cache_dir"]
