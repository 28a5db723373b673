"""``agentenvs reward check FILE --env ID``: validate a reward program and preview it on rollouts.

::

    agentenvs reward check my_reward.py --env agentenvs/Sokoban-Tiny-v0
    agentenvs reward check my_reward.py --env agentenvs/TextQuest-v0 --episodes 5 --png preview.png --json

The program is validated (the sandbox's rules, and every ``state[...]`` field against the env's
``reward_state_doc``), then scored in the sandbox on the reward states of random-policy and oracle
episodes (the registry row's ``oracle``; skipped when the env has none), one batched call per policy.
It prints per-component statistics per policy (mean, std, min, max, share of non-zero steps) and flags
components that never change, and draws the total and each component along the first oracle and the
first random episode (PNG). A rejected program prints its line and rule and exits with status 2; a
program that fails in the sandbox exits with status 1.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

import agentenvs  # noqa: F401 (registers the ids)
from agentenvs.errors import AgentEnvsError
from reward_plugins.code import RewardResult, Sandbox, check_fields, default_sandbox, validate_program
from reward_plugins.code.validate import RewardProgram
from reward_plugins.errors import RewardPluginError, RewardProgramError, RewardSandboxError
from reward_plugins.wrappers.inputs import stack_rows, to_tensor

from .cli import CLIError
from .reference import RandomPolicy, ReferencePolicy, oracle_factory

Trajectory = list[dict[str, Any]]


def rollout_reward_states(env: gym.Env, policy: ReferencePolicy, episodes: int, seed: int,
                          max_steps: int) -> list[Trajectory]:
    """The reward state after every step of ``episodes`` episodes (episode ``k`` from ``reset(seed=seed + k)``)."""
    trajectories = []
    for k in range(episodes):
        obs, info = env.reset(seed=seed + k)
        policy.reset(env, obs, info)
        states: Trajectory = []
        for _ in range(max_steps):
            obs, _, terminated, truncated, info = env.step(policy.act(obs))
            states.append(env.unwrapped.reward_state())  # type: ignore[attr-defined]
            if terminated or truncated:
                break
        trajectories.append(states)
    return trajectories


def score(sandbox: Sandbox, program: RewardProgram, trajectories: list[Trajectory]) -> list[RewardResult]:
    """Rewards along each trajectory, from one batched sandbox call over all their steps."""
    rows = [state for trajectory in trajectories for state in trajectory]
    result = sandbox.run(program, to_tensor(stack_rows(rows)))
    out, start = [], 0
    for trajectory in trajectories:
        end = start + len(trajectory)
        out.append(RewardResult(result.total[start:end], {k: v[start:end] for k, v in result.components.items()}))
        start = end
    return out


def component_stats(results: list[RewardResult]) -> dict[str, dict[str, float]]:
    """Per term (``total`` and each component): mean, std, min, max and share of non-zero steps over all steps."""
    names = ["total", *results[0].components]
    stats = {}
    for name in names:
        values = np.concatenate([(r.total if name == "total" else r.components[name]).numpy() for r in results])
        stats[name] = {"mean": float(values.mean()), "std": float(values.std()), "min": float(values.min()),
                       "max": float(values.max()), "nonzero": float((values != 0).mean()), "steps": int(values.size)}
    return stats


def plot(curves: dict[str, RewardResult], title: str, path: Path) -> Path:
    """Total and components along one episode per policy, one panel per policy."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(curves), figsize=(5.5 * len(curves), 3.2), squeeze=False,
                             constrained_layout=True)
    for ax, (policy, result) in zip(axes[0], curves.items()):
        steps = np.arange(1, result.total.numel() + 1)
        ax.plot(steps, result.total.numpy(), color="black", lw=2, marker=".", label="total")
        for name, values in result.components.items():
            ax.plot(steps, values.numpy(), lw=1, marker=".", label=name)
        ax.set_title(f"{policy} episode ({steps.size} steps)")
        ax.set_xlabel("step")
        ax.set_ylabel("reward")
        ax.legend(fontsize=7)
    fig.suptitle(title, fontsize=9)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def check(args: argparse.Namespace) -> int:
    """``reward check``: validate, score on random and oracle episodes, print statistics, draw the PNG."""
    source = Path(args.file).read_text()
    program = validate_program(source)
    env = gym.make(args.env)
    try:
        if not callable(getattr(env.unwrapped, "reward_state", None)):
            raise CLIError(f"{args.env} has no reward_state(); reward programs read it (agentenvs ids have one: "
                           "agentenvs list)")
        check_fields(program, getattr(env.unwrapped, "reward_state_doc", ""))
        policies: dict[str, ReferencePolicy] = {"random": RandomPolicy(env, args.seed)}
        factory = oracle_factory(args.env)
        if factory is not None:
            policies["oracle"] = factory(env, args.seed)
        results = {name: score(default_sandbox(), program, rollout_reward_states(env, policy, args.episodes,
                                                                                  args.seed, args.max_steps))
                   for name, policy in policies.items()}
    finally:
        env.close()
    stats = {name: component_stats(r) for name, r in results.items()}
    constant = [term for term in stats["random"] if len({(s[term]["min"], s[term]["max"]) for s in stats.values()}) == 1
                and stats["random"][term]["std"] == 0.0]
    png = plot({name: r[0] for name, r in reversed(results.items())}, f"{Path(args.file).name} on {args.env}",
               Path(args.png or Path(args.file).with_suffix(".png")))
    summary = {"program": args.file, "sha256": program.sha256, "env": args.env, "fields": sorted(program.fields or []),
               "stats": stats, "constant": constant, "png": str(png),
               "oracle": "oracle" in results}
    if args.json:
        print(json.dumps(summary))
        return 0
    print(f"{args.file}: accepted (sha256 {program.sha256[:12]}), reads {summary['fields'] or 'the whole state'}")
    if "oracle" not in results:
        print(f"note: {args.env} has no oracle; random episodes only")
    for name, table in stats.items():
        print(f"{name} policy, {args.episodes} episodes, {table['total']['steps']} steps:")
        print(f"  {'term':<20} {'mean':>9} {'std':>9} {'min':>9} {'max':>9} {'nonzero':>8}")
        for term, row in table.items():
            print(f"  {term:<20} {row['mean']:>9.4g} {row['std']:>9.4g} {row['min']:>9.4g} {row['max']:>9.4g} "
                  f"{row['nonzero']:>8.1%}")
    for term in constant:
        print(f"warning: {term!r} is constant on every policy's states; rescale it, fix it or drop it")
    print(f"wrote {png}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The ``agentenvs reward`` parser (``check``; ``generate`` and ``evolve`` join it as sub-commands)."""
    parser = argparse.ArgumentParser(prog="agentenvs reward", description="Reward programs: check and preview.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("check", help="validate a reward program and preview it on random and oracle episodes")
    p.add_argument("file", help="a Python file defining compute_reward(state)")
    p.add_argument("--env", required=True, help="env id whose reward_state() the program reads")
    p.add_argument("--episodes", type=int, default=3, help="episodes per policy (default 3)")
    p.add_argument("--max-steps", type=int, default=200, help="steps per episode at most (default 200)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--png", help="where to draw the preview (default: FILE with .png)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p.set_defaults(func=check)
    return parser


def main(argv: list[str] | None = None) -> int:
    """``agentenvs reward ...``; ``argv`` starts with ``reward`` (as the ``agentenvs`` command passes it)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["reward"]:
        argv = argv[1:]
    args = build_parser().parse_args(argv)
    if getattr(args, "episodes", 1) < 1 or getattr(args, "max_steps", 1) < 1:
        print("error: --episodes and --max-steps must be >= 1", file=sys.stderr)
        return 2
    try:
        return int(args.func(args))
    except RewardProgramError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RewardSandboxError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: cannot read {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 2
    except (AgentEnvsError, RewardPluginError, gym.error.Error) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
