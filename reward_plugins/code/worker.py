"""The sandbox worker: a separate process that compiles and runs reward programs, and nothing else.

Started by :class:`~reward_plugins.code.sandbox.Sandbox` with an empty environment, no inherited file
descriptors but its stdin/stdout pipe, an empty working directory and stderr to ``/dev/null``. Before it
reads its first program it caps its own address space, open files, file size, processes and core dumps,
and it caps the CPU time of each call; the parent's watchdog SIGKILLs it on a wall-clock timeout. A
program sees only the safe builtins and two namespaces of allow-listed torch and math members, gets its
reward state as fresh tensors built from the request's bytes, and its answer goes back as raw float32.
"""
from __future__ import annotations

import builtins
import math
import os
import resource
import sys
import types
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from ..errors import RewardProgramError
from . import protocol
from .rules import ENTRY, MATH_NAMES, SAFE_BUILTINS, TORCH_CONSTANTS, TORCH_FUNCTIONS
from .validate import validate_program

#: Programs each worker keeps compiled (least recently used ones are dropped).
CACHE_SIZE = 64


def namespace(name: str, members: dict[str, Any]) -> Any:
    """A read-only object whose attributes are ``members``: no ``__dict__``, no attribute assignment."""
    body = {k: staticmethod(v) if callable(v) and not isinstance(v, torch.dtype) else v for k, v in members.items()}
    return type(name, (), {"__slots__": (), **body})()


def _loaded_import(name: str, *args: Any, **kwargs: Any) -> Any:
    """``__import__`` for torch's own C code (which imports through the running frame's builtins).

    Programs cannot name it (underscore names are refused); it only hands out modules already loaded
    and torch's and numpy's own.
    """
    if name in sys.modules or name.partition(".")[0] in ("torch", "numpy"):
        return builtins.__import__(name, *args, **kwargs)
    raise ImportError(f"{name} is not available in reward programs")


def program_globals() -> dict[str, Any]:
    """Fresh globals for one program: safe builtins and the torch and math namespaces, nothing else."""
    torch_members = {n: getattr(torch, n) for n in sorted(TORCH_FUNCTIONS | TORCH_CONSTANTS) if hasattr(torch, n)}
    math_members = {n: getattr(math, n) for n in sorted(MATH_NAMES) if hasattr(math, n)}
    return {
        "__builtins__": {**{n: getattr(builtins, n) for n in sorted(SAFE_BUILTINS)}, "__import__": _loaded_import},
        "__name__": "reward_program",
        "torch": namespace("torch", torch_members),
        "math": namespace("math", math_members),
    }


def compile_program(source: str) -> tuple[str, Callable[..., Any]]:
    """``(sha256, compute_reward)`` of ``source``, validated again here (the worker trusts no one)."""
    program = validate_program(source)
    scope = program_globals()
    exec(compile(source, "<reward program>", "exec"), scope)  # noqa: S102 (validated; this is the sandbox)
    return program.sha256, scope[ENTRY]


class OutputError(Exception):
    """A program returned something other than ``(total [B], {name: [B]})``."""


def _as_rewards(value: Any, batch: int, what: str) -> np.ndarray:
    if not isinstance(value, torch.Tensor):
        raise OutputError(f"{what} is a {type(value).__name__}, not a tensor of shape [{batch}]")
    if tuple(value.shape) != (batch,):
        raise OutputError(f"{what} has shape {list(value.shape)}, not [{batch}] (one reward per state)")
    if value.is_complex():
        raise OutputError(f"{what} is complex; rewards are real numbers")
    return value.detach().to("cpu", torch.float32).contiguous().numpy()


def check_output(result: Any, batch: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """``(total, components)`` as float32 arrays, or an :class:`OutputError` saying what is wrong."""
    if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], dict)):
        got = f"a tuple of {len(result)}" if isinstance(result, tuple) else f"a {type(result).__name__}"
        raise OutputError(f"{ENTRY} must return (total, {{name: tensor}}), got {got}")
    total, parts = result
    if len(parts) > protocol.MAX_COMPONENTS:
        raise OutputError(f"{len(parts)} components; at most {protocol.MAX_COMPONENTS}")
    for key in parts:
        if not isinstance(key, str) or not key or len(key) > protocol.MAX_NAME:
            raise OutputError(f"component names are strings of 1 to {protocol.MAX_NAME} characters, got {key!r}"[:200])
    return (_as_rewards(total, batch, "the total"),
            {k: _as_rewards(v, batch, f"component {k!r}") for k, v in parts.items()})


