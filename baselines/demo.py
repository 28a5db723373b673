"""The README demo: does an exploration bonus help PPO on sparse-reward Sokoban?

Runs the grid of ``baselines/grids/demo.yaml`` (Sokoban-Tiny-v0, PPO; no shaping vs a count
bonus vs RND; 3 seeds) through :func:`baselines.grid.run_grid` on 2 worker processes, then
:func:`baselines.report.write_report` into ``results/demo/``: learning curves, performance
profile, results.md and results.tex. About 3 minutes on 2 CPU cores; rerunning reuses the
finished runs (and resumes a killed demo)::

    python -m baselines.demo [--steps N] [--seeds N] [--workers N] [--out DIR]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import yaml

DEMO_SPEC = Path(__file__).with_name("grids") / "demo.yaml"


def demo_spec(steps: int | None = None, seeds: int | None = None, path: Path = DEMO_SPEC) -> dict:
    """The demo grid's spec (or the grid at ``path``), the step budget and number of seeds optionally changed."""
    spec = yaml.safe_load(path.read_text())
    if steps is not None:
        budget = spec["budget"]
        budget["total_timesteps"] = steps
        budget["eval_freq"] = min(budget["eval_freq"], max(steps // 4, 1))
        budget["checkpoint_freq"] = min(budget["checkpoint_freq"], max(steps // 2, 1))
    if seeds is not None:
        spec["seeds"] = seeds
    return spec


def main(argv: list[str] | None = None) -> int:
    """Run the demo grid and write its report; exit status 1 when a run failed."""
    parser = argparse.ArgumentParser(prog="python -m baselines.demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, help="env steps per run (default: demo.yaml's budget)")
    parser.add_argument("--seeds", type=int, help="seeds per shaper (default 3)")
    parser.add_argument("--workers", type=int, default=2, help="runs trained at once (default 2)")
    parser.add_argument("--out", default="results/demo",
                        help="report directory (default results/demo); runs go to OUT/runs")
    args = parser.parse_args(argv)

    from .grid import run_grid
    from .report import write_report

    out = Path(args.out)
    started = time.time()
    result = run_grid(demo_spec(args.steps, args.seeds), out / "runs", workers=args.workers)
    if not result.ok:
        for name in result.failed:
            print(f"FAILED {name}:\n{result.errors[name]}")
    report = write_report(out / "runs", out, include=result.states)  # this grid's runs, not earlier ones
    print()
    print(report.markdown)
    print(f"Demo finished in {time.time() - started:.0f} s. Files:")
    for path in report.files:
        print(f"  {path}")
    return 0 if result.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
