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
    times, cpu, begin = [], [], time.perf_counter()
    for seed in range(n):
        start, start_cpu = time.perf_counter(), time.thread_time()
        env.reset(seed=seed)
        times.append(1e3 * (time.perf_counter() - start))
        cpu.append(1e3 * (time.thread_time() - start_cpu))
        if time.perf_counter() - begin > seconds:
            break
    emit("reset_8x8_4boxes", median_ms=round(statistics.median(times), 3), p99_ms=round(percentile(times, 99), 3),
         max_ms=round(max(times), 3), cpu_median_ms=round(statistics.median(cpu), 3),
         cpu_p99_ms=round(percentile(cpu, 99), 3), n=len(times))


def bench_steps(chunk, repeats=5):
    env = gem.make("game:Sokoban-v0-hard", max_turns=10**9)
    rng = random.Random(0)
    actions = [f"\\boxed{{{rng.choice(MOVES)}}}" for _ in range(chunk)]
    env.reset(seed=0)
    start_env = copy.deepcopy(env)
    times, cpu_times = [], []
    for _ in range(repeats):
        resets = resets_cpu = 0.0
        start, start_cpu = time.perf_counter(), time.thread_time()
        for action in actions:
            _, _, terminated, truncated, _ = env.step(action)
            if terminated or truncated:
                begin, begin_cpu = time.perf_counter(), time.thread_time()
                env = copy.deepcopy(start_env)
                resets += time.perf_counter() - begin
                resets_cpu += time.thread_time() - begin_cpu
        times.append(time.perf_counter() - start - resets)
        cpu_times.append(time.thread_time() - start_cpu - resets_cpu)
    emit("steps_text_8x8_4boxes", steps_per_s=round(chunk / min(times), 1),
         median_steps_per_s=round(chunk / statistics.median(times), 1),
         cpu_steps_per_s=round(chunk / min(cpu_times), 1), n=chunk * repeats,
         action_format="\\boxed{move}")


if __name__ == "__main__":
    bench_reset(10 if QUICK else 60, 30.0 if QUICK else 120.0)
    bench_steps(4_000 if QUICK else 20_000)
