"""Where the envs of a :class:`~agentenvs.agents.grouped.GroupedVectorEnv` run.

Four backends, one worker interface: ``submit(method, *args)`` starts a call on the worker's
:class:`EnvHost`, ``result(timeout)`` waits for its :data:`Outcome` at most ``timeout`` seconds,
``kill()`` ends the worker. The grouped env submits to every worker first and then collects,
so the envs step in parallel and one deadline bounds the whole step.

- ``"sync"``: the env in this process, called in turn (no timeout can interrupt a hung env);
- ``"thread"``: one daemon thread per env (a hung env's thread is abandoned, not killed);
- ``"process"``: one process per env over a pipe (a hung or dead worker is killed);
- ``"ray"``: one Ray actor per env, so envs spread over a cluster (``ray.kill`` ends one).
"""
from __future__ import annotations

import multiprocessing
import os
import queue
import threading
import traceback
from collections.abc import Mapping
from multiprocessing.connection import Connection
from typing import Any, Protocol

from gymnasium.envs.registration import load_env_creator

from ..errors import ConfigError, missing_extra

BACKENDS = ("sync", "thread", "process", "ray")

#: Env methods a grouped env forwards as batched calls when the env has them (shaper inputs).
ENV_METHODS = ("reward_state", "state_key", "instruction", "caption")

#: What builds each env unless a grouped env is told otherwise.
DEFAULT_MAKER = "gymnasium:make"

#: ``(env_id, env_kwargs, maker)``: what a worker's :class:`EnvHost` is built from.
HostArgs = tuple[str, dict[str, Any], str]

#: ``(True, value)`` for a call that returned, ``(False, why)`` for one that raised, hung or lost its worker.
Outcome = tuple[bool, Any]


def _failure(exc: BaseException) -> Outcome:
    """The outcome of a call that raised: the exception and the last frame that raised it."""
    where = traceback.extract_tb(exc.__traceback__)[-1:]
    at = f" (at {where[0].filename}:{where[0].lineno})" if where else ""
    return False, f"{type(exc).__name__}: {exc}{at}"


class EnvHost:
    """One env and the calls a grouped env makes on it, wherever its worker runs.

    The env is ``maker(env_id, **env_kwargs)``, ``maker`` a ``"module:callable"`` string (so it
    travels to any process): ``gym.make`` by default.
    """

    def __init__(self, env_id: str, env_kwargs: Mapping[str, Any], maker: str = DEFAULT_MAKER) -> None:
        from .. import registration  # registers the agentenvs ids in this process (a spawned worker or actor)

        registration.register_all()
        make: Any = load_env_creator(maker)
        self.env = make(env_id, **dict(env_kwargs))

    def run(self, method: str, args: tuple[Any, ...]) -> Outcome:
        """Call ``method(*args)``, returning its outcome instead of raising."""
        try:
            return True, getattr(self, method)(*args)
        except Exception as exc:  # an env's error is reported as that env's outcome, not raised in the driver
            return _failure(exc)

    def describe(self) -> dict[str, Any]:
        """Spaces, the reward state's space and doc (``None`` if absent), forwarded methods and the worker's pid."""
        base = self.env.unwrapped
        return {
            "observation_space": self.env.observation_space,
            "action_space": self.env.action_space,
            "reward_state_space": getattr(base, "reward_state_space", None),
            "reward_state_doc": getattr(base, "reward_state_doc", None),
            "methods": tuple(name for name in ENV_METHODS if callable(getattr(base, name, None))),
            "pid": os.getpid(),
        }

    def reset(self, seed: int | None, options: dict[str, Any] | None) -> tuple[Any, dict[str, Any]]:
        """The env's ``reset``."""
        return self.env.reset(seed=seed, options=options)

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        """The env's ``step``, with Python scalars for reward and flags."""
        obs, reward, terminated, truncated, info = self.env.step(action)
        return obs, float(reward), bool(terminated), bool(truncated), info

    def call(self, name: str) -> Any:
        """One of :data:`ENV_METHODS` on the unwrapped env."""
        return getattr(self.env.unwrapped, name)()

    def close(self) -> None:
        """Close the env."""
        self.env.close()


class Worker(Protocol):
    """What a grouped env needs from a backend's worker."""

    def submit(self, method: str, *args: Any) -> None:
        """Start ``EnvHost.method(*args)``."""

    def result(self, timeout: float) -> Outcome:
        """The submitted call's outcome, or a failure once ``timeout`` seconds pass."""

    def kill(self) -> None:
        """End the worker at once and free what it holds (after a ``close`` call, if it answered); safe twice."""


def _timed_out(timeout: float) -> Outcome:
    return False, f"no answer within the timeout ({timeout:.3g} s); the worker was stopped"


