"""Speed of the web envs beside Farama's MiniWoB++ (``miniwob`` 1.1.0), same Chromium, same run.

Prints one JSON object per line, ``"bench": "web"``, per side (``agentenvs`` or ``miniwob``) and
task (click-button, enter-text, click-checkboxes):

* ``start_s``: construction + first ``reset`` (browser start included), median of ``--starts``;
* ``reset_ms``: a later ``reset``, median;
* ``steps_per_s`` / ``step_ms`` without and with screenshots: a click that does not end the
  episode (the utterance on click-button, the text field on enter-text, a checkbox on
  click-checkboxes), so every step is the same real browser work;
* ``bare_script_ms`` / ``bare_script_per_s`` (ours): one bare ``execute_script("return 1")`` round
  trip, the floor under any step, and ``bare_png_ms``: one bare screenshot capture;
* ``rss_mb``: resident memory of one browser's process tree (chromedriver and every Chromium
  process, summed from ``/proc``).

MiniWoB++ runs in its own venv (``/work/peers/miniwob``: ``python3 -m venv``; ``pip install
miniwob==1.1.0 selenium``) through this same file with ``--peer``, pointed at Debian's Chromium
with ``MINIWOB_CHROME_BINARY`` / ``MINIWOB_CHROMEDRIVER``.

Usage::

    python benchmarks/web.py [--steps 200] [--resets 30] [--starts 3] [--peer-python PATH]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import time
from functools import partial
from pathlib import Path
from typing import Any

TASKS = ("click-button", "enter-text", "click-checkboxes")
PEER_PYTHON = "/work/peers/miniwob/bin/python"


def tree_rss_mb(roots: list[int]) -> float:
    """Summed VmRSS (MiB) of ``roots`` and all their descendants, from ``/proc``."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat[stat.rindex(")") + 2:].split()[1]), []).append(int(entry))
    seen, stack, total = set(), list(roots), 0
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        stack += children.get(pid, [])
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def load() -> float:
    return os.getloadavg()[0]


