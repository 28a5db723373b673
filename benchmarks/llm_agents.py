"""LLM-agent envs: text Sokoban reset and step rates beside GEM and TextArena, and grouped resets.

Prints one JSON object per line (``bench: "llm_agents"``) and asserts nothing:

- ``reset_8x8_4boxes_generated``: ``agentenvs/Sokoban-Text-v0`` at GEM's hard size (8x8 room,
  4 boxes), seeds with no level bank (each reset runs the reverse-play generator);
- ``bank_build_8x8_4boxes``: building the level bank of the measured seeds (``build_bank``, levels/s);
- ``reset_8x8_4boxes``: the same env reset with seeds whose levels are in the bank (what a trainer
  sees after ``agentenvs sokoban-bank``: the same levels, byte for byte), and
  ``reset_8x8_4boxes_task_row``: ``LLMEnv.reset(options=row)`` with the task rows of those seeds;
- ``steps_text_8x8_4boxes``: one env through ``gym.make``, random moves written as an LLM writes
  them (``"<answer>up</answer>"``), so every step runs the text action parser
  (``agentenvs.sokoban.actions.parse_text_action``); ``steps_llm_env_8x8_4boxes``: the same through
  ``agentenvs.agents.make`` (the ``answer_tag`` parser, the invalid-action policy, the LLM info
  keys); best and median of 5 chunks, resets left out as the peers' are;
- ``grouped_reset_16``: ``GroupedVectorEnv(id, 4, 4, maker=LLMEnv)`` (sync backend) reset with 4 new
  task rows, for every id the registry marks ``llm_facing`` (installed extras): p50 and p99 ms;
  ``grouped_reset_16_banked``: the same for procedural Sokoban ids with the rows' levels in a bank;
- the peers' lines (``benchmarks/peers/gem_sokoban_bench.py``, ``textarena_sokoban_bench.py``, each
  in its venv under ``--peers-dir``), then ``goal_*`` lines: reset p99 <= 5 ms, and steps/s >= 2x
  the faster peer (through LLMEnv).

Level banks go to a temporary ``AGENTENVS_CACHE_DIR``, so a bank of yours does not enter the figures.

Usage:
    python benchmarks/llm_agents.py [--quick] [--no-peers] [--peers-dir DIR]
    (peer venvs: PEERS_DIR=DIR bash benchmarks/peers/setup_llm_peers.sh; DIR defaults to benchmarks/.peers)
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

import agentenvs  # noqa: F401  (registers the ids)
from agentenvs.agents import make, tasks
from agentenvs.agents.grouped import GroupedVectorEnv
from agentenvs.registration import GYM_ENVS, missing_extra
from agentenvs.sokoban.bank import build_bank

HERE = Path(__file__).parent
SOKOBAN_TEXT = "agentenvs/Sokoban-Text-v0"
DIM_ROOM, NUM_BOXES = (8, 8), 4  # GEM's Sokoban-hard
CONFIG: dict[str, Any] = {"dim_room": list(DIM_ROOM), "num_boxes": NUM_BOXES}  # a task row's config (JSON)
MOVES = ("up", "down", "left", "right")
REPEATS = 5
PEERS = {"gem": "gem_sokoban_bench.py", "textarena": "textarena_sokoban_bench.py"}


def emit(impl: str, what: str, **fields: Any) -> dict[str, Any]:
    line = {"bench": "llm_agents", "impl": impl, "what": what, **fields, "load1": round(os.getloadavg()[0], 2)}
    print(json.dumps(line), flush=True)
    return line


def timings_ms(calls: Sequence[Callable[[], Any]]) -> dict[str, float]:
    """Median, p99 and max milliseconds of the calls, each timed once, in wall-clock and in this thread's CPU time.

    On a shared machine the wall-clock tail is mostly the scheduler (the process waiting for a
    core); the CPU-time tail is the work itself, the floor a quiet machine would show.
    """
    wall, cpu = [], []
    for call in calls:
        start, start_cpu = time.perf_counter(), time.thread_time()
        call()
        wall.append(1e3 * (time.perf_counter() - start))
        cpu.append(1e3 * (time.thread_time() - start_cpu))
    return {"median_ms": round(statistics.median(wall), 3), "p99_ms": round(float(np.percentile(wall, 99)), 3),
            "max_ms": round(max(wall), 3), "cpu_median_ms": round(statistics.median(cpu), 3),
            "cpu_p99_ms": round(float(np.percentile(cpu, 99)), 3), "n": len(wall)}


def bench_reset(n: int) -> list[dict[str, Any]]:
    env = gym.make(SOKOBAN_TEXT, dim_room=DIM_ROOM, num_boxes=NUM_BOXES)
    env.reset(seed=10 * n)
    generated = timings_ms([functools.partial(env.reset, seed=s) for s in range(n, 2 * n)])  # in no bank
    lines = [emit("agentenvs", "reset_8x8_4boxes_generated", **generated)]
    start = time.perf_counter()
    build_bank(DIM_ROOM, NUM_BOXES, first=0, count=n, workers=os.cpu_count() or 1)
    seconds = time.perf_counter() - start
    lines.append(emit("agentenvs", "bank_build_8x8_4boxes", levels=n, seconds=round(seconds, 2),
                      levels_per_s=round(n / seconds, 1), workers=os.cpu_count()))
    env.reset(seed=0)  # reads the bank (and checks it) once
    lines.append(emit("agentenvs", "reset_8x8_4boxes", **timings_ms([functools.partial(env.reset, seed=s)
                                                                     for s in range(n)]),
                      note="seeds in a level bank: the generated levels, read back"))
    env.close()
    llm = make(SOKOBAN_TEXT, config=CONFIG)
    rows = [dict(row) for row in tasks(SOKOBAN_TEXT, "train", n, config=CONFIG)]
    llm.reset(options=rows[0])
    lines.append(emit("agentenvs", "reset_8x8_4boxes_task_row", **timings_ms([functools.partial(llm.reset, options=r)
                                                                              for r in rows])))
    llm.close()
    return lines


def _rate(what: str, env: Any, actions: Sequence[str], **fields: Any) -> dict[str, Any]:
    """Steps/s of ``actions`` on ``env``: best and median of :data:`REPEATS` chunks, resets left out.

    Also per this thread's CPU time (the rate without the waits for a core on a shared machine).
    """
    env.reset(seed=0)
    times, cpu_times = [], []
    for _ in range(REPEATS):
        resets = resets_cpu = 0.0
        start, start_cpu = time.perf_counter(), time.thread_time()
        for action in actions:
            _, _, terminated, truncated, _ = env.step(action)
            if terminated or truncated:
                begin, begin_cpu = time.perf_counter(), time.thread_time()
                env.reset()
                resets += time.perf_counter() - begin
                resets_cpu += time.thread_time() - begin_cpu
        times.append(time.perf_counter() - start - resets)
        cpu_times.append(time.thread_time() - start_cpu - resets_cpu)
    env.close()
    return emit("agentenvs", what, steps_per_s=round(len(actions) / min(times), 1),
                median_steps_per_s=round(len(actions) / statistics.median(times), 1),
                cpu_steps_per_s=round(len(actions) / min(cpu_times), 1), n=len(actions) * REPEATS,
                action_format="<answer>move</answer>", **fields)


def bench_steps(chunk: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(0)
    actions = [f"<answer>{MOVES[m]}</answer>" for m in rng.integers(4, size=chunk)]
    return [_rate("steps_text_8x8_4boxes", gym.make(SOKOBAN_TEXT, **CONFIG), actions),
            _rate("steps_llm_env_8x8_4boxes", make(SOKOBAN_TEXT, config=CONFIG, max_turns=10**9, state_keys=False),
                  actions, note="agentenvs.agents.make: answer_tag parser, LLM info keys, no state_key")]


def llm_facing_ids() -> list[str]:
    """The ids the registry marks ``llm_facing`` whose extras are installed."""
    return [entry.id for entry in GYM_ENVS if entry.llm_facing and not missing_extra(entry)]


def grouped_reset(what: str, env_id: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """p50 and p99 of resetting a 16-env grouped LLMEnv with 4 new rows each time (after one warm-up reset)."""
    try:
        env = GroupedVectorEnv(env_id, num_groups=4, group_size=4, maker="agentenvs.agents.llm_env:make")
        env.reset(rows[:4])
        times = timings_ms([functools.partial(env.reset, rows[start:start + 4]) for start in range(4, len(rows), 4)])
        env.close()
    except Exception as exc:  # report the id and why, and go on with the others
        return emit("agentenvs", what, env_id=env_id, error=f"{type(exc).__name__}: {exc}")
    return emit("agentenvs", what, env_id=env_id, backend="sync", groups=4, group_size=4, maker="LLMEnv",
                p50_ms=times["median_ms"], p99_ms=times["p99_ms"], max_ms=times["max_ms"],
                cpu_p50_ms=times["cpu_median_ms"], cpu_p99_ms=times["cpu_p99_ms"], n=times["n"])


def bench_grouped(resets: int) -> list[dict[str, Any]]:
    lines = []
    for env_id in llm_facing_ids():
        rows = [dict(row) for row in tasks(env_id, "train", 4 * (resets + 1))]
        lines.append(grouped_reset("grouped_reset_16", env_id, rows))
        kwargs = GYM_ENVS[[entry.id for entry in GYM_ENVS].index(env_id)].kwargs
        if "dim_room" in kwargs:  # a procedural Sokoban id: the same resets again with the rows' levels in a bank
            build_bank(kwargs["dim_room"], kwargs["num_boxes"], kwargs.get("min_pushes", 0), first=0, count=len(rows))
            lines.append(grouped_reset("grouped_reset_16_banked", env_id, rows))
    return lines


def run_peers(peers_dir: Path, quick: bool) -> list[dict[str, Any]]:
    lines = []
    for impl, script in PEERS.items():
        python = peers_dir / impl / "bin" / "python"
        if not python.exists():
            lines.append(emit(impl, "skipped", note=f"no venv at {python.parent.parent}; run "
                              f"PEERS_DIR={peers_dir} bash benchmarks/peers/setup_llm_peers.sh"))
            continue
        cmd = [str(python), str(HERE / "peers" / script)] + (["--quick"] if quick else [])
        out = subprocess.run(cmd, capture_output=True, text=True, check=False)
        for raw in out.stdout.splitlines():
            line = {**json.loads(raw), "load1": round(os.getloadavg()[0], 2)}
            print(json.dumps(line), flush=True)
            lines.append(line)
        if out.returncode:
            lines.append(emit(impl, "failed", error=out.stderr.strip().splitlines()[-1:]))
    return lines


def goals(lines: list[dict[str, Any]]) -> None:
    """The issue's goals: reset p99 <= 5 ms, and steps/s >= 2x the faster peer at the same size."""
    ours = {(line["impl"], line["what"]): line for line in lines}
    reset = ours[("agentenvs", "reset_8x8_4boxes")]
    emit("agentenvs", "goal_reset_p99", p99_ms=reset["p99_ms"], goal_ms=5.0, met=reset["p99_ms"] <= 5.0,
         cpu_p99_ms=reset["cpu_p99_ms"], cpu_met=reset["cpu_p99_ms"] <= 5.0,
         task_row_p99_ms=ours[("agentenvs", "reset_8x8_4boxes_task_row")]["p99_ms"],
         generated_p99_ms=ours[("agentenvs", "reset_8x8_4boxes_generated")]["p99_ms"])
    for clock in ("steps_per_s", "cpu_steps_per_s"):  # wall-clock, then CPU time (the scheduler's waits left out)
        peer_rates = {impl: line[clock] for (impl, what), line in ours.items()
                      if impl != "agentenvs" and what == "steps_text_8x8_4boxes" and clock in line}
        if peer_rates:
            fastest = max(peer_rates, key=lambda impl: peer_rates[impl])
            ratio = ours[("agentenvs", "steps_llm_env_8x8_4boxes")][clock] / peer_rates[fastest]
            emit("agentenvs", "goal_steps_ratio", clock=clock, peer=fastest, ratio=round(ratio, 2), goal=2.0,
                 met=ratio >= 2.0, through="LLMEnv")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--no-peers", action="store_true", help="time agentenvs only")
    parser.add_argument("--peers-dir", type=Path, default=HERE / ".peers", help="folder of the peer venvs")
    args = parser.parse_args()
    os.environ["AGENTENVS_CACHE_DIR"] = tempfile.mkdtemp(prefix="agentenvs-bench-")
    lines = bench_reset(30 if args.quick else 300)
    lines += bench_steps(4_000 if args.quick else 20_000)
    lines += bench_grouped(5 if args.quick else 30)
    if not args.no_peers:
        lines += run_peers(args.peers_dir, args.quick)
    goals(lines)


if __name__ == "__main__":
    main()
