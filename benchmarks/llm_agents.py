"""LLM-agent envs: text Sokoban reset and step rates beside GEM and TextArena, and grouped resets.

Prints one JSON object per line (``bench: "llm_agents"``) and asserts nothing:

- ``reset_8x8_4boxes``: ``agentenvs/Sokoban-Text-v0`` at GEM's hard size (8x8 room, 4 boxes),
  one procedural level per seed (median, p99, max ms); ``reset_8x8_4boxes_given_level``: the
  same levels, generated beforehand and handed to ``reset(options={"level": xsb})``, as a task
  row carrying its level does (the floor: what a reset costs without generation);
- ``steps_text_8x8_4boxes``: one env through ``gym.make``, random moves written as an LLM writes
  them (``"<answer>up</answer>"``), so every step runs the text action parser
  (``agentenvs.sokoban.actions.parse_text_action``); best and median of 5 chunks, resets left out
  as the peers' are;
- ``grouped_reset_16``: ``GroupedVectorEnv(id, 4, 4)`` (sync backend) reset with 4 new tasks, for
  every registered id with a Text action space (the LLM-facing ids): p50 and p99 ms;
- the peers' lines (``benchmarks/peers/gem_sokoban_bench.py``, ``textarena_sokoban_bench.py``, each
  in its venv under ``--peers-dir``), then ``goal_*`` lines: reset p99 <= 5 ms, and steps/s >= 2x
  the faster peer.

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
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

import agentenvs  # noqa: F401  (registers the ids)
from agentenvs.agents.grouped import GroupedVectorEnv
from agentenvs.registration import GYM_ENVS, missing_extra
from agentenvs.sokoban.generator import generate_level

HERE = Path(__file__).parent
SOKOBAN_TEXT = "agentenvs/Sokoban-Text-v0"
DIM_ROOM, NUM_BOXES = (8, 8), 4  # GEM's Sokoban-hard
MOVES = ("up", "down", "left", "right")
REPEATS = 5
PEERS = {"gem": "gem_sokoban_bench.py", "textarena": "textarena_sokoban_bench.py"}


def emit(impl: str, what: str, **fields: Any) -> dict[str, Any]:
    line = {"bench": "llm_agents", "impl": impl, "what": what, **fields, "load1": round(os.getloadavg()[0], 2)}
    print(json.dumps(line), flush=True)
    return line


def timings_ms(calls: Sequence[Callable[[], Any]]) -> dict[str, float]:
    """Median, p99 and max milliseconds of the calls, each timed once."""
    times = []
    for call in calls:
        start = time.perf_counter()
        call()
        times.append(1e3 * (time.perf_counter() - start))
    return {"median_ms": round(statistics.median(times), 3), "p99_ms": round(float(np.percentile(times, 99)), 3),
            "max_ms": round(max(times), 3), "n": len(times)}


def bench_reset(n: int) -> list[dict[str, Any]]:
    env = gym.make(SOKOBAN_TEXT, dim_room=DIM_ROOM, num_boxes=NUM_BOXES)
    env.reset(seed=0)
    seeded = [functools.partial(env.reset, seed=s) for s in range(n)]
    lines = [emit("agentenvs", "reset_8x8_4boxes", **timings_ms(seeded))]
    rng = np.random.default_rng(0)
    levels = [generate_level(rng, DIM_ROOM, NUM_BOXES).to_xsb() for _ in range(n)]
    given = timings_ms([functools.partial(env.reset, seed=s, options={"level": x}) for s, x in enumerate(levels)])
    lines.append(emit("agentenvs", "reset_8x8_4boxes_given_level", **given,
                      note="levels generated beforehand, passed in options['level'] (a task row carrying its level)"))
    env.close()
    return lines


def bench_steps(chunk: int) -> dict[str, Any]:
    env = gym.make(SOKOBAN_TEXT, dim_room=DIM_ROOM, num_boxes=NUM_BOXES)
    rng = np.random.default_rng(0)
    actions = [f"<answer>{MOVES[m]}</answer>" for m in rng.integers(4, size=chunk)]
    env.reset(seed=0)
    times = []
    for _ in range(REPEATS):
        resets = 0.0
        start = time.perf_counter()
        for action in actions:
            _, _, terminated, truncated, _ = env.step(action)
            if terminated or truncated:
                begin = time.perf_counter()
                env.reset()
                resets += time.perf_counter() - begin
        times.append(time.perf_counter() - start - resets)
    env.close()
    return emit("agentenvs", "steps_text_8x8_4boxes", steps_per_s=round(chunk / min(times), 1),
                median_steps_per_s=round(chunk / statistics.median(times), 1), n=chunk * REPEATS,
                action_format="<answer>move</answer>")


def llm_facing_ids() -> list[str]:
    """Registered ids whose action space is Text (installed extras only)."""
    ids = []
    for entry in GYM_ENVS:
        if missing_extra(entry):
            continue
        env = gym.make(entry.id)
        if isinstance(env.action_space, spaces.Text):
            ids.append(entry.id)
        env.close()
    return ids


def bench_grouped(resets: int) -> list[dict[str, Any]]:
    lines = []
    for env_id in llm_facing_ids():
        try:
            env = GroupedVectorEnv(env_id, num_groups=4, group_size=4)
            tasks = [[{"seed": 4 * r + g} for g in range(4)] for r in range(resets + 1)]
            env.reset(tasks[0])
            times = timings_ms([functools.partial(env.reset, t) for t in tasks[1:]])
            env.close()
        except Exception as exc:  # report the id and why, and go on with the others
            lines.append(emit("agentenvs", "grouped_reset_16", env_id=env_id, error=f"{type(exc).__name__}: {exc}"))
            continue
        lines.append(emit("agentenvs", "grouped_reset_16", env_id=env_id, backend="sync", groups=4, group_size=4,
                          p50_ms=times["median_ms"], p99_ms=times["p99_ms"], max_ms=times["max_ms"], n=times["n"]))
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
         floor_p99_ms=ours[("agentenvs", "reset_8x8_4boxes_given_level")]["p99_ms"])
    peer_rates = {impl: line["steps_per_s"] for (impl, what), line in ours.items()
                  if impl != "agentenvs" and what == "steps_text_8x8_4boxes"}
    if peer_rates:
        fastest = max(peer_rates, key=lambda impl: peer_rates[impl])
        ratio = ours[("agentenvs", "steps_text_8x8_4boxes")]["steps_per_s"] / peer_rates[fastest]
        emit("agentenvs", "goal_steps_ratio", peer=fastest, ratio=round(ratio, 2), goal=2.0, met=ratio >= 2.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--no-peers", action="store_true", help="time agentenvs only")
    parser.add_argument("--peers-dir", type=Path, default=HERE / ".peers", help="folder of the peer venvs")
    args = parser.parse_args()
    lines = bench_reset(30 if args.quick else 300)
    lines.append(bench_steps(4_000 if args.quick else 20_000))
    lines += bench_grouped(5 if args.quick else 30)
    if not args.no_peers:
        lines += run_peers(args.peers_dir, args.quick)
    goals(lines)


if __name__ == "__main__":
    main()
