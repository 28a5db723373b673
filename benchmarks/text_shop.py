"""TextShop speed and memory: catalogue generation, search and click steps, envs sharing one catalogue. JSON lines.

Lines (each with ``bench``, ``what``, ``peak_rss_mb`` and ``load1``, the 1-minute load average):

- ``catalogue_generation``: products/s generating catalogues of 10,000 (median of 5), 100,000
  and 1,000,000 products;
- ``search_index_build``: building the shared BM25 index at ``--products`` (default 100,000);
- ``search_step``: median ms of ``env.step("search[...]")`` at ``--products``, for queries
  naming a product type, for whole goal instructions (a dozen words), and both (goal <= 5 ms);
- ``click_step``: median ms of click steps (product pages, their sub-pages and result pages;
  goal <= 0.5 ms);
- ``memory``: resident memory added by the first env (catalogue and index included) and by 63
  more envs sharing its catalogue, per env (also as Python allocations traced by tracemalloc).

    python benchmarks/text_shop.py [--products 100000] [--steps 400]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import time
import tracemalloc
from pathlib import Path
from typing import Any

from agentenvs.shop import Catalogue
from agentenvs.text.shop_env import TextShopEnv

GOALS_MS = {"search_step": 5.0, "click_step": 0.5}


def rss_mb() -> float:
    """Current resident memory of this process in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def emit(what: str, **fields: Any) -> None:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"bench": "text_shop", "what": what, **fields, "peak_rss_mb": round(peak, 1),
                      "load1": round(os.getloadavg()[0], 2)}), flush=True)


def time_generation() -> None:
    for size, repeats in ((10_000, 5), (100_000, 3), (1_000_000, 1)):
        times = []
        for seed in range(repeats):
            start = time.perf_counter()
            Catalogue(1000 + seed, size)
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        emit("catalogue_generation", products=size, median_s=round(median, 4), products_per_s=round(size / median))


def timed_step(env: TextShopEnv, action: str) -> float:
    start = time.perf_counter()
    env.step(action)
    return (time.perf_counter() - start) * 1000


def time_steps(products: int, steps: int) -> None:
    before = rss_mb()
    env = TextShopEnv(num_products=products, max_steps=10**9)
    start = time.perf_counter()
    index = env.catalogue.search_index
    emit("search_index_build", products=index.size, seconds=round(time.perf_counter() - start, 2))
    first_env_mb = rss_mb() - before
    search_ms: dict[str, list[float]] = {"product type": [], "whole instruction": []}
    click_ms: list[float] = []
    for seed in range(steps):
        env.reset(seed=seed)
        goal = env.goal()
        kind = "whole instruction" if seed % 2 else "product type"
        search_ms[kind].append(timed_step(env, f"search[{goal.text if seed % 2 else goal.query}]"))
        click_ms.append(timed_step(env, "click[next >]"))
        click_ms.append(timed_step(env, "click[< prev]"))
        first = next(c for c in env.admissible_commands() if c.startswith("click[b0"))
        click_ms.append(timed_step(env, first))
        for action in ("click[features]", "click[< prev]", "click[description]", "click[< prev]"):
            click_ms.append(timed_step(env, action))
    runs = [("search_step", f"query: {kind}", samples) for kind, samples in search_ms.items()]
    runs += [("search_step", "query: both", search_ms["product type"] + search_ms["whole instruction"]),
             ("click_step", "results, product and sub-pages", click_ms)]
    for what, detail, samples in runs:
        median = statistics.median(samples)
        emit(what, detail=detail, products=products, steps=len(samples), median_ms=round(median, 4),
             p90_ms=round(statistics.quantiles(samples, n=10)[-1], 4), goal_ms=GOALS_MS[what],
             meets_goal=median <= GOALS_MS[what])
    before_more = rss_mb()
    tracemalloc.start()
    more = [TextShopEnv(num_products=products) for _ in range(63)]
    for seed, other in enumerate(more):
        other.reset(seed=seed)
        other.step("search[shirt]")
    traced = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.stop()
    shared = all(other.catalogue is env.catalogue for other in more)
    per_env = (rss_mb() - before_more) / len(more)
    columns_mb = sum(getattr(env.catalogue, c).nbytes for c in ("category", "product_type", "brand", "adjective",
                                                                 "attributes", "option_mask", "price_cents")) / 2**20
    emit("memory", products=products, first_env_mb=round(first_env_mb, 1), catalogue_columns_mb=round(columns_mb, 2),
         envs=64, total_mb=round(first_env_mb + per_env * len(more), 1), per_extra_env_mb=round(per_env, 3),
         per_extra_env_traced_kb=round(traced * 1024 / len(more), 1), share_one_catalogue=shared)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=400, help="episodes timed (one search, seven clicks each)")
    args = parser.parse_args()
    time_steps(args.products, args.steps)
    time_generation()


if __name__ == "__main__":
    main()
