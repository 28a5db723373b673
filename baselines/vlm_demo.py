"""PPO on Sokoban-Visual with VLM-RM's CLIP reward (``vlm_clip``) from a local model folder, vs no shaping.

Runs the grid of ``baselines/grids/vlm_clip.yaml`` with ``--model`` as the CLIP folder (or model
id) of every ``vlm_clip`` shaper, through :func:`baselines.grid.run_grid`, then
:func:`baselines.report.write_report` into ``OUT/``::

    python -m baselines.vlm_demo --model models/clip-vit-base-patch32 [--steps N] [--seeds N] [--out DIR]

docs/vlm.md shows how to save the CLIP folder and how to use VLM-RM's batched mode instead
(:class:`reward_plugins.vlm.sb3_batched.BatchedRewardCallback`).
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from .demo import demo_spec

VLM_SPEC = Path(__file__).with_name("grids") / "vlm_clip.yaml"


def vlm_spec(model: str, steps: int | None = None, seeds: int | None = None, n_envs: int | None = None,
             hyperparams: dict[str, Any] | None = None) -> dict:
    """The grid of ``vlm_clip.yaml`` with ``model`` in every ``vlm_clip`` shaper and the budget optionally changed."""
    spec = demo_spec(steps, seeds, VLM_SPEC)
    model = str(Path(model).resolve()) if Path(model).expanduser().is_dir() else model
    for entry in spec["shapers"]:
        for shaper in entry if isinstance(entry, list) else []:
            if shaper.get("name") == "vlm_clip":
                shaper["kwargs"]["model"] = model
    if n_envs is not None:
        spec["budget"]["n_envs"] = n_envs
    if hyperparams:
        spec["hyperparams"] = {**spec.get("hyperparams", {}), **hyperparams}
    return spec


def main(argv: list[str] | None = None) -> int:
    """Run the grid and write its report; exit status 1 when a run failed."""
    parser = argparse.ArgumentParser(prog="python -m baselines.vlm_demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="CLIP folder (CLIPModel.save_pretrained + tokenizer) or id")
    parser.add_argument("--steps", type=int, help="env steps per run (default: the grid's budget)")
    parser.add_argument("--seeds", type=int, help="seeds per shaping (default 3)")
    parser.add_argument("--n-envs", type=int, help="envs per run (default: the grid's)")
    parser.add_argument("--workers", type=int, default=2, help="runs trained at once (default 2)")
    parser.add_argument("--out", default="results/vlm_clip", help="report directory; runs go to OUT/runs")
    args = parser.parse_args(argv)

    from .grid import run_grid
    from .report import write_report

    out = Path(args.out)
    started = time.time()
    result = run_grid(vlm_spec(args.model, args.steps, args.seeds, args.n_envs), out / "runs", workers=args.workers)
    for name in result.failed:
        print(f"FAILED {name}:\n{result.errors[name]}")
    report = write_report(out / "runs", out, include=result.states)
    print(report.markdown)
    print(f"Finished in {time.time() - started:.0f} s; report files: {', '.join(map(str, report.files))}")
    return 0 if result.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
