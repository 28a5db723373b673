"""How low can a count bonus's overhead go on the native 1024-env Sokoban vector env? JSON lines.

``shapers.py`` measures ``ShapedVectorEnv`` with ``count(input="state_key")`` against the
unshaped step (goal: <= 25% overhead). This script measures what is left when the wrapper's
generality is taken away: a bare loop that reads the env's state keys, counts them, computes
``1 / sqrt(N)`` and adds it to the rewards, with nothing else (no torch, no batch object, no
checks, no schedules). Rows, each timed in the same process and interleaved:

* ``unshaped``: the env alone;
* ``bare_khash``: the bare loop on our CPU count table (``HostCountTable``: pandas' khash);
* ``bare_numba``: the bare loop on an open-addressing table compiled by numba, one call per step
  that finds, inserts, counts and computes the bonus (only when numba is installed:
  ``pip install numba``; it is not a dependency of agentenvs);
* ``wrapper``: ``ShapedVectorEnv`` with ``count(input="state_key")``, for reference.

Every repeat resets with a new seed and draws new random actions, so new states keep arriving
(about a quarter of each batch), as in data collection. ``overhead_pct`` is against the best
unshaped repeat; ``count_us`` is the counting call alone, timed inside the loop.

    python benchmarks/wrapper_floor.py [--envs 1024] [--steps 200] [--repeats 5]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import agentenvs  # noqa: E402,F401  (registers the ids)
from reward_plugins import make_shaper  # noqa: E402
from reward_plugins.intrinsic.counts import inverse_sqrt  # noqa: E402
from reward_plugins.intrinsic.host_table import HostCountTable  # noqa: E402
from reward_plugins.wrappers import ShapedVectorEnv  # noqa: E402

ENV_ID = "agentenvs/Sokoban-v0"


def numba_counter(capacity: int = 1 << 22) -> Callable[[np.ndarray, np.ndarray], np.ndarray] | None:
    """A compiled ``(keys, valid) -> 1/sqrt(N)`` over an open-addressing table, or None without numba."""
    try:
        import numba
    except ImportError:
        return None

    @numba.njit(nogil=True)
    def count(keys, valid, table_keys, table_counts, out):  # pragma: no cover - compiled
        mask = table_keys.shape[0] - 1
        for i in range(keys.shape[0]):
            if not valid[i]:
                out[i] = 0.0
                continue
            key = keys[i] if keys[i] != 0 else 1  # 0 marks an empty slot
            slot = np.int64((np.uint64(key) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(40)) & mask
            while table_keys[slot] != key and table_keys[slot] != 0:
                slot = (slot + 1) & mask
            table_keys[slot] = key
            table_counts[slot] += 1
            out[i] = 1.0 / np.sqrt(np.float32(table_counts[slot]))

    table_keys = np.zeros(capacity, dtype=np.int64)
    table_counts = np.zeros(capacity, dtype=np.int32)

    def counter(keys: np.ndarray, valid: np.ndarray) -> np.ndarray:
        out = np.empty(keys.shape[0], dtype=np.float32)
        count(keys, valid, table_keys, table_counts, out)
        return out

    counter(np.ones(2, dtype=np.int64), np.ones(2, dtype=bool))  # compile now, not in the timing
    table_keys[:] = 0
    table_counts[:] = 0
    return counter


def khash_counter() -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    table = HostCountTable()
    return lambda keys, valid: inverse_sqrt(table.count(keys, valid))


def bare_run(env: Any, counter: Callable[[np.ndarray, np.ndarray], np.ndarray],
             actions: list[np.ndarray], seed: int) -> tuple[float, float]:
    """Seconds per step and seconds per counting call of the bare shaped loop."""
    env.reset(seed=seed)
    base = env.unwrapped
    base.state_key()  # keys are tracked from the first call on
    pending = np.zeros(env.num_envs, dtype=bool)
    counting = 0.0
    start = time.perf_counter()
    for a in actions:
        obs, rewards, terminated, truncated, infos = env.step(a)
        keys = base.state_key()
        tick = time.perf_counter()
        bonus = counter(keys, ~pending)
        counting += time.perf_counter() - tick
        shaped = np.add(rewards, bonus, dtype=np.float64)
        infos = dict(infos)
        infos["reward_components"] = {"env": np.asarray(rewards, dtype=np.float32), "count": bonus}
        pending = np.logical_or(terminated, truncated)
    total = time.perf_counter() - start
    del shaped
    return total / len(actions), counting / len(actions)


def plain_run(env: Any, actions: list[np.ndarray], seed: int) -> float:
    env.reset(seed=seed)
    start = time.perf_counter()
    for a in actions:
        env.step(a)
    return (time.perf_counter() - start) / len(actions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--envs", type=int, default=1024)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    def make() -> Any:
        return gym.make_vec(ENV_ID, num_envs=args.envs, vectorization_mode="vector_entry_point")

    counters = {"bare_khash": khash_counter()}
    compiled = numba_counter()
    if compiled is None:
        skipped = {"bench": "wrapper_floor", "row": "bare_numba",
                   "skipped": "numba is not installed (pip install numba)"}
        print(json.dumps(skipped), flush=True)
    else:
        counters["bare_numba"] = compiled
    envs = {"unshaped": make(), **{name: make() for name in counters},
            "wrapper": ShapedVectorEnv(make(), [make_shaper("count", input="state_key")])}
    times: dict[str, list[float]] = {name: [] for name in envs}
    counting: dict[str, list[float]] = {name: [] for name in counters}
    rng = np.random.default_rng(0)
    for repeat in range(args.repeats):
        actions = [rng.integers(0, 4, args.envs) for _ in range(args.steps)]
        for name, env in envs.items():
            if name in counters:
                step_s, count_s = bare_run(env, counters[name], actions, seed=repeat)
                times[name].append(step_s)
                counting[name].append(count_s)
            else:
                times[name].append(plain_run(env, actions, seed=repeat))
    base = min(times["unshaped"])
    for name, values in times.items():
        row: dict[str, Any] = {"bench": "wrapper_floor", "row": name, "env": ENV_ID, "num_envs": args.envs,
                               "steps": args.steps, "repeats": args.repeats,
                               "ms_per_step": round(1000 * min(values), 4),
                               "median_ms_per_step": round(1000 * float(np.median(values)), 4)}
        if name != "unshaped":
            row["overhead_pct"] = round(100 * (min(values) / base - 1), 1)
        if name in counting:
            row["count_us"] = round(1e6 * min(counting[name]), 1)
        print(json.dumps(row), flush=True)
    for env in envs.values():
        env.close()


if __name__ == "__main__":
    main()