class SyncWorker:
    """The env in this process; a call runs when submitted."""

    def __init__(self, host_args: HostArgs) -> None:
        self._host: EnvHost | None = None
        try:
            self._host = EnvHost(*host_args)
            self._outcome: Outcome = (True, None)
        except Exception as exc:
            self._outcome = _failure(exc)

    def submit(self, method: str, *args: Any) -> None:
        if self._host is not None:
            self._outcome = self._host.run(method, args)
            if method == "close":
                self._host = None

    def result(self, timeout: float) -> Outcome:
        return self._outcome

    def kill(self) -> None:
        if self._host is not None:
            self._host.run("close", ())
            self._host = None


def _serve(host_args: HostArgs, receive: Any, send: Any) -> None:
    """A worker's loop: build the host, then answer calls until ``close`` or the driver goes away."""
    try:
        host = EnvHost(*host_args)
    except Exception as exc:
        send(_failure(exc))
        return
    send((True, None))
    while True:
        try:
            method, args = receive()
        except (EOFError, OSError):  # the driver went away
            host.run("close", ())
            return
        send(host.run(method, args))
        if method == "close":
            return


class ThreadWorker:
    """The env on its own daemon thread; a hung env's thread is left behind, never joined."""

    def __init__(self, host_args: HostArgs) -> None:
        self._inbox: queue.Queue[tuple[str, tuple[Any, ...]]] = queue.Queue()
        self._outbox: queue.Queue[Outcome] = queue.Queue()
        self._thread = threading.Thread(target=_serve, args=(host_args, self._inbox.get, self._outbox.put),
                                        daemon=True, name=f"agentenvs-{host_args[0]}")
        self._thread.start()

    def submit(self, method: str, *args: Any) -> None:
        self._inbox.put((method, args))

    def result(self, timeout: float) -> Outcome:
        try:
            return self._outbox.get(timeout=timeout)
        except queue.Empty:
            return _timed_out(timeout)

    def kill(self) -> None:
        self._inbox.put(("close", ()))


def _process_main(conn: Connection, host_args: HostArgs) -> None:
    try:
        _serve(host_args, conn.recv, conn.send)
    except OSError:  # the driver closed the pipe while this worker answered: nothing is left to answer
        pass
    conn.close()


class ProcessWorker:
    """The env in its own process, spoken to over a pipe; a worker that hangs or dies is killed."""

    def __init__(self, host_args: HostArgs, context: str | None = None) -> None:
        ctx: Any = multiprocessing.get_context(context)
        self._conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_process_main, args=(child, host_args), daemon=True,
                                   name=f"agentenvs-{host_args[0]}")
        self.process.start()
        child.close()
        self._lost: Outcome | None = None

    def submit(self, method: str, *args: Any) -> None:
        try:
            self._conn.send((method, args))
        except (OSError, ValueError):  # broken pipe: the worker is gone
            self._lost = self._exited()

    def _exited(self) -> Outcome:
        self.process.join(1.0)
        return False, f"worker process {self.process.pid} exited (exit code {self.process.exitcode})"

    def result(self, timeout: float) -> Outcome:
        if self._lost is not None:
            return self._lost
        try:
            if not self._conn.poll(timeout):
                return _timed_out(timeout)
            return self._conn.recv()
        except (EOFError, OSError):
            return self._exited()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5.0)
        self._conn.close()


class RayWorker:
    """The env in a Ray actor, placed by Ray (``ray_options`` go to ``.options()``)."""

    def __init__(self, host_args: HostArgs, ray_options: Mapping[str, Any]) -> None:
        ray = _ray()
        actor_class = ray.remote(EnvHost)
        self._actor = actor_class.options(**{"num_cpus": 0, **ray_options}).remote(*host_args)
        self._ref: Any = self._actor.__ray_ready__.remote()

    def submit(self, method: str, *args: Any) -> None:
        self._ref = self._actor.run.remote(method, args)

    def result(self, timeout: float) -> Outcome:
        ray = _ray()
        try:
            outcome = ray.get(self._ref, timeout=timeout)
        except ray.exceptions.GetTimeoutError:
            return _timed_out(timeout)
        except ray.exceptions.RayError as exc:  # the actor died, or failed to start
            return False, f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1]}"
        return (True, None) if outcome is True else outcome

    def kill(self) -> None:
        _ray().kill(self._actor, no_restart=True)


def _ray() -> Any:
    """Ray, started locally when no cluster is connected yet."""
    try:
        import ray
    except ImportError:
        raise missing_extra("ray", "ray") from None
    if not ray.is_initialized():
        ray.init(include_dashboard=False, log_to_driver=False)
    return ray


def start_worker(backend: str, host_args: HostArgs, *, context: str | None = None,
                 ray_options: Mapping[str, Any] | None = None) -> Worker:
    """A new worker of ``backend`` building its env from ``host_args`` (see :class:`EnvHost`).

    Its first :meth:`Worker.result` says whether the env was built.
    """
    if backend == "sync":
        return SyncWorker(host_args)
    if backend == "thread":
        return ThreadWorker(host_args)
    if backend == "process":
        return ProcessWorker(host_args, context)
    if backend == "ray":
        return RayWorker(host_args, ray_options or {})
    raise ConfigError(f"backend must be one of {BACKENDS}, got {backend!r}")