def timed(fn: Any, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


# -- agentenvs ---------------------------------------------------------------------------------

def ours(task: str, args: argparse.Namespace) -> dict[str, Any]:
    from agentenvs.web import WebEnv

    def target(env: Any) -> int:
        view = env.view
        element = {"click-button": view.find("text"), "enter-text": view.find("textbox"),
                   "click-checkboxes": view.find("checkbox")}[task]
        return element.ref

    starts = []
    for _ in range(args.starts):
        t = time.perf_counter()
        env = WebEnv(task=task)
        env.reset(seed=0)
        starts.append(time.perf_counter() - t)
        env.close()
    row: dict[str, Any] = {"start_s": statistics.median(starts)}
    for screenshot in (False, True):
        env = WebEnv(task=task, screenshot=screenshot, max_steps=10 ** 6)
        env.reset(seed=0)
        if not screenshot:
            row["reset_ms"] = 1000 * statistics.median(timed(env.reset, args.resets))
            row["rss_mb"] = tree_rss_mb(env.browser_pids())
        env.reset(seed=1)
        action = {"type": "click", "ref": target(env)}
        env.step(action)
        times = timed(partial(env.step, action), args.steps)
        key = "screenshot" if screenshot else "no_screenshot"
        row[f"step_ms_{key}"] = 1000 * statistics.median(times)
        row[f"steps_per_s_{key}"] = len(times) / sum(times)
        # the floor under a step: one bare round trip to the browser (and, with screenshots, one bare capture)
        browser: Any = env._browser
        floor = timed(partial(browser.call, "execute_script", "return 1"), args.steps)
        row["bare_script_ms"] = 1000 * statistics.median(floor)
        row["bare_script_per_s"] = len(floor) / sum(floor)
        if screenshot:
            row["bare_png_ms"] = 1000 * statistics.median(timed(partial(browser.call, "get_screenshot_as_png"),
                                                                 args.steps // 4 + 1))
        env.close()
    return row


# -- MiniWoB++ (run in the peer venv) --------------------------------------------------------------

def peer(task: str, args: argparse.Namespace) -> dict[str, Any]:
    import gymnasium as gym
    import miniwob
    from miniwob.action import ActionTypes

    gym.register_envs(miniwob)

    def driver_pids() -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(os.getpid())], capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]

    def target(obs: dict[str, Any]) -> int:
        for element in obs["dom_elements"]:
            if task == "click-button" and element["tag"] == "div" and element["text"]:
                return int(element["ref"])
            if task == "enter-text" and element["tag"] == "input_text":
                return int(element["ref"])
            if task == "click-checkboxes" and element["tag"] == "input_checkbox":
                return int(element["ref"])
        raise RuntimeError(f"no target element in {task}")

    starts = []
    for _ in range(args.starts):
        t = time.perf_counter()
        env = gym.make(f"miniwob/{task}-v1")
        env.reset(seed=0)
        starts.append(time.perf_counter() - t)
        env.close()
    row: dict[str, Any] = {"start_s": statistics.median(starts)}
    for screenshot in (False, True):
        env = gym.make(f"miniwob/{task}-v1")
        options = {"record_screenshots": screenshot}
        env.reset(seed=0, options=options)
        if not screenshot:
            row["reset_ms"] = 1000 * statistics.median(timed(partial(env.reset, options=options), args.resets))
            row["rss_mb"] = tree_rss_mb(driver_pids())
        obs, _ = env.reset(seed=1, options=options)
        miniwob_env: Any = env.unwrapped
        action = miniwob_env.create_action(ActionTypes.CLICK_ELEMENT, ref=target(obs))
        env.step(action)
        times = timed(partial(env.step, action), args.steps)
        key = "screenshot" if screenshot else "no_screenshot"
        row[f"step_ms_{key}"] = 1000 * statistics.median(times)
        row[f"steps_per_s_{key}"] = len(times) / sum(times)
        env.close()
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--resets", type=int, default=30)
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--tasks", default=",".join(TASKS))
    parser.add_argument("--peer", action="store_true", help="run the MiniWoB++ side (inside its venv)")
    parser.add_argument("--peer-python", default=PEER_PYTHON)
    parser.add_argument("--no-peer", action="store_true")
    args = parser.parse_args()
    tasks = args.tasks.split(",")
    if args.peer:
        for task in tasks:
            row = peer(task, args)
            print(json.dumps({"bench": "web", "side": "miniwob", "task": task, **row, "load": load()}), flush=True)
        return
    peer_rows: dict[str, dict[str, Any]] = {}
    for task in tasks:
        row = ours(task, args)
        print(json.dumps({"bench": "web", "side": "agentenvs", "task": task, **row, "load": load()}), flush=True)
        if args.no_peer or not Path(args.peer_python).exists():
            continue
        env = {**os.environ, "MINIWOB_CHROME_BINARY": "/usr/bin/chromium",
               "MINIWOB_CHROMEDRIVER": "/usr/bin/chromedriver"}
        out = subprocess.run([args.peer_python, __file__, "--peer", "--tasks", task, "--steps", str(args.steps),
                              "--resets", str(args.resets), "--starts", str(args.starts)],
                             capture_output=True, text=True, env=env)
        if out.returncode != 0:
            print(json.dumps({"bench": "web", "side": "miniwob", "task": task, "error": out.stderr[-800:]}))
            continue
        print(out.stdout.strip(), flush=True)
        peer_rows[task] = json.loads(out.stdout.strip().splitlines()[-1])
        ratios = {k: row[k] / peer_rows[task][k] for k in ("steps_per_s_no_screenshot", "steps_per_s_screenshot")}
        ratios.update({k: peer_rows[task][k] / row[k] for k in ("reset_ms", "start_s")})
        print(json.dumps({"bench": "web_ratio", "task": task, **{f"{k}_x": round(v, 2) for k, v in ratios.items()}}),
              flush=True)


if __name__ == "__main__":
    main()
