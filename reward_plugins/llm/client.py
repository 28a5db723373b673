"""``ChatClient``: any OpenAI-compatible chat-completions server, with retries and a response cache.

vLLM, Ollama, llama.cpp's server, LM Studio and OpenAI itself all speak the protocol; the client
goes through the official ``openai`` package with a ``base_url``. Model, URL and key come from the
arguments, else the environment (:data:`MODEL_ENV`, :data:`BASE_URL_ENV`, :data:`API_KEY_ENV`).

- Retries: HTTP 429 and 5xx, timeouts and refused connections are retried ``max_retries`` times
  with exponential backoff (``backoff * 2**attempt`` seconds, at most ``max_backoff``; a server's
  ``Retry-After`` is honoured up to that cap). A bad key (401/403), an unknown model (404) and a
  rejected request (400/422) are not retried. Every failure is one line naming the server, from
  the :class:`~reward_plugins.errors.LLMError` family.
- ``n`` samples: asked in one request; a server that returns fewer choices (Ollama ignores ``n``)
  or rejects ``n`` gets the rest as parallel single requests, seeded ``seed + i`` for sample ``i``
  so that they differ, and is remembered as not taking ``n``.
- Cache (:mod:`reward_plugins.llm.cache`): ``"on"`` (default) replays a cached request and stores
  new ones, ``"off"`` neither reads nor writes (``--no-cache``), ``"only"`` replays and raises
  :class:`~reward_plugins.errors.LLMCacheMissError` on a miss without contacting any server.
- Many prompts: :meth:`ChatClient.submit` returns a future (a thread pool of ``max_concurrency``
  workers), :meth:`ChatClient.complete_many` waits for a list of them.
"""
from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Literal

from ..errors import (
    LLMAuthError,
    LLMCacheMissError,
    LLMConfigError,
    LLMError,
    LLMModelError,
    LLMRequestError,
    LLMServerError,
    LLMTimeoutError,
    LLMUnreachableError,
    MissingDependencyError,
)
from .cache import ResponseCache, request_key

BASE_URL_ENV = "AGENTENVS_LLM_BASE_URL"
API_KEY_ENV = "AGENTENVS_LLM_API_KEY"
MODEL_ENV = "AGENTENVS_LLM_MODEL"
#: The URL used when neither ``base_url`` nor :data:`BASE_URL_ENV` is given.
DEFAULT_BASE_URL = "https://api.openai.com/v1"

CacheMode = Literal["on", "off", "only"]
#: One chat message: ``{"role": "user", "content": "..."}`` (content may be a list of parts).
Message = Mapping[str, Any]


def _openai() -> Any:
    try:
        import openai
    except ImportError as missing:
        raise MissingDependencyError("the LLM client needs openai: pip install 'agentenvs[llm]'") from missing
    return openai


def _server_message(error: Any) -> str:
    """The server's own error message from an openai status error, on one line."""
    body = getattr(error, "body", None)
    if isinstance(body, Mapping):
        inner = body.get("error", body)
        message = inner.get("message") if isinstance(inner, Mapping) else inner
        if message:
            return " ".join(str(message).split())
    return " ".join(str(getattr(error, "message", error)).split())


