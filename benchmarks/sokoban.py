"""Sokoban speed and level difficulty of agentenvs beside gym-sokoban and jumanji, and the ratios to our targets.

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

Level difficulty (``"what": "levels_HxW_Bboxes"``, one line per implementation and room size):
our generator and gym-sokoban's (levels drawn by ``peers/gym_sokoban_levels.py`` in its venv)
over the same room sizes and box counts, measured alike in our env: the share of levels a
120-step random walk (4 actions) solves, optimal moves and pushes (our solver), open cells,
the share starting with a box on a goal, difficulty labels, and the reset (generation) time.
The move and push histograms are drawn in ``benchmarks/sokoban_difficulty.png``; gym-sokoban's
10x10 / 4-box resets are the ones its ``reset_10x10_4boxes`` line times.

Single-env step rates leave resets out, as the peers' do (gym-sokoban's script times steps
alone; jumanji's steps a fixed toy level); ``with_resets_steps_per_s`` keeps our resets in
(a new level generated at each episode end). Each rate is timed in ``REPEATS`` chunks:
``steps_per_s`` is the best chunk and ``median_steps_per_s`` the median one. The machine is
usually shared, and the best chunk is the figure least disturbed by other processes (peers are
timed the same way); each line also carries the 1-minute load average.

    python benchmarks/sokoban.py [--quick] [--setup-peers] [--no-peers] [--no-solver] [--no-levels]
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
from agentenvs.sokoban import Level, SokobanEnv, parse_xsb
from agentenvs.sokoban.generator import LABELS, GeneratedLevel, generate_level
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
    """Steps per second of one env; ``steps_per_s`` leaves the resets out, as the peers' rates do.

    ``with_resets_steps_per_s`` keeps them in: each episode's end generates a new level, which
    is what random play in a single env gets.
    """
    env = gym.make(ENV_ID, obs_mode=obs_mode)
    chunk = steps // REPEATS
    actions = np.random.default_rng(0).integers(0, 4, chunk).tolist()
    env.reset(seed=0)
    times, stepping = [], []
    for _ in range(REPEATS):
        resets = 0.0
        start = time.perf_counter()
        for action in actions:
            _, _, terminated, truncated, _ = env.step(action)
            if terminated or truncated:
                begin = time.perf_counter()
                env.reset()
                resets += time.perf_counter() - begin
        times.append(time.perf_counter() - start)
        stepping.append(times[-1] - resets)
    env.close()
    with_resets = rates(times, chunk)
    return emit(record("agentenvs", f"steps_{obs_mode}_single", **rates(stepping, chunk),
                       with_resets_steps_per_s=with_resets["steps_per_s"],
                       with_resets_median_steps_per_s=with_resets["median_steps_per_s"], n=chunk * REPEATS))


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


LEVEL_CONFIGS = (  # (height, width, boxes, our levels, gym-sokoban's levels, seconds it may spend drawing them)
    (6, 6, 3, 300, 300, 60.0), (8, 8, 3, 100, 100, 60.0), (10, 10, 4, 100, 30, 100.0))
QUICK_LEVEL_CONFIGS = ((6, 6, 3, 100, 100, 20.0), (10, 10, 4, 20, 8, 30.0))
FULL_SEARCH = 300_000
"""gym-sokoban's search budget: on 10x10 rooms our generator also runs with it ("agentenvs-300k"),
gym-sokoban's own distribution (the search is the same, tested position for position) from
enough levels to compare with, where gym-sokoban itself draws only a few in the time."""
LEVEL_COLOURS = (("agentenvs", "tab:blue"), ("agentenvs-300k", "tab:green"), ("gym-sokoban", "tab:orange"))
WALK_STEPS = 120
SOLVER_NODES = 300_000


def draw_ours(dim: tuple[int, int], boxes: int, count: int, **kwargs: Any) -> tuple[list[Level], list[float]]:
    """``count`` levels from our generator (seed 0) and the milliseconds each took."""
    rng = np.random.default_rng(0)
    levels: list[Level] = []
    times = []
    for _ in range(count):
        start = time.perf_counter()
        levels.append(generate_level(rng, dim, boxes, **kwargs))
        times.append(1e3 * (time.perf_counter() - start))
    return levels, times


def draw_gym(dim: tuple[int, int], boxes: int, count: int, seconds: float) -> tuple[list[Level], list[float]] | None:
    """Levels from gym-sokoban's reset (in its venv) and the milliseconds each took; None without the venv."""
    python = HERE / ".peers" / "gym-sokoban" / "bin" / "python"
    if not python.exists():
        return None
    cmd = [str(python), str(HERE / "peers" / "gym_sokoban_levels.py"), *map(str, (*dim, boxes, count, seconds))]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rows = [json.loads(text) for text in out.splitlines() if text.startswith("{")]
    return [parse_xsb(row["xsb"]) for row in rows], [row["reset_ms"] for row in rows]


def walk_solves(level: Level, env: SokobanEnv, seed: int) -> bool:
    """Whether a uniform random walk of ``WALK_STEPS`` moves (seeded) solves ``level``."""
    env.reset(seed=seed, options={"level": level})
    for action in np.random.default_rng(seed).integers(0, 4, WALK_STEPS).tolist():
        _, _, terminated, truncated, _ = env.step(action)
        if terminated or truncated:
            return terminated
    return False


