"""Throughput of a reward program in the sandbox worker against the same function called in-process.

The program is ``sokoban_shaped`` from :mod:`reward_plugins.code.examples` (what a code generator writes for
Sokoban: progress, box-to-goal distance, deadlock and success terms), run on real reward states of
``agentenvs/Sokoban-v0`` (10x10, 3 boxes) collected from a native vector env in random play and tiled to
each batch size. Prints one JSON object per line:

* ``"bench": "code_reward"``: ``mode`` ``sandbox`` (``Sandbox.run``: encode the fields the program reads,
  pipe them to the worker, compute there on one CPU thread, pipe ``[B]`` totals and 4 components back,
  decode) or ``direct`` (the same compiled function called in this process on the same tensors, with
  ``threads`` torch threads; on ``cuda`` the states already on the GPU); ``ms_per_call`` is the median of
  ``--calls`` calls, ``ms_best`` the fastest, ``states_per_s`` the batch over the median.
* ``"bench": "code_reward_ratio"``: sandbox throughput over direct throughput, per batch and device
  (goal: >= 0.5 at batch 4,096), against direct with this process's default thread count and with one
  thread, from medians and from best calls (on a loaded machine the worker waits to be scheduled at each
  call, which the best call leaves out).

Usage::

    python benchmarks/code_rewards.py                  # cpu, and cuda when present
    python benchmarks/code_rewards.py --batches 4096 --calls 50
"""
from __future__ import annotations

import argparse
import functools
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import agentenvs  # noqa: E402, F401 (registers the ids)
from reward_plugins.code import Sandbox, SandboxLimits, validate_program  # noqa: E402
from reward_plugins.code.examples import EXAMPLES  # noqa: E402
from reward_plugins.code.worker import compile_program  # noqa: E402


def collect_states(env_id: str, envs: int, steps: int, seed: int) -> dict[str, np.ndarray]:
    """``envs * steps`` reward states from random play in the native vector env."""
    venv = gym.make_vec(env_id, num_envs=envs, vectorization_mode="vector_entry_point")
    venv.reset(seed=seed)
    rng = np.random.default_rng(seed)
    rows: list[dict[str, np.ndarray]] = []
    for _ in range(steps):
        venv.step(rng.integers(0, 4, envs))
        rows.append({k: np.array(v) for k, v in venv.unwrapped.reward_state().items()})  # type: ignore[attr-defined]
    venv.close()
    return {k: np.concatenate([r[k] for r in rows]) for k in rows[0]}


def tiled(states: dict[str, np.ndarray], batch: int) -> dict[str, torch.Tensor]:
    reps = -(-batch // len(next(iter(states.values()))))
    return {k: torch.from_numpy(np.ascontiguousarray(np.concatenate([v] * reps)[:batch])) for k, v in states.items()}


def timed_ms(call: Callable[[], Any], calls: int, sync: Callable[[], None]) -> tuple[float, float]:
    """Median and best milliseconds per call (the best shows the cost with no other process in the way)."""
    for _ in range(3):
        call()
    sync()
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        call()
        sync()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times), 1e3 * min(times)


def row(**fields: Any) -> dict[str, Any]:
    print(json.dumps(fields), flush=True)
    return fields


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--env", default="agentenvs/Sokoban-v0")
    parser.add_argument("--batches", default="256,1024,4096,16384")
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--worker-threads", type=int, default=1, help="torch threads in the sandbox worker")
    parser.add_argument("--devices", default="cpu,cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()

    source = EXAMPLES["sokoban_shaped"].source
    program = validate_program(source)
    _, direct = compile_program(source)
    states = collect_states(args.env, envs=64, steps=64, seed=0)
    default_threads = torch.get_num_threads()
    with Sandbox(SandboxLimits(threads=args.worker_threads)) as sandbox:
        for device in args.devices.split(","):
            sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
            for batch in (int(b) for b in args.batches.split(",")):
                cpu_state = tiled(states, batch)
                state = {k: v.to(device) for k, v in cpu_state.items()}
                expected = direct(state)[0].cpu()
                got = sandbox.run(program, state).total
                if not torch.allclose(got, expected, rtol=1e-5, atol=1e-5):
                    raise SystemExit(f"sandbox and direct disagree at batch {batch} on {device}")
                common = dict(bench="code_reward", program="sokoban_shaped", env=args.env, batch=batch,
                              device=device, calls=args.calls)

                in_sandbox = functools.partial(lambda st, dev: sandbox.run(program, st).total.to(dev), state, device)
                sandboxed, sandboxed_best = timed_ms(in_sandbox, args.calls, sync)
                row(mode="sandbox", threads=sandbox.limits.threads, ms_per_call=round(sandboxed, 3),
                    ms_best=round(sandboxed_best, 3), states_per_s=round(batch / sandboxed * 1e3), **common)
                direct_ms = {}
                for threads in sorted({default_threads, 1}, reverse=True):
                    torch.set_num_threads(threads)
                    direct_ms[threads] = timed_ms(functools.partial(direct, state), args.calls, sync)
                    row(mode="direct", threads=threads, ms_per_call=round(direct_ms[threads][0], 3),
                        ms_best=round(direct_ms[threads][1], 3),
                        states_per_s=round(batch / direct_ms[threads][0] * 1e3), **common)
                torch.set_num_threads(default_threads)
                row(bench="code_reward_ratio", batch=batch, device=device, goal=0.5,
                    sandbox_over_direct=round(direct_ms[default_threads][0] / sandboxed, 3),
                    sandbox_over_direct_1_thread=round(direct_ms[1][0] / sandboxed, 3),
                    best_sandbox_over_best_direct=round(direct_ms[default_threads][1] / sandboxed_best, 3),
                    best_sandbox_over_best_direct_1_thread=round(direct_ms[1][1] / sandboxed_best, 3))


if __name__ == "__main__":
    main()