class ChatClient:
    """A chat-completions client: ``complete(messages, n=...) -> list of n reply strings``.

    Args:
        model: the served model's name; default ``$AGENTENVS_LLM_MODEL``, else the server's only
            model (asked once through ``GET /models``).
        base_url: the server's OpenAI-compatible root, e.g. ``http://127.0.0.1:8000/v1``; default
            ``$AGENTENVS_LLM_BASE_URL``, else OpenAI's.
        api_key: default ``$AGENTENVS_LLM_API_KEY``, else ``$OPENAI_API_KEY``, else ``"EMPTY"``
            (local servers ignore the key).
        timeout: seconds for one HTTP request.
        max_retries: retries of one request after a 429, a 5xx, a timeout or a refused connection.
        cache_dir: the response cache's folder (default :func:`~reward_plugins.llm.cache.default_cache_dir`).
        cache: ``"on"``, ``"off"`` or ``"only"`` (offline replay), see the module docstring.
        backoff: seconds before the first retry; doubles each retry.
        max_backoff: the longest wait between retries, ``Retry-After`` included.
        max_concurrency: requests in flight at once from :meth:`submit`, :meth:`complete_many` and
            the parallel fallback for ``n``.
    """

    def __init__(
        self,
        model: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 4,
        cache_dir: str | os.PathLike[str] | None = None,
        cache: CacheMode = "on",
        *,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        max_concurrency: int = 8,
    ) -> None:
        if cache not in ("on", "off", "only"):
            raise LLMConfigError(f"cache must be 'on', 'off' or 'only' (offline replay), got {cache!r}")
        if not timeout > 0 or max_retries < 0 or backoff < 0 or max_backoff < 0 or max_concurrency < 1:
            raise LLMConfigError(
                f"need timeout > 0, max_retries >= 0, backoff >= 0, max_backoff >= 0 and max_concurrency >= 1; got "
                f"timeout={timeout}, max_retries={max_retries}, backoff={backoff}, max_backoff={max_backoff}, "
                f"max_concurrency={max_concurrency}"
            )
        self.base_url = (base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).rstrip("/")
        self._model = model or os.environ.get(MODEL_ENV) or None
        self._api_key = api_key or os.environ.get(API_KEY_ENV) or os.environ.get("OPENAI_API_KEY") or "EMPTY"
        self.timeout, self.max_retries = float(timeout), int(max_retries)
        self.backoff, self.max_backoff, self.max_concurrency = float(backoff), float(max_backoff), int(max_concurrency)
        self.cache_mode: CacheMode = cache
        self.cache = ResponseCache(cache_dir)
        #: Whether the server honours ``n`` (``None``: not known yet).
        self.supports_n: bool | None = None
        #: Requests sent to the server, and requests answered from the cache.
        self.requests_sent = 0
        self.cache_hits = 0
        self._lock = threading.Lock()
        self._api: Any = None
        self._pool: ThreadPoolExecutor | None = None

    def __getstate__(self) -> dict[str, Any]:
        """Copies and pickles carry the settings and counters, not connections or threads."""
        return {k: v for k, v in self.__dict__.items() if k not in ("_lock", "_api", "_pool")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock, self._api, self._pool = threading.Lock(), None, None

    def __repr__(self) -> str:
        return f"ChatClient(model={self._model!r}, base_url={self.base_url!r}, cache={self.cache_mode!r})"

    # -- public interface -------------------------------------------------------------------------

    @property
    def model(self) -> str:
        """The model's name, asking the server for its only model when none was configured."""
        if self._model is None:
            if self.cache_mode == "only":
                raise LLMConfigError(f"cache='only' needs a model name: pass model= or set {MODEL_ENV}")
            served = self.models()
            if len(served) != 1:
                raise LLMConfigError(
                    f"no model given (pass model= or set {MODEL_ENV}) and {self.base_url} serves "
                    f"{len(served)} models: {', '.join(served) or 'none'}"
                )
            self._model = served[0]
        return self._model

    def models(self) -> list[str]:
        """The model names the server lists at ``GET /models``."""
        return [m.id for m in self._call(lambda api: api.models.list().data, "GET /models")]

    def complete(
        self,
        messages: Sequence[Message],
        n: int = 1,
        temperature: float = 1.0,
        max_tokens: int | None = None,
        seed: int | None = None,
    ) -> list[str]:
        """``n`` replies to ``messages`` (from the cache when it holds this exact request).

        Raises:
            LLMConfigError: bad messages or sampling values.
            LLMCacheMissError: ``cache="only"`` and the request is not cached.
            LLMError: the server failed (see the module docstring for which subclass when).
        """
        request = self._request(messages, n, temperature, max_tokens, seed)
        key = request_key(request)
        if self.cache_mode != "off":
            cached = self.cache.get(key)
            if cached is not None and len(cached) == n:
                with self._lock:
                    self.cache_hits += 1
                return cached
            if self.cache_mode == "only":
                raise LLMCacheMissError(
                    f"cache='only' (offline replay) and no cached reply for this request to model {request['model']!r} "
                    f"(key {key[:12]}) in {self.cache.root}; run once with a server and cache='on'"
                )
        replies = self._sample(request)
        if self.cache_mode != "off":
            self.cache.put(key, request, replies)
        return replies

    def submit(self, messages: Sequence[Message], **sampling: Any) -> Future[list[str]]:
        """:meth:`complete` in the client's thread pool; the future holds the replies or the error."""
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.max_concurrency, thread_name_prefix="chat-client")
            pool = self._pool
        return pool.submit(self.complete, messages, **sampling)

    def complete_many(self, prompts: Sequence[Sequence[Message]], **sampling: Any) -> list[list[str]]:
        """:meth:`complete` of every prompt, ``max_concurrency`` at a time, in order.

        Raises the first prompt's error (in prompt order) after every request finished.
        """
        futures = [self.submit(messages, **sampling) for messages in prompts]
        return [f.result() for f in futures]

    def close(self) -> None:
        """Stop the thread pool and the HTTP connections (a later call opens them again)."""
        with self._lock:
            pool, api, self._pool, self._api = self._pool, self._api, None, None
        if pool is not None:
            pool.shutdown(wait=True)
        if api is not None:
            api.close()

    def __enter__(self) -> ChatClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- requests -----------------------------------------------------------------------------------

    def _request(
        self, messages: Sequence[Message], n: int, temperature: float, max_tokens: int | None, seed: int | None
    ) -> dict[str, Any]:
        """The request as the cache keys it, after checking its values."""
        if isinstance(messages, (str, Mapping)) or not messages or not all(
            isinstance(m, Mapping) and "role" in m and "content" in m for m in messages
        ):
            raise LLMConfigError(
                "messages must be a non-empty list of {'role': ..., 'content': ...} dicts, e.g. "
                f"[{{'role': 'user', 'content': 'hi'}}]; got {str(messages)[:120]!r}"
            )
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise LLMConfigError(f"n (samples per request) must be an int >= 1, got {n!r}")
        if not 0.0 <= float(temperature) <= 2.0:
            raise LLMConfigError(f"temperature must be in [0, 2], got {temperature!r}")
        if max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens < 1):
            raise LLMConfigError(f"max_tokens must be None or an int >= 1, got {max_tokens!r}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise LLMConfigError(f"seed must be None or an int, got {seed!r}")
        return {"model": self.model, "messages": [dict(m) for m in messages], "n": n,
                "temperature": float(temperature), "max_tokens": max_tokens, "seed": seed}

    def _sample(self, request: dict[str, Any]) -> list[str]:
        """``request["n"]`` replies from the server: one request with ``n``, the rest in parallel."""
        n = request["n"]
        replies: list[str] = []
        if n == 1 or self.supports_n is not False:
            try:
                replies = self._create(request, n)
            except LLMRequestError:
                if n == 1:
                    raise
                self.supports_n = False  # a server that rejects n: take the samples one by one
            else:
                if n > 1:
                    self.supports_n = len(replies) >= n
        missing = range(len(replies), n)
        if not missing:
            return replies[:n]
        seeds = [None if request["seed"] is None else request["seed"] + i for i in missing]
        with ThreadPoolExecutor(min(len(seeds), self.max_concurrency), thread_name_prefix="chat-n") as pool:
            rest = list(pool.map(lambda s: self._create({**request, "seed": s}, 1)[0], seeds))
        return replies + rest

    def _create(self, request: dict[str, Any], n: int) -> list[str]:
        """One chat-completions request; its choices' texts in order."""
        params = {k: request[k] for k in ("model", "messages", "temperature")}
        params.update({k: request[k] for k in ("max_tokens", "seed") if request[k] is not None})
        if n > 1:
            params["n"] = n
        completion = self._call(lambda api: api.chat.completions.create(**params), f"model {request['model']!r}")
        choices = getattr(completion, "choices", None)
        if not choices:
            raise LLMServerError(f"{self.base_url} answered model {request['model']!r} with no choices: "
                                 f"{str(completion)[:200]!r}")
        return [(c.message.content or "") for c in sorted(choices, key=lambda c: c.index or 0)]

    def _client(self) -> Any:
        with self._lock:
            if self._api is None:
                self._api = _openai().OpenAI(base_url=self.base_url, api_key=self._api_key, timeout=self.timeout,
                                             max_retries=0)
            return self._api

    def _call(self, send: Any, what: str) -> Any:
        """``send(openai_client)`` with the retry policy; openai's errors become one-line LLMErrors."""
        openai = _openai()
        where = f"LLM server {self.base_url}"
        for attempt in range(self.max_retries + 1):
            with self._lock:
                self.requests_sent += 1
            wait = min(self.backoff * 2**attempt, self.max_backoff)
            try:
                return send(self._client())
            except openai.APITimeoutError:
                error: LLMError = LLMTimeoutError(
                    f"{where} did not answer {what} within {self.timeout:g} s, {attempt + 1} tries; raise timeout= or "
                    "check the server's load")
            except openai.APIConnectionError as e:
                error = LLMUnreachableError(
                    f"{where} is unreachable ({' '.join(str(e.__cause__ or e).split())}), {attempt + 1} tries; start "
                    f"the server or set {BASE_URL_ENV} / base_url= to where it listens")
            except (openai.AuthenticationError, openai.PermissionDeniedError) as e:
                raise LLMAuthError(
                    f"{where} refused the API key (HTTP {e.status_code}: {_server_message(e)}); set {API_KEY_ENV} "
                    "or pass api_key=") from None
            except openai.NotFoundError as e:
                raise LLMModelError(
                    f"{where} has no {what} (HTTP 404: {_server_message(e)}){self._served_hint()}; set {MODEL_ENV} "
                    "or pass model=, and check that base_url ends with the API root (often /v1)") from None
            except openai.APIStatusError as e:
                if e.status_code != 429 and e.status_code < 500:
                    raise LLMRequestError(
                        f"{where} rejected the request for {what} (HTTP {e.status_code}: {_server_message(e)})"
                    ) from None
                error = LLMServerError(
                    f"{where} kept failing on {what}: HTTP {e.status_code} ({_server_message(e)}) on all "
                    f"{attempt + 1} tries; retry later or raise max_retries=")
                wait = self._retry_after(e, wait)
            except openai.APIResponseValidationError as e:
                raise LLMServerError(f"{where} sent a reply to {what} that is not a chat completion: {e}") from None
            if attempt < self.max_retries:
                time.sleep(wait)
        raise error

    def _retry_after(self, error: Any, default: float) -> float:
        """The server's ``Retry-After`` seconds (capped at ``max_backoff``), else ``default``."""
        try:
            return min(float(error.response.headers["retry-after"]), self.max_backoff)
        except (AttributeError, KeyError, TypeError, ValueError):
            return default

    def _served_hint(self) -> str:
        """``"; it serves a, b"`` when the server lists its models, else nothing."""
        try:
            served = [m.id for m in self._client().models.list().data]
        except Exception:  # noqa: BLE001 (a hint only: the 404 is the error being reported)
            return ""
        return f"; it serves {', '.join(served)}" if served else ""
