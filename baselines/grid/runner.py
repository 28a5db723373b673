"""Run every run of a grid on a local process pool or a Ray cluster, crash-safely.

Crash safety rests on three facts of the run directory (:mod:`baselines.config`):

- ``result.json`` is written atomically and last, so a run is complete exactly when it exists;
  the driver skips such runs, so restarting a killed grid finishes it without redoing work.
- ``train(..., resume=True)`` continues a partial run from its latest complete checkpoint and
  drops the evaluations that checkpoint did not see, so no eval line is written twice.
- ``RUN_DIR/.lock`` is held with ``fcntl.flock`` while a run trains. The kernel releases it when
  the holder dies (SIGKILL included); a second driver waits for it instead of training the same
  run twice, then finds the result and skips. (``flock`` needs a local or NFSv4 file system.)

The driver owns the grid-level status file ``RUNS_DIR/<grid name>.grid.json`` (state, steps,
duration and error of every run; written atomically on every state change and every few
seconds) and the progress display; workers only train and report
steps through a queue (a spawn-context ``multiprocessing.Queue``, or a ``ray.util.queue.Queue``).
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import multiprocessing
import os
import queue as queue_lib
import socket
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import yaml

from ..config import RESULT_FILE, RunConfig
from ..validate import validate_runs
from .progress import GridProgress
from .spec import GridShaperError, GridSpec, GridSpecError, load_spec

RunFn = Callable[..., dict[str, Any]]

LOCK_FILE = ".lock"
BACKENDS = ("pool", "ray")

#: Seconds between two step reports of one run sent to the driver.
STEP_REPORT_INTERVAL = 0.5
#: Seconds between two rewrites of the status file while runs progress (state changes write at once).
STATUS_INTERVAL = 5.0


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and ``os.replace`` (never half-written).

    The temporary name carries the pid, so two drivers may write the same status file. (Not
    ``baselines.callbacks.atomic_write_text``: the driver need not import torch.)
    """
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


