"""TextQuest speed beside TextWorld 1.7.0 (`tw-make custom`), and the ratios to our goals. JSON lines.

Comparable worlds: 5 rooms, 10 objects, quest length 5 (tw-make's defaults for ``custom``;
ours with ``distractors=0``). Measures:

- ``generate``: seconds per game. Ours: :func:`generate_game` (world, quest, walkthrough).
  TextWorld: ``make_game`` + ``compile_game`` (what ``tw-make`` does; a game must be compiled
  to be played).
- ``steps``: steps/s of one env, each command drawn at random from the step's admissible
  commands (TextWorld: ``request_infos=EnvInfos(admissible_commands=True)``), resets included.

Goals: generation >= 100x faster, steps/s >= 20x. TextWorld runs in its own venv
(``--peer-python``, default ``/work/peers/textworld/bin/python``; build it with
``python -m venv /work/peers/textworld && /work/peers/textworld/bin/pip install textworld==1.7.0``);
without it the peer is skipped with a note.
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
from pathlib import Path
from typing import Any

import numpy as np

from agentenvs.text.quest import TextQuestEnv, generate_game

KNOBS = dict(rooms=5, objects=10, distractors=0, quest_length=5)
GOALS = (("generate", 100.0, "s_per_game"), ("steps", 20.0, "steps_per_s"))

PEER = r"""
import json, os, resource, statistics, sys, tempfile, time
import numpy as np
import textworld, textworld.gym
from textworld import EnvInfos
from textworld.generator import compile_game, make_game
games, steps = int(sys.argv[1]), int(sys.argv[2])
folder = tempfile.mkdtemp()
times, path = [], None
for seed in range(games):
    options = textworld.GameOptions()
    options.nb_rooms, options.nb_objects, options.quest_length = 5, 10, 5
    options.seeds = seed
    options.path = os.path.join(folder, f"game{seed}.z8")
    options.force_recompile = True
    start = time.perf_counter()
    path = compile_game(make_game(options), options)
    times.append(time.perf_counter() - start)
def usage():
    return {"peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "load1": round(os.getloadavg()[0], 2)}
print(json.dumps({"what": "generate", "s_per_game": statistics.median(times), "games": games, **usage()}))
env = textworld.gym.make(textworld.gym.register_game(path, request_infos=EnvInfos(admissible_commands=True),
                                                     max_episode_steps=100))
rng = np.random.default_rng(0)
obs, infos = env.reset()
rates = []
for _ in range(5):
    start = time.perf_counter()
    for _ in range(steps // 5):
        commands = infos["admissible_commands"]
        obs, score, done, infos = env.step(commands[rng.integers(len(commands))])
        if done:
            obs, infos = env.reset()
    rates.append((steps // 5) / (time.perf_counter() - start))
env.close()
print(json.dumps({"what": "steps", "steps_per_s": max(rates), "median_steps_per_s": statistics.median(rates),
                  **usage()}))
"""


def emit(impl: str, what: str, **fields: Any) -> dict[str, Any]:
    line = {"bench": "text_quest", "what": what, "impl": impl,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "load1": round(os.getloadavg()[0], 2), **fields}  # the peer's lines bring their own process's figures
    print(json.dumps(line), flush=True)
    return line


def ours(games: int, steps: int) -> list[dict[str, Any]]:
    times = []
    for seed in range(games):
        start = time.perf_counter()
        generate_game(np.random.default_rng(seed), **KNOBS)
        times.append(time.perf_counter() - start)
    lines = [emit("agentenvs", "generate", s_per_game=statistics.median(times), max_s=max(times), games=games, **KNOBS)]
    env = TextQuestEnv(**KNOBS)
    rng = np.random.default_rng(0)
    _, info = env.reset(seed=0)
    rates = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(steps // 5):
            commands = info["admissible_commands"]
            _, _, terminated, truncated, info = env.step(commands[rng.integers(len(commands))])
            if terminated or truncated:
                _, info = env.reset()
        rates.append((steps // 5) / (time.perf_counter() - start))
    lines.append(emit("agentenvs", "steps", steps_per_s=max(rates), median_steps_per_s=statistics.median(rates),
                      **KNOBS))
    return lines


def peer(python: Path, games: int, steps: int) -> list[dict[str, Any]]:
    if not python.exists():
        return [emit("textworld", "skipped", note=f"no TextWorld venv at {python}; the peer was not rerun")]
    out = subprocess.run([str(python), "-c", PEER, str(games), str(steps)], capture_output=True, text=True,
                         timeout=3600)
    if out.returncode != 0:
        return [emit("textworld", "failed", note=out.stderr[-500:])]
    return [emit("textworld 1.7.0", **json.loads(line)) for line in out.stdout.splitlines() if line.startswith("{")]


def ratios(lines: list[dict[str, Any]]) -> None:
    for what, goal, key in GOALS:
        mine = next((x for x in lines if x["what"] == what and x["impl"] == "agentenvs"), None)
        theirs = next((x for x in lines if x["what"] == what and x["impl"].startswith("textworld")), None)
        if mine is None or theirs is None:
            print(json.dumps({"bench": "text_quest", "what": f"ratio_{what}", "goal": goal, "note": "peer not run"}))
            continue
        ratio = theirs[key] / mine[key] if key.startswith("s_") else mine[key] / theirs[key]
        print(json.dumps({"bench": "text_quest", "what": f"ratio_{what}", "vs": "textworld 1.7.0", "ours": mine[key],
                          "peer": theirs[key], "ratio": round(ratio, 1), "goal": goal, "met": ratio >= goal,
                          "load1_ours": mine["load1"], "load1_peer": theirs["load1"]}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=200, help="games generated by us")
    parser.add_argument("--peer-games", type=int, default=5, help="games generated by TextWorld (seconds each)")
    parser.add_argument("--steps", type=int, default=50_000, help="steps timed by us")
    parser.add_argument("--peer-steps", type=int, default=2_000, help="steps timed by TextWorld")
    parser.add_argument("--peer-python", type=Path, default=Path("/work/peers/textworld/bin/python"))
    parser.add_argument("--no-peers", action="store_true")
    args = parser.parse_args()
    lines = ours(args.games, args.steps)
    if not args.no_peers:
        lines += peer(args.peer_python, args.peer_games, args.peer_steps)
    ratios(lines)


if __name__ == "__main__":
    sys.exit(main())
