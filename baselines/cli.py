"""The ``agentenvs-baselines`` command line (also ``agentenvs train|grid|report|demo|shapers``).

::

    agentenvs-baselines train --env agentenvs/Sokoban-Tiny-v0 --algo ppo --shaper count:0.01 --seed 0 --steps 50000
    agentenvs-baselines grid baselines/grids/example.yaml --runs-dir runs/example --workers 4
    agentenvs-baselines grid baselines/grids/example.yaml --backend ray --address auto
    agentenvs-baselines report runs/example --out results/example
    agentenvs-baselines demo
    agentenvs-baselines shapers

Configuration errors (unknown env id, shaper, algorithm, hyperparameter or device, a hyperparameter
value, env kwarg or shaper argument that is refused, a negative seed or step count, a malformed
spec) print one line that names the valid choices and exit with status 2, before any file is
written; a grid with failed runs exits with status 1. Ctrl-C during ``train`` saves a checkpoint,
prints how to resume and exits with status 130.
"""
from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path
from typing import Any

from agentenvs.errors import AgentEnvsError
from reward_plugins.errors import RewardPluginError

from .yaml_io import load_yaml


class CLIError(AgentEnvsError, ValueError):
    """A command-line argument is malformed."""


def parse_shaper(text: str) -> Any:
    """One ``--shaper`` as a ``reward_plugins.ShaperSpec``.

    ``text`` is ``name``, ``name:weight``, or a YAML/JSON spec mapping such as
    ``'{name: count, kwargs: {beta: 0.1}, weight: 0.01}'``.
    """
    from reward_plugins import ShaperSpec

    where = f"--shaper {text!r}"
    if text.lstrip().startswith("{"):
        return ShaperSpec.parse(load_yaml(text), where)
    name, _, weight = text.partition(":")
    if not name:
        raise CLIError(f"{where}: write name or name:weight, e.g. count:0.01")
    try:
        value = float(weight) if weight else 1.0
    except ValueError:
        raise CLIError(f"{where}: the weight after ':' must be a number, e.g. count:0.01") from None
    return ShaperSpec.parse({"name": name, "weight": value}, where)


def parse_overrides(items: list[str]) -> dict[str, Any]:
    """``key=value`` pairs (values parsed as YAML; dotted keys nest) -> a dict."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CLIError(f"{item!r}: write key=value, e.g. learning_rate=3e-4 or policy_kwargs.net_arch=[64,64]")
        node = out
        *parents, leaf = key.split(".")
        for depth, part in enumerate(parents):
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise CLIError(f"{item!r}: {'.'.join(parents[:depth + 1])} was already given a value; "
                               "set either it or its sub-keys")
        node[leaf] = load_yaml(value)
    return out


def build_run_config(args: argparse.Namespace) -> Any:
    """The :class:`RunConfig` of ``train``'s arguments, validated like a grid's runs."""
    from reward_plugins import ShaperSpec

    from .config import RunConfig
    from .validate import validate_runs

    shapers = [spec for spec in map(parse_shaper, args.shaper) if spec.name != "none"]  # as in grids: none
    if args.label and ("/" in args.label or "\\" in args.label):
        raise CLIError(f"--label {args.label!r} contains a path separator; labels name run directories")
    kwargs_list = args.shaper_kwargs or []
    if len(kwargs_list) > len(shapers):
        raise CLIError(f"{len(kwargs_list)} --shaper-kwargs for {len(shapers)} --shaper: "
                       "give one JSON object per shaper, in order")
    for i, text in enumerate(kwargs_list):
        try:
            kwargs = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CLIError(f"--shaper-kwargs {text!r} is not JSON ({exc}); e.g. '{{\"lr\": 0.001}}'") from None
        spec = shapers[i]
        merged = {**spec.kwargs, **kwargs} if isinstance(kwargs, dict) else kwargs
        shapers[i] = ShaperSpec.parse({"name": spec.name, "kwargs": merged, "weight": spec.weight},
                                      f"--shaper-kwargs {text!r}")
    env_kwargs = parse_overrides(args.env_kwarg)
    config = RunConfig(env_id=args.env, algo=args.algo, seed=args.seed, total_timesteps=args.steps,
                       env_kwargs=env_kwargs, shapers=shapers, hyperparams=parse_overrides(args.hp), n_envs=args.n_envs,
                       eval_freq=args.eval_freq, eval_episodes=args.eval_episodes,
                       checkpoint_freq=args.checkpoint_freq, device=args.device, label=args.label)
    validate_runs([config])
    return config


def _train(args: argparse.Namespace) -> int:
    from .train import TrainingInterrupted, train

    config = build_run_config(args)
    run_dir = Path(args.out) if args.out else Path("runs") / config.run_name
    try:
        result = train(config, run_dir, resume=not args.fresh, keep_checkpoints=args.keep_checkpoints)
    except TrainingInterrupted as stop:
        command = shlex.join(["agentenvs-baselines", *(a for a in args.argv if a != "--fresh")])
        print(f"interrupted at step {stop.timesteps}: checkpoint saved in {run_dir}; resume with: {command}",
              file=sys.stderr)
        return 130
    final = result.get("final_eval") or {}
    print(f"{run_dir}: {result['timesteps']} steps, success rate {final.get('success_rate')}, "
          f"return {final.get('return_mean')}")
    return 0


def _grid(args: argparse.Namespace) -> int:
    from .grid import run_grid

    runs_dir = Path(args.runs_dir) if args.runs_dir else Path("runs") / Path(args.spec).stem
    result = run_grid(args.spec, runs_dir, workers=args.workers, backend=args.backend, address=args.address)
    complete = sum(s in ("done", "skipped") for s in result.states.values())
    print(f"{runs_dir}: {complete}/{len(result.states)} runs complete")
    for name in result.failed:
        print(f"FAILED {name}:\n{result.errors[name]}", file=sys.stderr)
    return 0 if result.ok else 1


def _report(args: argparse.Namespace) -> int:
    from .report import write_report

    include = None
    if args.grid:
        from .grid import load_spec

        spec_path = Path(args.runs_dir) / f"{args.grid}.grid.yaml"
        include = [c.run_name for c in load_spec(spec_path if spec_path.exists() else args.grid).runs()]
    report = write_report(args.runs_dir, args.out, include=include)
    print(report.markdown)
    print("\n".join(str(p) for p in report.files))
    return 0


def _shapers(_: argparse.Namespace) -> int:
    from reward_plugins import available_shapers, shaper_class

    names = available_shapers()
    width = max(map(len, names), default=0)
    for name in names:
        try:
            doc = " ".join((shaper_class(name).__doc__ or "").strip().split("\n\n")[0].split())
        except Exception as exc:  # noqa: BLE001  (a broken plugin should not hide the others)
            doc = f"(cannot import: {exc})"
        print(f"{name:<{width}}  {doc}")
    return 0


def _run_defaults() -> dict[str, Any]:
    """RunConfig's own defaults, so the CLI never states a second one."""
    import dataclasses

    from .config import RunConfig

    return {f.name: f.default for f in dataclasses.fields(RunConfig) if f.default is not dataclasses.MISSING}


