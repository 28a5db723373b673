"""The README demo: does shaping help PPO on a sparse reward? Sokoban-Tiny, then GUICursor-Small.

Runs two grids through :func:`baselines.grid.run_grid` on 2 worker processes and reports each
with :func:`baselines.report.write_report`:

- ``baselines/grids/demo.yaml``: Sokoban-Tiny-v0, PPO with no shaping vs a count bonus vs RND,
  3 seeds; report in ``OUT/`` (learning curves, performance profile, results.md, results.tex);
- ``baselines/grids/gui_cursor.yaml``: GUICursor-Small-v0, PPO with the sparse click reward vs
  ``gaussian_potential`` vs ``gui_cursor``, 3 seeds; report in ``OUT/gui/``.

Runs go to ``OUT/runs``. About 5 minutes on 2 CPU cores; rerunning reuses the finished runs (and
resumes a killed demo)::

    python -m baselines.demo [--steps N] [--seeds N] [--workers N] [--out DIR] [--grids sokoban gui]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import yaml

GRIDS_DIR = Path(__file__).with_name("grids")
DEMO_SPEC = GRIDS_DIR / "demo.yaml"
GUI_SPEC = GRIDS_DIR / "gui_cursor.yaml"
DEMO_GRIDS: dict[str, tuple[Path, str]] = {"sokoban": (DEMO_SPEC, "."), "gui": (GUI_SPEC, "gui")}
"""Demo grid name -> (its spec, its report's folder under OUT), in the order they run."""


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
    """Run the demo grids and write their reports; exit status 1 when a run failed."""
    parser = argparse.ArgumentParser(prog="python -m baselines.demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, help="env steps per run, every grid (default: each grid's budget)")
    parser.add_argument("--seeds", type=int, help="seeds per shaper (default 3)")
    parser.add_argument("--workers", type=int, default=2, help="runs trained at once (default 2)")
    parser.add_argument("--out", default="results/demo",
                        help="report directory (default results/demo; the GUI grid's in OUT/gui); runs go to OUT/runs")
    parser.add_argument("--grids", nargs="+", choices=list(DEMO_GRIDS), default=list(DEMO_GRIDS),
                        help="which grids to run (default: all, in this order)")
    args = parser.parse_args(argv)

    from .grid import GridSpecError, load_spec, run_grid
    from .grid.spec import GridShaperError
    from .report import write_report
    from .validate import validate_runs

    specs = {name: load_spec(demo_spec(args.steps, args.seeds, DEMO_GRIDS[name][0])) for name in args.grids}
    validate_runs([run for spec in specs.values() for run in spec.runs()], GridSpecError,  # all, before any run
                  shaper_error=GridShaperError)
    out = Path(args.out)
    started = time.time()
    ok = True
    files: list[Path] = []
    for name, spec in specs.items():
        grid_started = time.time()
        result = run_grid(spec, out / "runs", workers=args.workers, validate=False)
        for run in result.failed:
            print(f"FAILED {run}:\n{result.errors[run]}")
        ok = ok and result.ok
        report = write_report(out / "runs", out / DEMO_GRIDS[name][1], include=result.states)  # this grid's runs only
        print()
        print(report.markdown)
        print(f"Grid {name} finished in {time.time() - grid_started:.0f} s.")
        files += report.files
    print(f"Demo finished in {time.time() - started:.0f} s. Files:")
    for file in files:
        print(f"  {file}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
