"""The parent side of the boundary: one worker process, a watchdog, and replacement when it dies.

:class:`Sandbox` validates a program here (parse and walk only: the parent never runs generated code),
ships it to its worker once (the worker caches it by SHA-256), then ships batches of reward-state
tensors as bytes and reads ``[B]`` totals and components back. A call that outlives its wall-clock
budget gets the worker SIGKILLed (a signal inside the worker would wait for a BLAS call to return); a
worker that dies for any reason is replaced on the next call, so the next program still runs.
"""
from __future__ import annotations

import atexit
import fcntl
import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import torch

from ..errors import RewardProgramError, RewardSandboxError
from . import protocol
from .validate import RewardProgram, validate_program

_BOOT = ("import sys; sys.path[:0] = sys.argv[1].split('\\n'); "
         "from reward_plugins.code.worker import main; main(sys.argv[2:])")

STARTING = "starting the worker"

#: The pipe buffer asked for (the kernel's pipe-max-size may cap it at 1 MiB).
PIPE_BYTES = 8 * 2**20


@dataclass(frozen=True)
class SandboxLimits:
    """What one worker may use.

    Attributes:
        timeout_s: wall-clock seconds per call before the watchdog SIGKILLs the worker.
        cpu_s: CPU seconds per call before the kernel kills the worker (RLIMIT_CPU).
        memory_mb: address space the worker may map beyond what torch maps at start (RLIMIT_AS).
        startup_s: seconds a new worker may take to import torch and report ready.
        threads: torch threads in the worker; its pool starts before the process limit forbids new threads.
            One by default: a worker's threads spin beside the caller's own and slow both on a shared machine.
    """

    timeout_s: float = 10.0
    cpu_s: float = 10.0
    memory_mb: int = 1024
    startup_s: float = 120.0
    threads: int = 1


@dataclass
class RewardResult:
    """One call's rewards: ``total`` ``[B]`` float32 and each named component ``[B]`` float32 (CPU)."""

    total: torch.Tensor
    components: dict[str, torch.Tensor] = field(default_factory=dict)


def _worker_path() -> str:
    """The import path a worker needs (this process's, with '' made absolute), one per line for argv."""
    return "\n".join(os.path.abspath(p) if p in ("", ".") else p for p in sys.path)


def _widen_pipe(fd: int) -> None:
    """Grow a pipe's buffer (Linux) so a batch crosses in a few writes, not one 64 KiB wake-up at a time."""
    for size in (PIPE_BYTES, 2**20):
        try:
            fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), size)
            return
        except OSError:
            continue


class _Worker:
    """One worker process and its pipe."""

    def __init__(self, limits: SandboxLimits) -> None:
        self.home = tempfile.mkdtemp(prefix="reward-sandbox-")
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-c", _BOOT, _worker_path(), str(limits.memory_mb), str(limits.cpu_s),
             str(limits.threads)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env={}, cwd=self.home,
            close_fds=True, start_new_session=True, bufsize=0,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.write_fd, self.read_fd = self.process.stdin.fileno(), self.process.stdout.fileno()
        for fd in (self.write_fd, self.read_fd):
            _widen_pipe(fd)
        self.programs: set[str] = set()
        self.killed = False
        self.timeout_s = limits.timeout_s
        tag, _ = self.receive(time.monotonic() + limits.startup_s, STARTING)
        if tag != protocol.REDY:
            self.kill()
            raise RewardSandboxError(f"the sandbox worker sent {tag!r} instead of starting", kind="crash")

    @property
    def pid(self) -> int:
        return int(self.process.pid)

    def send(self, tag: bytes, parts: list[Any]) -> None:
        try:
            view = memoryview(protocol.frame(tag, parts))
            while view:
                view = view[os.write(self.write_fd, view):]
        except OSError:
            raise self.died("receiving a request") from None

    def _read(self, n: int, deadline: float, doing: str) -> bytearray:
        buffer = bytearray(n)
        view, got = memoryview(buffer), 0
        while got < n:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.read_fd], [], [], left)[0]:
                self.kill()
                if doing == STARTING:
                    raise RewardSandboxError("the sandbox worker did not start in time (is torch importable by "
                                             f"{sys.executable} -I?)", kind="crash")
                raise RewardSandboxError(
                    f"the reward program was killed: {doing} took longer than the {self.timeout_s:g} s wall-clock "
                    "limit (an endless loop, or too much work per batch); the sandbox starts a fresh worker",
                    kind="timeout")
            read = os.readv(self.read_fd, [view[got:]])
            if read == 0:
                raise self.died(doing)
            got += read
        return buffer

    def receive(self, deadline: float, doing: str, batch: int = 0) -> tuple[bytes, bytearray]:
        """The worker's next frame; one larger than a reply to a batch of ``batch`` can be is refused unread."""
        tag, size = protocol.HEADER.unpack(self._read(protocol.HEADER.size, deadline, doing))
        replies = (protocol.REDY, protocol.OKAY, protocol.RSLT, protocol.FAIL)
        if tag not in replies or size > protocol.reply_limit(batch):
            self.kill()
            raise RewardSandboxError(f"the sandbox worker sent a malformed frame ({tag!r}, {size} bytes)", kind="crash")
        return tag, self._read(size, deadline, doing)

    def died(self, doing: str) -> RewardSandboxError:
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self.kill()
        how = f"signal {-code}" if code < 0 else f"exit status {code}"
        hint = {9: " (SIGKILL: the memory limit or the watchdog)", 24: " (SIGXCPU: the CPU-time limit)",
                11: " (SIGSEGV: a fault, often memory exhaustion)"}.get(-code, "")
        return RewardSandboxError(f"the sandbox worker died while {doing}: {how}{hint}; a fresh worker will run "
                                  "the next call", kind="crash")

    def kill(self) -> None:
        if not self.killed:
            self.killed = True
            self.process.kill()
            self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()
        shutil.rmtree(self.home, ignore_errors=True)


