"""Time gym-sokoban 0.0.6's steps (10x10 rooms, rgb obs); prints JSON lines.

Runs inside benchmarks/.peers/gym-sokoban (see setup_peers.sh), never in the project venv.
Its resets (level generation) are timed by gym_sokoban_levels.py, which also returns the
levels for the difficulty comparison.
Usage: python gym_sokoban_bench.py [--quick]
"""
from __future__ import annotations

import json
import os
import random
import resource
import statistics
import sys
import time
import warnings

warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402
from gym_sokoban.envs.sokoban_env import SokobanEnv  # noqa: E402

REPEATS = 5


def emit(**fields: object) -> None:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"bench": "sokoban", "impl": "gym-sokoban", **fields, "peak_rss_mb": round(peak, 1),
                      "load1": round(os.getloadavg()[0], 2)}), flush=True)


def main() -> None:
    quick = "--quick" in sys.argv
    random.seed(0)
    np.random.seed(0)
    # Steps with rgb observations (its only full-size obs), in REPEATS chunks: the best chunk
    # and the median one. Resets are excluded from the timing (they would dominate it), and
    # max_steps is lifted so that random play rarely needs one (each costs seconds).
    chunk = (500 if quick else 5000) // REPEATS
    env = SokobanEnv(dim_room=(10, 10), num_boxes=4, max_steps=10**9, reset=False)
    env.reset()
    times = []
    for _ in range(REPEATS):
        elapsed = 0.0
        for action in np.random.randint(0, env.action_space.n, chunk).tolist():
            start = time.perf_counter()
            _, _, done, _ = env.step(action)
            elapsed += time.perf_counter() - start
            if done:
                env.reset()
        times.append(elapsed)
    emit(what="steps_rgb_single", steps_per_s=round(chunk / min(times), 1),
         median_steps_per_s=round(chunk / statistics.median(times), 1), n=chunk * REPEATS)


if __name__ == "__main__":
    main()