def level_stats(levels: list[Level], dim: tuple[int, int]) -> dict[str, Any]:
    """Difficulty figures of a set of levels, measured the same way whoever made them."""
    env = SokobanEnv(dim_room=dim, max_steps=WALK_STEPS)
    solved = sum(walk_solves(level, env, seed) for seed, level in enumerate(levels))
    moves, pushes, unsolved = [], [], 0
    for level in levels:
        try:
            labels = difficulty(level, max_nodes=SOLVER_NODES)
        except Exception:  # noqa: BLE001  (budget spent: counted, not plotted)
            unsolved += 1
            continue
        moves.append(labels["moves"])
        pushes.append(labels["pushes"])
    stats: dict[str, Any] = {
        "n": len(levels), "walk_solved": solved, "walk_solve_rate": round(solved / len(levels), 4),
        "open_cells_mean": round(float(np.mean([(~level.walls).sum() for level in levels])), 2),
        "box_on_goal_at_start": round(float(np.mean([(level.boxes & level.goals).any() for level in levels])), 4),
        "optimal_moves_mean": round(float(np.mean(moves)), 2), "optimal_moves_median": float(np.median(moves)),
        "optimal_pushes_mean": round(float(np.mean(pushes)), 2), "optimal_pushes_median": float(np.median(pushes)),
        "solver_over_budget": unsolved, "moves": moves, "pushes": pushes,
    }
    ours = [level for level in levels if isinstance(level, GeneratedLevel)]
    if len(ours) == len(levels) and unsolved == 0:
        stats["labels"] = {label: sum(level.difficulty == label for level in ours) for label in LABELS}
        stats["pushes_by_label"] = {label: round(float(np.mean([p for p, level in zip(pushes, ours)
                                                                   if level.difficulty == label] or [0])), 2)
                                    for label in LABELS}
    return stats


def bench_levels(quick: bool, peers: bool) -> list[dict[str, Any]]:
    """Difficulty of our levels beside gym-sokoban's, room size by room size, and the histogram figure."""
    lines, panels = [], []
    for height, width, boxes, count, peer_count, seconds in QUICK_LEVEL_CONFIGS if quick else LEVEL_CONFIGS:
        dim, what = (height, width), f"levels_{height}x{width}_{boxes}boxes"
        drawn = {"agentenvs": draw_ours(dim, boxes, count)}
        if height * width >= 100 and not quick:
            drawn["agentenvs-300k"] = draw_ours(dim, boxes, count, max_states=FULL_SEARCH)
        theirs = draw_gym(dim, boxes, peer_count, seconds) if peers else None
        if theirs is not None:
            drawn["gym-sokoban"] = theirs
        panel: dict[str, Any] = {"title": f"{height}x{width}, {boxes} boxes"}
        for impl, (levels, times) in drawn.items():
            stats = level_stats(levels, dim)
            panel[impl] = (stats.pop("moves"), stats.pop("pushes"))
            lines.append(emit(record(impl, what, reset_median_ms=round(statistics.median(times), 3),
                                     reset_max_ms=round(max(times), 3), **stats)))
            if impl == "gym-sokoban" and (height, width, boxes) == (10, 10, 4):
                lines.append(emit(record(impl, "reset_10x10_4boxes", median_ms=round(statistics.median(times), 3),
                                         max_ms=round(max(times), 3), n=len(times))))
        if "gym-sokoban" in drawn:
            ours, gyms = (statistics.median(drawn[impl][1]) for impl in ("agentenvs", "gym-sokoban"))
            lines.append(emit({"bench": "sokoban", "what": f"ratio_reset_{what[7:]}", "vs": "gym-sokoban",
                               "ours": round(ours, 3), "peer": round(gyms, 3), "ratio": round(gyms / ours, 1)}))
        panels.append(panel)
    plot_levels(panels, HERE / "sokoban_difficulty.png")
    return lines


def plot_levels(panels: list[dict[str, Any]], path: Path) -> None:
    """Histograms of optimal moves (top row) and pushes (bottom row) per room size, ours over gym-sokoban's."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, len(panels), figsize=(4.2 * len(panels), 6.4), squeeze=False)
    for column, panel in enumerate(panels):
        for row, name in enumerate(("optimal moves", "optimal pushes")):
            ax = axes[row][column]
            values = {impl: panel[impl][row] for impl, _ in LEVEL_COLOURS if impl in panel}
            top = max(max(v) for v in values.values() if v)
            bins = np.linspace(0, top + 1, min(top + 2, 26))
            for impl, color in LEVEL_COLOURS:
                if impl in values:
                    ax.hist(values[impl], bins=bins, density=True, alpha=0.55, color=color,
                            label=f"{impl} (n={len(values[impl])}, mean {np.mean(values[impl]):.1f})")
            ax.set_title(f"{panel['title']}: {name}", fontsize=10)
            ax.set_xlabel(name)
            ax.set_ylabel("share of levels")
            ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


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
    parser.add_argument("--no-levels", action="store_true", help="skip the level difficulty comparison")
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
    if not args.no_levels:
        lines += bench_levels(quick, not args.no_peers)
    ratios(lines)


if __name__ == "__main__":
    main()
