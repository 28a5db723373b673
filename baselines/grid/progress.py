"""Live progress of a grid: runs done / running / failed / pending with an ETA, and steps per run.

On a terminal, tqdm bars: one for the grid, one per running run. Elsewhere (CI logs, nohup),
plain log lines on state changes and every ``log_every`` seconds.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import IO, Any


@dataclass
class RunProgress:
    """What the driver knows of one run."""

    state: str = "pending"  # pending | running | done | skipped | failed
    steps: int = 0
    total: int = 0
    started: float | None = None
    duration: float | None = None
    error: str | None = None


def estimate_eta(runs: dict[str, RunProgress], workers: int, now: float) -> float | None:
    """Seconds until every run is finished, or ``None`` before there is anything to go by.

    A run's duration is the mean duration of the runs finished by this driver; before the first
    one finishes, it is extrapolated from the step rate of the running runs. Pending runs cost a
    full duration, running ones what is left of theirs; the total is shared by ``workers``.
    """
    finished = [r.duration for r in runs.values() if r.state == "done" and r.duration is not None]
    running = [r for r in runs.values() if r.state == "running" and r.started is not None]
    pending = sum(r.state == "pending" for r in runs.values())
    if finished:
        per_run = sum(finished) / len(finished)
    else:
        rates = [(now - started) / (r.steps / r.total) for r in running
                 if (started := r.started) is not None and r.total and r.steps / r.total >= 0.05
                 and now - started >= 1.0]
        if not rates:
            return None if (pending or running) else 0.0
        per_run = sum(rates) / len(rates)
    left = pending * per_run
    for r in running:
        fraction = r.steps / r.total if r.total else 0.0
        left += per_run * (1 - fraction)
    return left / max(1, min(workers, pending + len(running)))


def format_duration(seconds: float | None) -> str:
    """``seconds`` as ``1h05m``, ``4m10s`` or ``9s``; ``?`` for ``None`` (no estimate yet)."""
    if seconds is None:
        return "?"
    seconds = int(round(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}h{m:02d}m" if h else (f"{m}m{s:02d}s" if m else f"{s}s")


def summary(runs: dict[str, RunProgress], workers: int, now: float) -> str:
    """``done 3 | running 2 | failed 0 | pending 7 | ETA 4m10s`` (skipped runs count as done)."""
    count = {s: sum(r.state == s for r in runs.values()) for s in ("done", "skipped", "running", "failed", "pending")}
    return (f"done {count['done'] + count['skipped']} | running {count['running']} | failed {count['failed']} | "
            f"pending {count['pending']} | ETA {format_duration(estimate_eta(runs, workers, now))}")


@dataclass
class GridProgress:
    """Progress display of one grid; the driver calls :meth:`set_state` and :meth:`set_steps`."""

    names: list[str]
    workers: int
    stream: IO[str] = field(default_factory=lambda: sys.stderr)
    tty: bool | None = None
    log_every: float = 30.0
    runs: dict[str, RunProgress] = field(init=False)

    def __post_init__(self) -> None:
        self.runs = {n: RunProgress() for n in self.names}
        if self.tty is None:
            self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._bars: dict[str, Any] = {}
        self._grid_bar: Any = None
        self._last_log = time.monotonic()
        if self.tty:
            from tqdm.auto import tqdm

            self._tqdm = tqdm
            self._grid_bar = tqdm(total=len(self.names), desc="grid", unit="run", position=0, file=self.stream,
                                  dynamic_ncols=True)
        self._positions: list[int] = []

    def set_state(self, name: str, state: str, *, duration: float | None = None, error: str | None = None,
                  announce: bool = True) -> None:
        """Record a run's new state; ``announce=False`` only counts it (no log line)."""
        run = self.runs[name]
        run.state = state
        if state == "running":
            run.started = time.time()
        if duration is not None:
            run.duration = duration
        run.error = error
        if state != "running":
            self._close_bar(name)
        if announce:
            self._refresh(force=True, event=self._event(name, run), loud=state == "failed")

    def set_steps(self, name: str, steps: int, total: int) -> None:
        run = self.runs[name]
        run.steps, run.total = steps, total
        if self.tty and run.state == "running":
            bar = self._bars.get(name)
            if bar is None:
                position = next(i for i in range(1, len(self.names) + 2) if i not in self._positions)
                self._positions.append(position)
                bar = self._tqdm(total=total, desc=name, unit="step", position=position, leave=False, file=self.stream,
                                 dynamic_ncols=True)
                bar.position_slot = position
                self._bars[name] = bar
            bar.n = steps
            bar.refresh()  # step reports arrive at most twice a second per run
        self._refresh()

    def tick(self) -> None:
        """Refresh the ETA (and, off a terminal, log a line every ``log_every`` seconds)."""
        self._refresh()

    def close(self) -> None:
        for name in list(self._bars):
            self._close_bar(name)
        if self._grid_bar is not None:
            self._grid_bar.close()
        self.log(f"[grid] finished: {summary(self.runs, self.workers, time.time())}")

    def _event(self, name: str, run: RunProgress) -> str:
        text = f"[grid] {run.state:<8} {name}"
        if run.duration is not None and run.state in ("done", "failed"):
            text += f" ({format_duration(run.duration)})"
        if run.error:
            text += f": {run.error.strip().splitlines()[-1]}"
        return text

    def _close_bar(self, name: str) -> None:
        bar = self._bars.pop(name, None)
        if bar is not None:
            self._positions.remove(bar.position_slot)
            bar.close()

    def _refresh(self, force: bool = False, event: str | None = None, loud: bool = False) -> None:
        now = time.time()
        line = summary(self.runs, self.workers, now)
        if self.tty:
            finished = sum(r.state in ("done", "skipped", "failed") for r in self.runs.values())
            self._grid_bar.update(finished - self._grid_bar.n)
            self._grid_bar.set_postfix_str(line, refresh=True)
            if event and loud:
                self._tqdm.write(event, file=self.stream)
        elif force or time.monotonic() - self._last_log >= self.log_every:
            if event:
                self.log(event)
            steps = ", ".join(f"{n}: {r.steps}/{r.total}" for n, r in self.runs.items()
                              if r.state == "running" and r.total)
            self.log(f"[grid] {line}" + (f" | {steps}" if steps and not force else ""))

    def log(self, text: str) -> None:
        """Write one line (above the bars on a terminal)."""
        self._last_log = time.monotonic()
        if self.tty:
            self._tqdm.write(text, file=self.stream)
        else:
            print(text, file=self.stream, flush=True)