@contextlib.contextmanager
def run_lock(run_dir: Path, on_wait: Callable[[], None] | None = None, poll: float = 0.5) -> Iterator[None]:
    """Hold ``run_dir/.lock`` (``fcntl.flock``, exclusive) for the duration of the block.

    Blocks while another process holds it, calling ``on_wait`` once. The kernel drops the lock
    when the holder exits or is killed, so a crashed driver never leaves a stale lock behind.
    """
    fd = os.open(Path(run_dir) / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait()
            while True:
                time.sleep(poll)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    continue
        os.ftruncate(fd, 0)
        os.write(fd, f"{socket.gethostname()} {os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the flock


def read_result(run_dir: Path) -> dict[str, Any] | None:
    """The run's result.json, or ``None`` while the run is incomplete."""
    path = Path(run_dir) / RESULT_FILE
    return json.loads(path.read_text()) if path.exists() else None


# ---------------------------------------------------------------------------------------------
# Worker side: the same function runs in a pool process and in a Ray task.

_worker_queue: Any = None


def _init_pool_worker(q: Any) -> None:
    global _worker_queue
    _worker_queue = q


def _default_run_fn() -> RunFn:
    from ..train import train

    return train


def execute_run(run_fn: RunFn | None, config: dict[str, Any], run_dir: str, sink: Any = None) -> dict[str, Any]:
    """Train one run under its lock; never raises.

    Reports ``(event, name, ...)`` tuples to ``sink`` (a queue; the pool worker's queue when
    ``None``) and returns ``{"status", "result" | "error", "duration"}`` with status ``done``,
    ``skipped`` (complete already) or ``failed``.
    """
    sink = sink if sink is not None else _worker_queue
    cfg = RunConfig.from_dict(config)
    name, path = cfg.run_name, Path(run_dir)
    started = time.time()

    def send(*message: Any) -> None:
        if sink is not None:
            with contextlib.suppress(Exception):  # a lost progress message never fails a run
                sink.put_nowait(message)

    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] >= STEP_REPORT_INTERVAL or done >= total:
            last[0] = now
            send("steps", name, int(done), int(total))

    try:
        path.mkdir(parents=True, exist_ok=True)
        with run_lock(path, on_wait=lambda: send("waiting", name)):
            existing = read_result(path)
            if existing is not None:
                return {"status": "skipped", "result": existing, "duration": 0.0}
            send("running", name, os.getpid())
            send("steps", name, 0, cfg.total_timesteps)
            result = (run_fn or _default_run_fn())(cfg, path, progress=progress, resume=True)
        return {"status": "done", "result": result, "duration": time.time() - started}
    except Exception:  # noqa: BLE001  (the driver reports it; KeyboardInterrupt still ends the worker)
        return {"status": "failed", "error": traceback.format_exc(), "duration": time.time() - started}


# ---------------------------------------------------------------------------------------------
# Driver side.


@dataclass
class GridResult:
    """What :func:`run_grid` returns: each run's final state and result."""

    name: str
    runs_dir: Path
    states: dict[str, str]
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether every run is complete."""
        return all(s in ("done", "skipped") for s in self.states.values())

    @property
    def failed(self) -> list[str]:
        return [n for n, s in self.states.items() if s == "failed"]


class _Driver:
    """Bookkeeping shared by the backends: states, the status file, the display."""

    def __init__(self, spec: GridSpec, runs_dir: Path, configs: list[RunConfig], workers: int, backend: str,
                 stream: IO[str] | None, tty: bool | None) -> None:
        self.spec, self.runs_dir, self.backend = spec, runs_dir, backend
        self.configs = {c.run_name: c for c in configs}
        kwargs: dict[str, Any] = {"tty": tty}
        if stream is not None:
            kwargs["stream"] = stream
        self.display = GridProgress(list(self.configs), workers, **kwargs)
        self.result = GridResult(spec.name, runs_dir, {n: "pending" for n in self.configs})
        self.status_path = runs_dir / f"{spec.name}.grid.json"
        self.started = time.time()
        self._status_written = 0.0
        self.worker_runs: dict[Any, str] = {}  # worker pid -> the run it started last
        self.deferred: dict[str, list[tuple[Any, ...]]] = {}  # run -> start messages waiting for its result

    def write_status(self) -> None:
        runs = {}
        for name, progress in self.display.runs.items():
            runs[name] = {"state": self.result.states[name], "steps": progress.steps, "total": progress.total,
                          "duration": progress.duration, "error": self.result.errors.get(name)}
        status = {"grid": self.spec.name, "backend": self.backend, "started": self.started, "updated": time.time(),
                  "runs": runs}
        atomic_write_text(self.status_path, json.dumps(status, indent=1))
        self._status_written = time.monotonic()

    def tick(self) -> None:
        """Refresh the display; rewrite the status file (with step counts) every few seconds."""
        self.display.tick()
        if time.monotonic() - self._status_written >= STATUS_INTERVAL:
            self.write_status()

    def on_message(self, message: tuple[Any, ...]) -> None:
        event, name = message[0], message[1]
        if name not in self.configs or self.result.states[name] in ("done", "skipped", "failed"):
            return  # a late message from a run already accounted for
        if event == "running":
            # A worker starts its next run before the driver may have received the result of its
            # previous one: hold the start until then, so "running" never exceeds the workers.
            previous = self.worker_runs.get(message[2])
            if previous is not None and previous != name and self.result.states[previous] == "running":
                self.deferred.setdefault(previous, []).append(message)
                return
            self.worker_runs[message[2]] = name
            self.result.states[name] = "running"
            self.display.set_state(name, "running")
            self.write_status()
        elif event == "steps" and self.result.states[name] == "running":
            self.display.set_steps(name, message[2], message[3])
        elif event == "waiting":
            self.display.log(f"[grid] waiting  {name}: another process holds its lock")

    def on_finished(self, name: str, outcome: Mapping[str, Any], announce: bool = True) -> None:
        status = outcome["status"]
        self.result.states[name] = status
        if status == "failed":
            self.result.errors[name] = outcome["error"]
        else:
            result = outcome["result"]
            self.result.results[name] = result
            self._ensure_result_file(name, result)
            if status == "done" and "timesteps" in result:
                # the worker's last step report may still be in the queue, or lost with a Ray actor
                self.display.set_steps(name, int(result["timesteps"]),
                                       int(result.get("total_timesteps", result["timesteps"])))
        self.display.set_state(name, status, duration=outcome.get("duration"), error=outcome.get("error"),
                               announce=announce)
        self.write_status()
        for message in self.deferred.pop(name, []):
            self.on_message(message)

    def _ensure_result_file(self, name: str, result: Mapping[str, Any]) -> None:
        """A Ray task on another node without a shared file system: the driver records the result."""
        path = self.runs_dir / name / RESULT_FILE
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(path, json.dumps(result, indent=1))


def _drain(q: Any, driver: _Driver, timeout: float) -> None:
    try:
        driver.on_message(q.get(timeout=timeout))
        while True:
            driver.on_message(q.get_nowait())
    except queue_lib.Empty:
        pass


def _run_pool(driver: _Driver, todo: list[RunConfig], workers: int, run_fn: RunFn | None) -> None:
    ctx = multiprocessing.get_context("spawn")
    q = ctx.Queue()
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_pool_worker, initargs=(q,))
    try:
        futures: dict[Future, str] = {
            pool.submit(execute_run, run_fn, c.to_dict(), str(driver.runs_dir / c.run_name)): c.run_name for c in todo
        }
        while futures:
            wait(futures, timeout=0.2, return_when=FIRST_COMPLETED)
            _drain(q, driver, timeout=0.05)
            for future in [f for f in futures if f.done()]:
                name = futures.pop(future)
                try:
                    outcome = future.result()
                except Exception as exc:  # noqa: BLE001  (a worker process died: BrokenProcessPool)
                    outcome = {"status": "failed", "error": f"worker process died: {exc!r}", "duration": None}
                driver.on_finished(name, outcome)
            driver.tick()
        _drain(q, driver, timeout=0.0)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        q.close()


def _run_ray(driver: _Driver, todo: list[RunConfig], workers: int, run_fn: RunFn | None, address: str | None) -> None:
    try:
        import ray
        from ray.util.queue import Queue
    except ImportError:
        from agentenvs.errors import missing_extra

        raise missing_extra("ray", "ray") from None
    started_here = not ray.is_initialized()
    if started_here:
        if address is None:
            ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
        else:
            ray.init(address=address, log_to_driver=False)
    try:
        q = Queue()
        task = ray.remote(num_cpus=1, max_retries=0)(execute_run)
        refs = {task.remote(run_fn, c.to_dict(), str(driver.runs_dir / c.run_name), q): c.run_name for c in todo}
        while refs:
            done, _ = ray.wait(list(refs), num_returns=1, timeout=0.2)
            _drain(q, driver, timeout=0.05)
            for ref in done:
                name = refs.pop(ref)
                try:
                    outcome = ray.get(ref)
                except Exception as exc:  # noqa: BLE001  (the worker died or the task could not run)
                    outcome = {"status": "failed", "error": f"ray task failed: {exc!r}", "duration": None}
                driver.on_finished(name, outcome)
            driver.tick()
        _drain(q, driver, timeout=0.0)
        ray.kill(q.actor)  # type: ignore[arg-type]
    finally:
        if started_here:
            ray.shutdown()


def run_grid(
    spec_or_path: GridSpec | Mapping[str, Any] | str | Path,
    runs_dir: str | Path,
    *,
    workers: int = 2,
    backend: str = "pool",
    address: str | None = None,
    run_fn: RunFn | None = None,
    validate: bool = True,
    stream: IO[str] | None = None,
    tty: bool | None = None,
) -> GridResult:
    """Run every run of a grid that is not complete yet, ``workers`` at a time.

    :param spec_or_path: a :class:`GridSpec`, its dict, or a YAML file (see :mod:`baselines.grid.spec`).
    :param runs_dir: parent of the run directories (``RUNS_DIR/<run_name>/``).
    :param workers: runs trained at once (pool processes, or CPUs of a local Ray instance).
    :param backend: ``"pool"`` (a spawn-context process pool) or ``"ray"`` (one Ray task per run).
    :param address: Ray cluster to join (``"auto"``: the one started on this machine by ``ray start``);
        ``None`` starts a local instance and shuts it down after. The cluster's workers must see
        ``runs_dir`` at the same path (a shared file system) for checkpoints and resumes to work.
    :param run_fn: trains one run, with the signature of :func:`baselines.train.train`
        (``run_fn(config, run_dir, progress=..., resume=True) -> result``); default ``train``.
        It must be importable by the workers: a module-level function of an installed module (for
        Ray, or one registered with ``ray.cloudpickle.register_pickle_by_value``).
    :param validate: check every run (:func:`baselines.validate.validate_runs`) before starting anything.
    :param stream: where the progress display goes (default stderr); ``tty`` forces bars on or off.
    :return: the state of every run; failed runs keep their traceback in ``errors``.
    """
    if backend not in BACKENDS:
        raise GridSpecError(f"unknown backend {backend!r}; choose one of {list(BACKENDS)}")
    spec = load_spec(spec_or_path)
    configs = spec.runs()
    if validate:  # hyperparameter names are those of train's algorithms; another run_fn reads its own
        validate_runs(configs, GridSpecError, hyperparams=run_fn is None, shaper_error=GridShaperError)
    runs_dir = Path(runs_dir)
    runs_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(runs_dir / f"{spec.name}.grid.yaml", yaml.safe_dump(spec.to_dict(), sort_keys=False))
    workers = max(1, int(workers))
    driver = _Driver(spec, runs_dir, configs, workers, backend, stream, tty)
    todo = []
    for config in configs:
        result = read_result(runs_dir / config.run_name)
        if result is None:
            todo.append(config)
        else:
            outcome = {"status": "skipped", "result": result, "duration": 0.0}
            driver.on_finished(config.run_name, outcome, announce=False)
    driver.display.log(f"[grid] {spec.name}: {len(configs)} runs, {len(configs) - len(todo)} complete already "
                       f"(skipped), {len(todo)} to run on {workers} {backend} worker(s); "
                       f"status in {driver.status_path}")
    driver.write_status()
    try:
        if todo:
            if backend == "pool":
                _run_pool(driver, todo, workers, run_fn)
            else:
                _run_ray(driver, todo, workers, run_fn, address)
    finally:
        driver.write_status()
        driver.display.close()
    return driver.result