class Sandbox:
    """Runs validated reward programs in a confined worker process, batched.

    Thread-safe (one call at a time). The worker starts on first use and after any death; ``close``
    stops it. See :mod:`reward_plugins.code` for the guarantees.
    """

    def __init__(self, limits: SandboxLimits | None = None) -> None:
        self.limits = limits or SandboxLimits()
        self._worker: _Worker | None = None
        self._lock = threading.Lock()
        #: Workers started so far (a replacement after a death counts).
        self.starts = 0
        self._box: list[_Worker | None] = [None]
        weakref.finalize(self, Sandbox._stop, self._box)

    @staticmethod
    def _stop(box: list[_Worker | None]) -> None:
        if box[0] is not None:
            box[0].kill()
            box[0] = None

    @property
    def pid(self) -> int | None:
        """The current worker's process id (``None`` before the first call or after a death)."""
        return self._worker.pid if self._worker is not None and not self._worker.killed else None

    def _live_worker(self) -> _Worker:
        if self._worker is None or self._worker.killed or self._worker.process.poll() is not None:
            if self._worker is not None:
                self._worker.kill()
            self._worker = None
            self._worker = _Worker(self.limits)
            self._box[0] = self._worker
            self.starts += 1
        return self._worker

    def _exchange(self, tag: bytes, parts: list[Any], doing: str, batch: int = 0) -> tuple[bytes, bytearray]:
        worker = self._live_worker()
        deadline = time.monotonic() + self.limits.timeout_s
        worker.send(tag, parts)
        return worker.receive(deadline, doing, batch)

    def load(self, source: str | RewardProgram) -> RewardProgram:
        """Validate ``source`` here and compile it in the worker (once per worker); return the program.

        Raises:
            RewardProgramError: the program breaks a rule (checked here, before any process sees it).
            RewardSandboxError: defining it failed in the worker (a top-level constant that raised or timed out).
        """
        program = source if isinstance(source, RewardProgram) else validate_program(source)
        with self._lock:
            self._load(program)
        return program

    def _load(self, program: RewardProgram) -> None:
        worker = self._live_worker()
        if program.sha256 in worker.programs:
            return
        tag, payload = self._exchange(protocol.PROG, [program.source.encode("utf-8")], "defining the program")
        if tag == protocol.FAIL:
            self._raise(payload)
        worker.programs.add(program.sha256)

    def run(self, source: str | RewardProgram, state: Mapping[str, Any]) -> RewardResult:
        """Run the program on a batch of reward states; only the fields the program reads are shipped.

        ``state`` maps field names to ``[B, ...]`` tensors or arrays (text fields: ``B`` strings).

        Raises:
            RewardProgramError: the program breaks a rule.
            RewardSandboxError: it raised, returned a wrong output, timed out or killed its worker; the
                sandbox stays usable.
        """
        program = source if isinstance(source, RewardProgram) else validate_program(source)
        try:
            batch, parts = protocol.encode_call(program.sha256, state, program.fields)
        except protocol.WireError as e:
            raise RewardSandboxError(f"cannot ship this reward state to the sandbox: {e}", kind="input") from None
        with self._lock:
            for _ in range(2):
                self._load(program)
                tag, payload = self._exchange(protocol.CALL, parts, "computing rewards", batch)
                if tag == protocol.RSLT:
                    total, components = protocol.decode_result(payload)
                    if total.shape != (batch,):
                        raise RewardSandboxError(f"the worker returned {tuple(total.shape)} rewards for a batch "
                                                 f"of {batch}", kind="crash")
                    return RewardResult(total, components)
                kind, message = protocol.decode_failure(payload)
                if kind != "unknown":
                    self._raise(payload)
                self._live_worker().programs.discard(program.sha256)  # evicted from the worker's cache: resend
        raise RewardSandboxError("the sandbox worker kept forgetting the program", kind="crash")

    @staticmethod
    def _raise(payload: bytearray) -> None:
        kind, message = protocol.decode_failure(payload)
        if kind.startswith("rejected:"):
            _, line, rule = kind.split(":", 2)
            raise RewardProgramError(message, line=int(line), rule=rule)
        raise RewardSandboxError(f"reward program failed in the sandbox ({kind}): {message}", kind=kind)

    def close(self) -> None:
        """Stop the worker (a later call starts a new one)."""
        with self._lock:
            self._stop(self._box)
            self._worker = None

    def __deepcopy__(self, memo: dict[int, Any]) -> Sandbox:
        """Copies of a shaper share its sandbox (thread-safe) rather than start a worker each."""
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled (to another process), a sandbox is its limits: the other side starts its own worker."""
        return Sandbox, (self.limits,)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_default: Sandbox | None = None
_default_lock = threading.Lock()


def default_sandbox() -> Sandbox:
    """The process-wide sandbox with default limits, which ``make_shaper("code", ...)`` shares (one worker)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Sandbox()
            atexit.register(_default.close)
        return _default
