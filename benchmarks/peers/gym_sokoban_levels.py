"""Draw levels with gym-sokoban 0.0.6's generator; print one JSON line per level (XSB and reset time).

Runs inside benchmarks/.peers/gym-sokoban (see setup_peers.sh), never in the project venv;
benchmarks/sokoban.py reads the levels to compare their difficulty with ours.
Usage: python gym_sokoban_levels.py HEIGHT WIDTH BOXES COUNT [SECONDS] (stops early after SECONDS)
"""
from __future__ import annotations

import json
import random
import sys
import time
import warnings

warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402
from gym_sokoban.envs.sokoban_env import SokobanEnv  # noqa: E402

XSB = {0: "#", 1: " ", 2: ".", 3: "*", 4: "$", 5: "@"}  # room_state codes (3: box on target, 4: off)


def to_xsb(fixed: np.ndarray, state: np.ndarray) -> str:
    rows = []
    for fixed_row, state_row in zip(fixed.tolist(), state.tolist()):
        line = []
        for f, s in zip(fixed_row, state_row):
            ch = XSB[int(s)]
            if s == 5 and f == 2:
                ch = "+"
            line.append(ch)
        rows.append("".join(line))
    return "\n".join(rows)


def main() -> None:
    height, width, boxes, count = map(int, sys.argv[1:5])
    budget = time.perf_counter() + (float(sys.argv[5]) if len(sys.argv) > 5 else 1e9)
    random.seed(0)
    np.random.seed(0)
    env = SokobanEnv(dim_room=(height, width), num_boxes=boxes, reset=False)
    for _ in range(count):
        if time.perf_counter() > budget:
            break
        start = time.perf_counter()
        env.reset()
        ms = 1e3 * (time.perf_counter() - start)
        print(json.dumps({"xsb": to_xsb(env.room_fixed, env.room_state), "reset_ms": round(ms, 3)}), flush=True)


if __name__ == "__main__":
    main()
