"""``AsyncLabeler``: LLM labels for keyed items, asked in the background so the env loop never waits.

Shapers that need an LLM's opinion of an observation (``vlm_judge``, ``oni``) hand it items under
a key (a hash of what is judged and how); the labeler asks the model in a thread pool, parses each
reply and keeps the label under its key. The caller then waits at most ``timeout`` seconds, and
uses the labels present, so a slow or absent server costs rewards, never env steps.

- A key is asked once while its request is in flight; a labelled key is never asked again.
- An unparsable reply gets the ``fallback`` label and counts in ``unparsable``.
- A failed request (timeout, 5xx/429 after the client's retries, refused connection, cache miss
  in offline replay) leaves the key unlabelled, so it is asked again when it comes back, and
  counts in ``errors`` (:attr:`AsyncLabeler.last_error` says why). Configuration errors (a bad
  key, an unknown model, a rejected request, and an unreachable server before any label ever
  arrived: most likely a wrong URL) would fail every request alike: the next call to
  :meth:`request` or :meth:`wait` raises them in the caller's thread.
"""
from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from ..errors import LLMAuthError, LLMConfigError, LLMModelError, LLMRequestError, LLMUnreachableError
from .client import ChatClient, Message

#: Errors that every later request would repeat: raised in the caller's thread, not counted.
FATAL = (LLMAuthError, LLMModelError, LLMRequestError, LLMConfigError)


def stable_key(*parts: str | bytes) -> int:
    """A signed 64-bit key of ``parts`` (BLAKE2b), the same in every process and run."""
    digest = hashlib.blake2b(digest_size=8)
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return int.from_bytes(digest.digest(), "little", signed=True)


def as_client(client: ChatClient | Mapping[str, Any] | None) -> ChatClient:
    """A :class:`ChatClient` from an instance, a dict of its arguments (configs) or ``None`` (the environment)."""
    if isinstance(client, ChatClient):
        return client
    if client is None:
        return ChatClient()
    if not isinstance(client, Mapping):
        raise LLMConfigError(f"client must be a ChatClient, a dict of its arguments or None, got {client!r}")
    try:
        return ChatClient(**client)
    except TypeError as e:
        raise LLMConfigError(f"cannot build a ChatClient from {dict(client)}: {e}") from None


class AsyncLabeler:
    """Labels (floats) of items under int keys (:func:`stable_key`), asked of a chat model in the background.

    Args:
        client: the chat client (its cache makes labels replay across runs).
        prompt: ``item -> messages`` asking for one item's label; called in a worker thread.
        parse: ``reply -> label`` or ``None`` when the reply has no answer.
        fallback: the label of an unparsable reply.
        sampling: keyword arguments of :meth:`ChatClient.complete` (temperature, max_tokens, seed).
        max_concurrency: requests in flight at once.
    """

    def __init__(
        self,
        client: ChatClient,
        prompt: Callable[[Any], Sequence[Message]],
        parse: Callable[[str], float | None],
        *,
        fallback: float = 0.0,
        sampling: Mapping[str, Any] | None = None,
        max_concurrency: int = 8,
    ) -> None:
        self.client, self.prompt, self.parse, self.fallback = client, prompt, parse, float(fallback)
        self.sampling = dict(sampling or {})
        self.labels: dict[int, float] = {}
        #: Statistics since construction: requests sent, labels received, unparsable replies, failures.
        self.counts = {"requested": 0, "labelled": 0, "unparsable": 0, "errors": 0}
        self.last_error: str | None = None
        self._pending: dict[int, Any] = {}
        self._fresh: list[tuple[int, Any, float]] = []
        self._fatal: BaseException | None = None
        self._changed = threading.Condition()
        self._max_concurrency = max_concurrency
        self._pool = ThreadPoolExecutor(max_concurrency, thread_name_prefix="llm-labeler")

    @property
    def pending(self) -> int:
        """Requests in flight."""
        with self._changed:
            return len(self._pending)

    def request(self, items: Mapping[int, Any]) -> None:
        """Ask for the label of every item whose key is neither labelled nor in flight; returns at once."""
        self._raise_fatal()
        with self._changed:
            new = {k: v for k, v in items.items() if k not in self.labels and k not in self._pending}
            self._pending.update(new)
            self.counts["requested"] += len(new)
        for key, item in new.items():
            self._pool.submit(self._ask, item).add_done_callback(functools.partial(self._finish, key, item))

    def wait(self, keys: Iterable[int], timeout: float | None) -> None:
        """Block until none of ``keys`` is in flight, or ``timeout`` seconds (``None``: no limit)."""
        keys = list(keys)
        if timeout is None or timeout > 0:
            with self._changed:
                self._changed.wait_for(lambda: self._fatal is not None or not any(k in self._pending for k in keys),
                                       timeout)
        self._raise_fatal()

    def drain(self) -> list[tuple[int, Any, float]]:
        """``(key, item, label)`` of the labels received since the last call, sorted by key.

        Sorted so that a learner fed from it sees the same order whatever order replies came in.
        """
        with self._changed:
            fresh, self._fresh = self._fresh, []
        return sorted(fresh, key=lambda entry: entry[0])

    def close(self, wait: bool = True) -> None:
        """Stop the worker threads; queued requests are dropped, those in flight finish (awaited if ``wait``)."""
        self._pool.shutdown(wait=wait, cancel_futures=True)

    def __getstate__(self) -> dict[str, Any]:
        """Copies and pickles carry the labels and settings, not threads or requests in flight."""
        with self._changed:
            state = {k: v for k, v in self.__dict__.items() if k not in ("_changed", "_pool", "_pending", "_fatal")}
            return {**state, "labels": dict(self.labels), "_fresh": list(self._fresh), "counts": dict(self.counts)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._pending, self._fatal = {}, None
        self._changed = threading.Condition()
        self._pool = ThreadPoolExecutor(self._max_concurrency, thread_name_prefix="llm-labeler")

    def _ask(self, item: Any) -> list[str]:
        return self.client.complete(self.prompt(item), n=1, **self.sampling)

    def _finish(self, key: int, item: Any, future: Future[list[str]]) -> None:
        error = None if future.cancelled() else future.exception()
        with self._changed:
            self._pending.pop(key, None)
            if future.cancelled():
                pass
            elif isinstance(error, FATAL) or (isinstance(error, LLMUnreachableError) and not self.counts["labelled"]):
                self._fatal = self._fatal or error
            elif error is not None:
                self.counts["errors"] += 1
                self.last_error = str(error)
            else:
                label = self.parse(future.result()[0])
                if label is None:
                    self.counts["unparsable"] += 1
                    label = self.fallback
                self.counts["labelled"] += 1
                self.labels[key] = label
                self._fresh.append((key, item, label))
            self._changed.notify_all()

    def _raise_fatal(self) -> None:
        if self._fatal is not None:
            raise self._fatal
