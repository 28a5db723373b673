"""Sokoban speed of agentenvs beside gym-sokoban and jumanji, and the ratios to our targets. JSON lines.

Ours runs in this process (the project venv); each peer runs its script from
``benchmarks/peers/`` in its own venv under ``benchmarks/.peers/`` (built by
``benchmarks/peers/setup_peers.sh``, or by ``--setup-peers``); a peer whose venv is missing
is skipped with a note. Every line has ``bench``, ``what``, ``impl`` and ``peak_rss_mb`` (the
process's peak resident memory so far). The last lines compare ours to the peers:

- ``reset_10x10_4boxes``: reset (level generation) >= 100x faster than gym-sokoban's reset;
- ``steps_grid_single``: one env through ``gym.make`` (default wrappers), grid obs,
  >= 3x jumanji's jitted single-env step;
- ``steps_rgb_single``: the same with rgb obs, >= 30x gym-sokoban (rgb is its obs);
- ``steps_grid_vector_1024``: ``gym.make_vec(..., num_envs=1024,
  vectorization_mode="vector_entry_point")``, grid obs, >= 1x jumanji vmapped over 1024 envs.

Step rates include our autoresets (generation of a new level at each episode end for the
single env). Each rate is timed in ``REPEATS`` chunks: ``steps_per_s`` is the best chunk and
``median_steps_per_s`` the median one. The machine is usually shared, and the best chunk is the
figure least disturbed by other processes (peers are timed the same way); each line also
carries the 1-minute load average.

    python benchmarks/sokoban.py [--quick] [--setup-peers] [--no-peers] [--no-solver]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

import agentenvs  # noqa: F401  (registers the ids)
from agentenvs.sokoban.generator import generate_level
from agentenvs.sokoban.solver import difficulty

ENV_ID = "agentenvs/Sokoban-Boxoban-v0"  # 10x10 room, 4 boxes
HERE = Path(__file__).resolve().parent
REPEATS = 5
PEERS = {  # impl -> (venv folder under benchmarks/.peers, script in benchmarks/peers)
    "gym-sokoban": ("gym-sokoban", "gym_sokoban_bench.py"),
    "jumanji": ("jumanji", "jumanji_bench.py"),
}
TARGETS = (  # (what, peer impl, goal ratio, key); ratio = ours/peer for rates, peer/ours for times
    ("reset_10x10_4boxes", "gym-sokoban", 100.0, "median_ms"),
    ("steps_grid_single", "jumanji", 3.0, "steps_per_s"),
    ("steps_rgb_single", "gym-sokoban", 30.0, "steps_per_s"),
    ("steps_grid_vector_1024", "jumanji", 1.0, "steps_per_s"),
)


def record(impl: str, what: str, **fields: Any) -> dict[str, Any]:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"bench": "sokoban", "what": what, "impl": impl, **fields,
            "peak_rss_mb": round(peak, 1), "load1": round(os.getloadavg()[0], 2)}


def emit(line: dict[str, Any]) -> dict[str, Any]:
    print(json.dumps(line), flush=True)
    return line


def rates(chunks: list[float], steps_per_chunk: int) -> dict[str, float]:
    """Best and median steps per second over timed chunks (seconds each)."""
    return {"steps_per_s": round(steps_per_chunk / min(chunks), 1),
            "median_steps_per_s": round(steps_per_chunk / statistics.median(chunks), 1)}


def median_ms(fn: Callable[[], Any], n: int) -> tuple[float, float]:
    """Median and max milliseconds of ``n`` calls of ``fn``."""
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return round(1e3 * statistics.median(times), 4), round(1e3 * max(times), 4)


def bench_reset(quick: bool) -> list[dict[str, Any]]:
    n = 50 if quick else 500
    lines = []
    rng = np.random.default_rng(0)
    med, worst = median_ms(lambda: generate_level(rng, (10, 10), 4), n)
    lines.append(emit(record("agentenvs", "generate_10x10_4boxes", median_ms=med, max_ms=worst, n=n)))
    for num_boxes in (4,) if quick else (4, 3):
        env = gym.make(ENV_ID, num_boxes=num_boxes)
        env.reset(seed=0)
        med, worst = median_ms(env.reset, n)
        lines.append(emit(record("agentenvs", f"reset_10x10_{num_boxes}boxes", median_ms=med, max_ms=worst, n=n)))
        env.close()
    return lines


def bench_single(obs_mode: str, steps: int) -> dict[str, Any]:
    env = gym.make(ENV_ID, obs_mode=obs_mode)
    chunk = steps // REPEATS
    actions = np.random.default_rng(0).integers(0, 4, chunk).tolist()
    env.reset(seed=0)
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        for action in actions:
            _, _, terminated, truncated, _ = env.step(action)
            if terminated or truncated:
                env.reset()
        times.append(time.perf_counter() - start)
    env.close()
    return emit(record("agentenvs", f"steps_{obs_mode}_single", **rates(times, chunk), n=chunk * REPEATS))


def bench_vector(num_envs: int, calls: int) -> list[dict[str, Any]]:
    envs = gym.make_vec(ENV_ID, num_envs=num_envs, vectorization_mode="vector_entry_point")
    start = time.perf_counter()
    envs.reset(seed=0)
    first_reset_ms = round(1e3 * (time.perf_counter() - start), 1)
    chunk = calls // REPEATS
    actions = np.random.default_rng(0).integers(0, 4, (chunk, num_envs))
    envs.step(actions[0])
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        for batch in actions:
            envs.step(batch)
        times.append(time.perf_counter() - start)
    envs.close()
    return [
        emit(record("agentenvs", f"first_reset_vector_{num_envs}", median_ms=first_reset_ms, n=1,
                    note=f"generates the level pool ({num_envs} levels) once per seed")),
        emit(record("agentenvs", f"steps_grid_vector_{num_envs}", **rates(times, chunk * num_envs),
                    n=chunk * num_envs * REPEATS)),
    ]


def bench_solver(n: int) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    seconds, nodes = [], []
    for _ in range(n):
        level = generate_level(rng, (10, 10), 4)
        start = time.perf_counter()
        labels = difficulty(level)
        seconds.append(time.perf_counter() - start)
        nodes.append(labels["nodes"])
    return emit(record("agentenvs", "solve_10x10_4boxes", median_ms=round(1e3 * statistics.median(seconds), 2),
                       max_ms=round(1e3 * max(seconds), 2), median_nodes=statistics.median(nodes),
                       max_nodes=max(nodes), n=n))


def run_peers(quick: bool, setup: bool) -> list[dict[str, Any]]:
    peers_dir = HERE / ".peers"
    if setup:
        subprocess.run(["bash", str(HERE / "peers" / "setup_peers.sh")], check=True, stdout=sys.stderr)
    lines = []
    for impl, (venv, script) in PEERS.items():
        python = peers_dir / venv / "bin" / "python"
        if not python.exists():
            note = f"no venv at {python.parent.parent}; run benchmarks/peers/setup_peers.sh or pass --setup-peers"
            lines.append(emit({"bench": "sokoban", "impl": impl, "what": "skipped", "note": note}))
            continue
        cmd = [str(python), str(HERE / "peers" / script)] + (["--quick"] if quick else [])
        out = subprocess.run(cmd, capture_output=True, text=True)
        for text in out.stdout.splitlines():
            if text.startswith("{"):
                lines.append(emit(json.loads(text)))
        if out.returncode != 0:
            note = out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit {out.returncode}"
            lines.append(emit({"bench": "sokoban", "impl": impl, "what": "failed", "note": note}))
    return lines


def ratios(lines: list[dict[str, Any]]) -> None:
    table = {(line["impl"], line["what"]): line for line in lines}
    for what, peer, goal, key in TARGETS:
        ours, theirs = table.get(("agentenvs", what)), table.get((peer, what))
        if ours is None or theirs is None:
            emit({"bench": "sokoban", "what": f"ratio_{what}", "vs": peer, "goal": goal, "note": "missing measurement"})
            continue
        ratio = theirs[key] / ours[key] if key.endswith("_ms") else ours[key] / theirs[key]
        emit({"bench": "sokoban", "what": f"ratio_{what}", "vs": peer, "ours": ours[key], "peer": theirs[key],
              "ratio": round(ratio, 2), "goal": goal, "met": ratio >= goal,
              "load1_ours": ours.get("load1"), "load1_peer": theirs.get("load1")})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (about a minute without peers)")
    parser.add_argument("--setup-peers", action="store_true", help="build the peer venvs first (needs PyPI)")
    parser.add_argument("--no-peers", action="store_true", help="time agentenvs only")
    parser.add_argument("--no-solver", action="store_true", help="skip the solver timing")
    args = parser.parse_args()
    quick = args.quick
    lines = bench_reset(quick)
    lines.append(bench_single("grid", 20_000 if quick else 200_000))
    lines.append(bench_single("rgb", 10_000 if quick else 100_000))
    lines += bench_vector(1024, 100 if quick else 1000)
    if not args.no_solver:
        lines.append(bench_solver(5 if quick else 20))
    if not args.no_peers:
        lines += run_peers(quick, args.setup_peers)
    ratios(lines)


if __name__ == "__main__":
    main()