def build_parser() -> argparse.ArgumentParser:
    """The parser of every subcommand (``demo`` passes its arguments on to :mod:`baselines.demo`)."""
    defaults = _run_defaults()
    parser = argparse.ArgumentParser(prog="agentenvs-baselines",
                                     description="SB3 baselines, experiment grids and reports.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="train one agent", description="Train one agent; the run directory is resumable.")
    p.add_argument("--env", required=True, help="env id, e.g. agentenvs/Sokoban-Tiny-v0")
    p.add_argument("--algo", default=defaults["algo"],
                   help="ppo (maskable when the env has action masks), a2c, dqn, maskable_ppo")
    p.add_argument("--shaper", action="append", default=[], metavar="NAME[:WEIGHT]",
                   help="add a shaper (repeatable); see `agentenvs-baselines shapers`")
    p.add_argument("--shaper-kwargs", action="append", metavar="JSON",
                   help="constructor kwargs of the i-th --shaper, as a JSON object (repeatable, in order)")
    p.add_argument("--seed", type=int, default=defaults["seed"])
    p.add_argument("--steps", type=int, default=defaults["total_timesteps"], help="total env steps")
    p.add_argument("--hp", action="append", default=[], metavar="KEY=VALUE",
                   help="hyperparameter override (YAML value; dotted keys nest), e.g. learning_rate=lin_3e-4")
    p.add_argument("--env-kwarg", action="append", default=[], metavar="KEY=VALUE", help="env constructor argument")
    p.add_argument("--n-envs", type=int, default=defaults["n_envs"])
    p.add_argument("--eval-freq", type=int, default=defaults["eval_freq"])
    p.add_argument("--eval-episodes", type=int, default=defaults["eval_episodes"])
    p.add_argument("--checkpoint-freq", type=int, default=defaults["checkpoint_freq"])
    p.add_argument("--device", default=defaults["device"])
    p.add_argument("--label", help="method name in reports (default: the shaper names)")
    p.add_argument("--out", help="run directory (default runs/<run name>)")
    p.add_argument("--fresh", action="store_true", help="start over instead of resuming the run directory")
    p.add_argument("--keep-checkpoints", type=int, default=2, metavar="N",
                   help="keep the N latest checkpoints (and the best evaluated one)")
    p.set_defaults(func=_train)

    p = sub.add_parser("grid", help="run an experiment grid from a YAML spec",
                       description="Run every incomplete run of a grid; rerunning finishes a killed grid.")
    p.add_argument("spec", help="grid YAML file (see baselines/grids/example.yaml)")
    p.add_argument("--runs-dir", help="parent of the run directories (default runs/<spec stem>)")
    p.add_argument("--workers", type=int, default=2, help="runs trained at once")
    p.add_argument("--backend", choices=("pool", "ray"), default="pool")
    p.add_argument("--address", help="Ray cluster address (default: start a local Ray instance)")
    p.set_defaults(func=_grid)

    p = sub.add_parser("report", help="aggregate complete runs into plots and tables")
    p.add_argument("runs_dir")
    p.add_argument("--out", help="output directory (default RUNS_DIR/report)")
    p.add_argument("--grid", help="only this grid's runs: a grid name (RUNS_DIR/NAME.grid.yaml) or a grid YAML file")
    p.set_defaults(func=_report)

    # `demo` hands its arguments to python -m baselines.demo (see main).
    sub.add_parser("demo", help="the README demo: count / RND bonuses on Sokoban-Tiny, then Gaussian / GUI-Cursor "
                                "rewards on GUICursor-Small (~4 min, 2 cores); options: demo --help", add_help=False)

    sub.add_parser("shapers", help="list the registered reward shapers").set_defaults(func=_shapers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``agentenvs-baselines`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv[:1] == ["demo"]:
            from .demo import main as demo_main

            return demo_main(argv[1:])
        args = build_parser().parse_args(argv)
        args.argv = argv
        return args.func(args)
    except (AgentEnvsError, RewardPluginError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # outside training (which checkpoints and says how to resume)
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
