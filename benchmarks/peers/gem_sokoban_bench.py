"""GEM's text Sokoban (gem-llm, ``game:Sokoban-v0-hard``: 8x8, 4 boxes), timed for benchmarks/llm_agents.py.

Runs in its own venv (``benchmarks/peers/setup_llm_peers.sh``) and prints JSON lines:
``reset_8x8_4boxes`` (one generation per seed, until ``n`` resets or ``seconds``) and
``steps_text_8x8_4boxes``: random ``\\boxed{move}`` actions through GEM's own parser, one env,
best and median of 5 chunks. Episodes are given an unreachable turn limit; an ended one (a solved
level) is replaced by a copy of the first episode's start, outside the timed chunk, instead of a
reset that takes seconds.
Usage: python gem_sokoban_bench.py [--quick]
"""
import copy
import json
import random
import statistics
import sys
import time

import gem

QUICK = "--quick" in sys.argv
MOVES = ("up", "down", "left", "right")


def emit(what, **fields):
    print(json.dumps({"bench": "llm_agents", "impl": "gem", "what": what, **fields}), flush=True)


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def bench_reset(n, seconds):
    env = gem.make("game:Sokoban-v0-hard")
    times, begin = [], time.perf_counter()
    for seed in range(n):
        start = time.perf_counter()
        env.reset(seed=seed)
        times.append(1e3 * (time.perf_counter() - start))
        if time.perf_counter() - begin > seconds:
            break
    emit("reset_8x8_4boxes", median_ms=round(statistics.median(times), 3), p99_ms=round(percentile(times, 99), 3),
         max_ms=round(max(times), 3), n=len(times))


def bench_steps(chunk, repeats=5):
    env = gem.make("game:Sokoban-v0-hard", max_turns=10**9)
    rng = random.Random(0)
    actions = [f"\\boxed{{{rng.choice(MOVES)}}}" for _ in range(chunk)]
    env.reset(seed=0)
    start_env = copy.deepcopy(env)
    times = []
    for _ in range(repeats):
        resets = 0.0
        start = time.perf_counter()
        for action in actions:
            _, _, terminated, truncated, _ = env.step(action)
            if terminated or truncated:
                begin = time.perf_counter()
                env = copy.deepcopy(start_env)
                resets += time.perf_counter() - begin
        times.append(time.perf_counter() - start - resets)
    emit("steps_text_8x8_4boxes", steps_per_s=round(chunk / min(times), 1),
         median_steps_per_s=round(chunk / statistics.median(times), 1), n=chunk * repeats,
         action_format="\\boxed{move}")


if __name__ == "__main__":
    bench_reset(10 if QUICK else 60, 30.0 if QUICK else 120.0)
    bench_steps(4_000 if QUICK else 20_000)
