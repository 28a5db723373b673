"""GUI family speed: GUICursor steps at full resolution beside a straightforward PIL path, the native vector env,
and screen generation.

Lines (JSON, one per figure; each carries ``load1``, the 1-minute load average, and ``peak_rss_mb``):

- ``steps_full_res``: ``GUICursor-v0`` at 1280x800 with ``obs_size=None`` (the full screenshot in every
  observation, a fresh 3 MB array per step) through ``gym.make``, random moves, resets left out
  (``max_steps`` large); goal >= 2,000 steps/s;
- ``steps_full_res_pil``: the straightforward path timed in the same run on the same screen and
  moves: copy the PIL screen, paste the pointer, convert to an array; goal: ours >= 10x it;
- ``copy_floor_full_res``: ``np.ndarray.copy`` of the 1280x800x3 frame alone (the floor any env
  returning a fresh full-resolution array per step stands on);
- ``steps_vector_small_256``: ``gym.make_vec("agentenvs/GUICursor-Small-v0", num_envs=256,
  vectorization_mode="vector_entry_point")``, 84x84 images, random actions (clicks included, so
  resets from the pool happen); goal >= 50,000 steps/s;
- ``screen_generation_1280x800``: ``generate_task`` (layout, drawing with text, instruction),
  median and p90 over fresh screen ids after a warm-up; goal: median <= 20 ms.

Rates are timed in ``REPEATS`` chunks: ``steps_per_s`` is the best chunk, ``median_steps_per_s`` the median;
``cpu_steps_per_s`` (and ``median_cpu_ms``) count this process's CPU time instead of wall time, the
figure other processes on a shared machine disturb least.

    python benchmarks/gui.py [--quick]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import time
from typing import Any

import gymnasium as gym
import numpy as np
from PIL import Image

import agentenvs  # noqa: F401  (registers the ids)
from agentenvs.gui.cursor import pointer_height, sprite
from agentenvs.gui.generator import ScreenConfig, generate_task

REPEATS = 5


def emit(**fields: Any) -> dict[str, Any]:
    """Print one JSON line with the load average and peak memory added."""
    fields.update(load1=round(os.getloadavg()[0], 2),
                  peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1))
    print(json.dumps(fields), flush=True)
    return fields


CPU_RATES: dict[str, float] = {}
"""The last :func:`chunks` call's best rate in CPU time (``time.process_time``), which other processes disturb less."""


def chunks(run: Any, steps: int) -> tuple[float, float]:
    """Best and median wall-clock rate (steps/s) of ``REPEATS`` timed calls of ``run(steps)``."""
    rates, cpu = [], []
    for _ in range(REPEATS):
        start, start_cpu = time.perf_counter(), time.process_time()
        run(steps)
        rates.append(steps / (time.perf_counter() - start))
        cpu.append(steps / max(time.process_time() - start_cpu, 1e-9))
    CPU_RATES["best"] = max(cpu)
    return max(rates), statistics.median(rates)


def full_resolution(steps: int) -> tuple[float, float]:
    env = gym.make("agentenvs/GUICursor-v0", obs_size=None, max_steps=10**9)
    env.reset(seed=0)
    actions = np.random.default_rng(0).integers(0, 16, size=steps)  # moves only: no click ends the episode

    def run(n: int) -> None:
        for a in actions[:n]:
            env.step(a)

    best, median = chunks(run, steps)
    emit(bench="gui", what="steps_full_res", impl="agentenvs", screen="1280x800", obs="1280x800x3",
         steps_per_s=round(best), median_steps_per_s=round(median), cpu_steps_per_s=round(CPU_RATES["best"]),
         goal=">= 2000")

    base: Any = env.unwrapped
    screen = Image.fromarray(base._task.screen.image)
    rgb, alpha = sprite(pointer_height(800))
    pointer, mask = Image.fromarray(rgb), Image.fromarray(alpha.astype(np.uint8) * 255)
    points = np.random.default_rng(1).integers(0, [1280, 800], size=(steps, 2))

    def pil(n: int) -> None:
        for x, y in points[:n]:
            frame = screen.copy()
            frame.paste(pointer, (int(x), int(y)), mask)
            np.asarray(frame)

    pil_best, pil_median = chunks(pil, max(steps // 10, 50))
    emit(bench="gui", what="steps_full_res_pil", impl="PIL copy+paste+asarray", screen="1280x800",
         steps_per_s=round(pil_best), median_steps_per_s=round(pil_median), cpu_steps_per_s=round(CPU_RATES["best"]))
    frame = base._obs_layer.frame

    def copy(n: int) -> None:
        for _ in range(n):
            frame.copy()

    floor, floor_median = chunks(copy, steps)
    emit(bench="gui", what="copy_floor_full_res", impl="numpy copy of a 1280x800x3 uint8 array",
         steps_per_s=round(floor), median_steps_per_s=round(floor_median), cpu_steps_per_s=round(CPU_RATES["best"]))
    emit(bench="gui", what="ratio_full_res_vs_pil", ratio=round(best / pil_best, 1), goal=">= 10",
         ours_share_of_copy_floor=round(best / floor, 2))
    env.close()
    return best, pil_best


def vector(steps: int, num_envs: int = 256) -> None:
    venv = gym.make_vec("agentenvs/GUICursor-Small-v0", num_envs=num_envs, vectorization_mode="vector_entry_point")
    venv.reset(seed=0)
    actions = np.random.default_rng(0).integers(0, 17, size=(steps, num_envs))

    def run(n: int) -> None:
        for a in actions[:n]:
            venv.step(a)

    best, median = chunks(run, steps)
    emit(bench="gui", what=f"steps_vector_small_{num_envs}", impl="agentenvs", obs="84x84x3 + 256 hashed + 2",
         steps_per_s=round(best * num_envs), median_steps_per_s=round(median * num_envs),
         cpu_steps_per_s=round(CPU_RATES["best"] * num_envs), goal=">= 50000")
    venv.close()


def generation(count: int) -> None:
    config = ScreenConfig(size=(1280, 800))
    for i in range(20):  # warm-up: font faces and the text-mask cache of common labels
        generate_task(10**6 + i, config)
    times, cpu, elements = [], [], []
    for i in range(count):
        start, start_cpu = time.perf_counter(), time.process_time()
        task = generate_task(i, config)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        elements.append(len(task.screen.elements))
    emit(bench="gui", what="screen_generation_1280x800", impl="agentenvs", screens=count,
         median_ms=round(1000 * statistics.median(times), 2), p90_ms=round(1000 * float(np.quantile(times, 0.9)), 2),
         median_cpu_ms=round(1000 * statistics.median(cpu), 2), mean_elements=round(float(np.mean(elements)), 1),
         goal="median <= 20 ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps and screens")
    args = parser.parse_args()
    scale = 1 if not args.quick else 4
    full_resolution(2000 // scale)
    vector(400 // scale)
    generation(200 // scale)


if __name__ == "__main__":
    main()
