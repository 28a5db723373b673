"""TextArena's Sokoban (textarena ``Sokoban-v0-raw``), timed for benchmarks/llm_agents.py.

Runs in its own venv (``benchmarks/peers/setup_llm_peers.sh``) and prints JSON lines for its
default size (6x6, 3 boxes) and for GEM's hard size (8x8, 4 boxes): ``reset_*`` (one generation
per seed, until ``n`` resets or ``seconds``) and ``steps_text_*``: random ``[move]`` actions
through TextArena's own parser, each turn reading the observation as an agent loop does, one env,
best and median of 5 chunks. A wall bump is an invalid move that soon ends TextArena's episode,
so episodes end often; a copy of the first episode's start (``copy.deepcopy``, outside the timed
chunk) replaces the ended one instead of a reset, which at 8x8 takes seconds.
Usage: python textarena_sokoban_bench.py [--quick]
"""
import copy
import json
import random
import statistics
import sys
import time

import textarena as ta

QUICK = "--quick" in sys.argv
MOVES = ("up", "down", "left", "right")
SIZES = (((6, 6), 3), ((8, 8), 4))


def emit(what, **fields):
    print(json.dumps({"bench": "llm_agents", "impl": "textarena", "what": what, **fields}), flush=True)


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def make(dim, boxes):
    return ta.make("Sokoban-v0-raw", dim_room=dim, num_boxes=boxes, max_turns=50)


def bench_reset(dim, boxes, n, seconds):
    env = make(dim, boxes)
    times, begin = [], time.perf_counter()
    for seed in range(n):
        start = time.perf_counter()
        env.reset(num_players=1, seed=seed)
        times.append(1e3 * (time.perf_counter() - start))
        if time.perf_counter() - begin > seconds:
            break
    emit(f"reset_{dim[0]}x{dim[1]}_{boxes}boxes", median_ms=round(statistics.median(times), 3),
         p99_ms=round(percentile(times, 99), 3), max_ms=round(max(times), 3), n=len(times))


def bench_steps(dim, boxes, chunk, repeats=5):
    env = make(dim, boxes)
    rng = random.Random(0)
    actions = [f"[{rng.choice(MOVES)}]" for _ in range(chunk)]
    env.reset(num_players=1, seed=0)
    start_env = copy.deepcopy(env)
    times = []
    for _ in range(repeats):
        resets = 0.0
        start = time.perf_counter()
        for action in actions:
            env.get_observation()
            done, _ = env.step(action)
            if done:
                begin = time.perf_counter()
                env = copy.deepcopy(start_env)
                resets += time.perf_counter() - begin
        times.append(time.perf_counter() - start - resets)
    emit(f"steps_text_{dim[0]}x{dim[1]}_{boxes}boxes", steps_per_s=round(chunk / min(times), 1),
         median_steps_per_s=round(chunk / statistics.median(times), 1), n=chunk * repeats, action_format="[move]")


if __name__ == "__main__":
    for dim, boxes in SIZES:
        bench_reset(dim, boxes, 10 if QUICK else 60, 20.0 if QUICK else 60.0)
        bench_steps(dim, boxes, 300 if QUICK else 2_000)