def _read_exact(n: int) -> bytearray:
    buffer = bytearray(n)
    view, got = memoryview(buffer), 0
    while got < n:
        read = os.readv(0, [view[got:]])
        if read == 0:
            raise EOFError
        got += read
    return buffer


def _send(tag: bytes, parts: list[Any]) -> None:
    view = memoryview(protocol.frame(tag, parts))
    while view:
        view = view[os.write(1, view):]


def _limit(kind: int, value: int) -> None:
    try:
        resource.setrlimit(kind, (value, value))
    except (ValueError, OSError):  # a platform or container that refuses: the other limits and the watchdog remain
        pass


def _confine(memory_mb: int, threads: int) -> None:
    """Cap this process before any program runs (the address-space cap counts from what torch already maps).

    The torch thread pool is started first (one parallel op), as the process limit then forbids new threads.
    """
    torch.set_num_threads(threads)
    torch.ones(2**20).add(1).sum()
    os.environ.clear()
    sys.stdout = sys.stderr = None
    mapped = 0
    try:
        with open("/proc/self/status") as status:
            mapped = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
        highest_fd = max(int(fd) for fd in os.listdir("/proc/self/fd"))
    except (OSError, StopIteration, ValueError):
        highest_fd = 2
    if mapped:
        _limit(resource.RLIMIT_AS, mapped + memory_mb * 2**20)
    _limit(resource.RLIMIT_NOFILE, highest_fd + 4)
    _limit(resource.RLIMIT_FSIZE, 0)
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_NPROC, 0)


def _cpu_budget(seconds: float) -> None:
    """Let the next call use ``seconds`` more CPU time before the kernel kills this process (SIGXCPU)."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    soft = int(used.ru_utime + used.ru_stime + seconds) + 1
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))
    except (ValueError, OSError):
        pass


def serve(cpu_seconds: float) -> None:
    """Answer frames on stdin until the parent closes the pipe."""
    programs: OrderedDict[str, Callable[..., Any]] = OrderedDict()
    _send(protocol.REDY, [])
    while True:
        try:
            tag, size = protocol.HEADER.unpack(_read_exact(protocol.HEADER.size))
            payload = _read_exact(size)
        except EOFError:
            return
        _cpu_budget(cpu_seconds)
        try:
            if tag == protocol.PROG:
                sha, function = compile_program(payload.decode("utf-8"))
                programs[sha] = function
                while len(programs) > CACHE_SIZE:
                    programs.popitem(last=False)
                _send(protocol.OKAY, [sha.encode("ascii")])
            elif tag == protocol.CALL:
                sha, batch, state = protocol.decode_call(payload)
                if sha not in programs:
                    _send(protocol.FAIL, [protocol.encode_failure("unknown", sha)])
                    continue
                programs.move_to_end(sha)
                result = programs[sha](types.MappingProxyType(state))
                total, parts = check_output(result, batch)
                _send(protocol.RSLT, protocol.encode_result(total, parts))
            else:
                _send(protocol.FAIL, [protocol.encode_failure("input", f"unknown frame {tag!r}")])
        except RewardProgramError as e:
            _send(protocol.FAIL, [protocol.encode_failure(f"rejected:{e.line}:{e.rule}", str(e))])
        except protocol.WireError as e:
            _send(protocol.FAIL, [protocol.encode_failure("input", str(e))])
        except OutputError as e:
            _send(protocol.FAIL, [protocol.encode_failure("output", str(e))])
        except BaseException as e:  # noqa: BLE001 (whatever the program raised, the worker answers and lives on)
            _send(protocol.FAIL, [protocol.encode_failure("exception", f"{type(e).__name__}: {e}")])


def main(argv: list[str]) -> None:
    """``worker MEMORY_MB CPU_SECONDS THREADS``: confine this process, then serve."""
    _confine(int(argv[0]), int(argv[2]))
    serve(float(argv[1]))
