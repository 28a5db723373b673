"""A call with a wall-clock limit: the env step that hangs comes back as a timeout, not a hung trainer."""
from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

_STOP = object()


class StepTimeout(Exception):
    """The call ran past its limit; it is abandoned (it finishes, or not, on a daemon thread)."""


class TimedCaller:
    """Runs calls on one daemon worker thread and waits at most ``timeout`` seconds for each.

    A call that overruns is abandoned with its worker (a daemon thread never blocks interpreter
    exit); the next call starts a fresh worker, so a late result never answers a later call.
    """

    def __init__(self, timeout: float):
        self.timeout = float(timeout)
        self._worker: tuple[queue.SimpleQueue[Any], queue.SimpleQueue[tuple[bool, Any]]] | None = None

    def _start(self) -> tuple[queue.SimpleQueue[Any], queue.SimpleQueue[tuple[bool, Any]]]:
        jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        results: queue.SimpleQueue[tuple[bool, Any]] = queue.SimpleQueue()

        def work() -> None:
            while (job := jobs.get()) is not _STOP:
                function, args = job
                try:
                    results.put((True, function(*args)))
                except BaseException as err:  # handed to the caller, who re-raises it
                    results.put((False, err))

        threading.Thread(target=work, name="agentenvs-timed-step", daemon=True).start()
        self._worker = (jobs, results)
        return self._worker

    def __call__(self, function: Callable[..., Any], *args: Any) -> Any:
        """``function(*args)``, or :class:`StepTimeout` after ``timeout`` seconds; its exceptions propagate."""
        jobs, results = self._worker or self._start()
        jobs.put((function, args))
        try:
            ok, value = results.get(timeout=self.timeout)
        except queue.Empty:
            self._worker = None  # abandon the busy worker
            raise StepTimeout(f"the call took longer than {self.timeout:g} s") from None
        if not ok:
            raise value
        return value

    def close(self) -> None:
        """Stop the idle worker, if any."""
        if self._worker is not None:
            self._worker[0].put(_STOP)
            self._worker = None
