"""``agentenvs reward check|generate|evolve``: reward programs, checked, written by an LLM, and evolved.

::

    agentenvs reward check my_reward.py --env agentenvs/Sokoban-Tiny-v0
    agentenvs reward check my_reward.py --env agentenvs/TextQuest-v0 --episodes 5 --png preview.png --json
    agentenvs reward generate --env agentenvs/Sokoban-Tiny-v0 --task "push the box onto the target" --out gen/
    agentenvs reward evolve --env agentenvs/Sokoban-Tiny-v0 --task "push the box onto the target" \
        --iterations 3 --samples 4 --budget 50000 --run-dir runs/evolve

``generate`` and ``evolve`` talk to any OpenAI-compatible server (``--base-url``/``--model`` or the
``AGENTENVS_LLM_*`` variables; docs/code_rewards.md); ``evolve`` is :mod:`baselines.evolve`.

``check``: the program is validated (the sandbox's rules, and every ``state[...]`` field against the env's
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch

import agentenvs  # noqa: F401 (registers the ids)
from agentenvs.errors import AgentEnvsError
from reward_plugins.code import RewardResult, Sandbox, check_fields, default_sandbox, validate_program
from reward_plugins.code.validate import RewardProgram
from reward_plugins.codegen import Candidate, generate_rewards
from reward_plugins.errors import RewardPluginError, RewardProgramError, RewardSandboxError
from reward_plugins.llm import ChatClient
from reward_plugins.llm.client import CacheMode
from reward_plugins.wrappers.inputs import stack_rows, to_tensor

from .cli import CLIError
from .grid.runner import atomic_write_text
from .reference import RandomPolicy, ReferencePolicy, oracle_factory
from .yaml_io import load_yaml

Trajectory = list[dict[str, Any]]
CANDIDATES_FILE = "candidates.json"


@dataclass
class Episode:
    """One played episode: the reward state after every step, the state keys (when asked for), success."""

    states: Trajectory
    keys: list[bytes]
    success: bool


def play_episodes(env: gym.Env, policy: ReferencePolicy, episodes: int, seed: int, max_steps: int,
                  keys: bool = False) -> list[Episode]:
    """Play ``episodes`` episodes (episode ``k`` from ``reset(seed=seed + k)``, at most ``max_steps`` steps each).

    Records the reward state after every step, with ``keys`` the env's ``state_key()`` too (as bytes;
    none when the env has no ``state_key``), and whether the last step reported ``is_success``.
    """
    unwrapped: Any = env.unwrapped
    key_of = getattr(unwrapped, "state_key", None) if keys else None
    played = []
    for k in range(episodes):
        obs, info = env.reset(seed=seed + k)
        policy.reset(env, obs, info)
        episode = Episode([], [], False)
        for _ in range(max_steps):
            obs, _, terminated, truncated, info = env.step(policy.act(obs))
            episode.states.append(unwrapped.reward_state())
            if key_of is not None:
                episode.keys.append(np.asarray(key_of()).tobytes())
            if terminated or truncated:
                break
        episode.success = bool(info.get("is_success", False))
        played.append(episode)
    return played


def reward_rollouts(env: gym.Env, env_id: str, episodes: int, seed: int, max_steps: int) -> dict[str, list[Trajectory]]:
    """Reward states of ``episodes`` random-policy episodes and, when ``env_id`` has an oracle, oracle episodes.

    What programs are previewed on (``reward check``) and critiqued on (``reward generate``/``evolve``):
    random play covers failure, the oracle (the registry row's) covers success.
    """
    policies: dict[str, ReferencePolicy] = {"random": RandomPolicy(env, seed)}
    factory = oracle_factory(env_id)
    if factory is not None:
        policies["oracle"] = factory(env, seed)
    return {name: [e.states for e in play_episodes(env, policy, episodes, seed, max_steps)]
            for name, policy in policies.items()}


def state_batch(trajectories: list[Trajectory]) -> dict[str, Any]:
    """Every step of ``trajectories`` as one batch of reward-state tensors (``[B, ...]``; text as lists)."""
    return dict(to_tensor(stack_rows([state for trajectory in trajectories for state in trajectory])))


def critic_states(env_id: str, env_kwargs: dict[str, Any] | None = None, episodes: int = 4, seed: int = 0,
                  max_steps: int = 100) -> dict[str, Any]:
    """One batch of ``env_id``'s reward states from random and oracle episodes, for the critic of generated code."""
    env = gym.make(env_id, **(env_kwargs or {}))
    try:
        require_reward_state(env, env_id)
        rollouts = reward_rollouts(env, env_id, episodes, seed, max_steps)
    finally:
        env.close()
    return state_batch([t for trajectories in rollouts.values() for t in trajectories])


def require_reward_state(env: gym.Env, env_id: str) -> str:
    """``env``'s ``reward_state_doc``; a :class:`CLIError` when it has no ``reward_state()`` programs could read."""
    if not callable(getattr(env.unwrapped, "reward_state", None)):
        raise CLIError(f"{env_id} has no reward_state(); reward programs read it (agentenvs ids have one: "
                       "agentenvs list)")
    return str(getattr(env.unwrapped, "reward_state_doc", "") or "")


def score(sandbox: Sandbox, program: RewardProgram | str, trajectories: list[Trajectory]) -> list[RewardResult]:
    """Rewards along each trajectory, from one batched sandbox call over all their steps."""
    result = sandbox.run(program, state_batch(trajectories))
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
        check_fields(program, require_reward_state(env, args.env))
        rollouts = reward_rollouts(env, args.env, args.episodes, args.seed, args.max_steps)
    finally:
        env.close()
    results = {name: score(default_sandbox(), program, trajectories) for name, trajectories in rollouts.items()}
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


def sandbox_runner(source: str, states: Any) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Run ``source`` on ``states`` in the process-wide sandbox: the critic's runner."""
    result = default_sandbox().run(source, states)
    return result.total, result.components


def write_candidates(folder: Path, candidates: list[Candidate]) -> list[dict[str, Any]]:
    """Write every attempt (prompt, reply, program, critic report) and each accepted program into ``folder``.

    Attempts go to ``candidates.json``, accepted programs to ``program_<k>.py``; returns the records written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for candidate in candidates:
        if candidate.source:
            atomic_write_text(folder / f"program_{candidate.index}.py", candidate.source)
    records = [c.to_dict() for c in candidates]
    atomic_write_text(folder / CANDIDATES_FILE, json.dumps(records, indent=1))
    return records


def describe(record: dict[str, Any]) -> str:
    """One line per candidate record: accepted (after how many repairs) or the last attempt's first problem."""
    if record["ok"]:
        return f"program_{record['index']}: accepted after {record['repairs']} repair(s)"
    last = record["attempts"][-1]
    problem = last["error"] or ((last["report"] or {}).get("problems") or ["?"])[0]
    return f"program_{record['index']}: rejected after {record['repairs']} repair(s): {problem.splitlines()[0]}"


def llm_client(args: argparse.Namespace, cache_dir: Path | None = None) -> ChatClient:
    """The chat client the flags describe (``--offline``: cache only; ``--no-cache``: no cache)."""
    cache: CacheMode = "only" if args.offline else "off" if args.no_cache else "on"
    return ChatClient(model=args.model, base_url=args.base_url, cache=cache, cache_dir=cache_dir, timeout=args.timeout)


def llm_name(client: ChatClient) -> str:
    """Where replies come from, for progress lines: the server's URL, or the cache when offline."""
    return f"the response cache of {client.base_url} (offline)" if client.cache_mode == "only" else client.base_url


def read_feedback(path: str | None) -> str | None:
    """The text of a ``--feedback`` file (``None`` without one)."""
    return Path(path).read_text().strip() or None if path else None


def generate(args: argparse.Namespace) -> int:
    """``reward generate``: sample programs for a task, critique and repair them, print or write them."""
    env = gym.make(args.env)
    try:
        doc = require_reward_state(env, args.env)
    finally:
        env.close()
    states = critic_states(args.env, episodes=args.episodes, seed=args.seed)
    client = llm_client(args)
    print(f"asking {llm_name(client)} for {args.samples} reward program(s) for {args.env}", file=sys.stderr, flush=True)
    with client:
        candidates = generate_rewards(client, doc, args.task, states, sandbox_runner, samples=args.samples,
                                      repair_rounds=args.repair_rounds, feedback=read_feedback(args.feedback),
                                      temperature=args.temperature, seed=args.seed)
    records = [c.to_dict() for c in candidates]
    for record in records:
        print(describe(record), file=sys.stderr)
    if args.out:
        write_candidates(Path(args.out), candidates)
        print(f"wrote {Path(args.out) / CANDIDATES_FILE} and {sum(c.ok for c in candidates)} program(s)",
              file=sys.stderr)
    else:
        for candidate in candidates:
            if candidate.source:
                print(f"# program_{candidate.index}\n{candidate.source}")
    return 0 if any(c.ok for c in candidates) else 1


def evolve(args: argparse.Namespace) -> int:
    """``reward evolve``: Eureka's loop into ``--run-dir`` (run again with the same flags to resume)."""
    from .evolve import CACHE_DIR, Evolution, EvolveConfig, file_feedback

    try:
        hyperparams = load_yaml(args.hyperparams) if args.hyperparams else {}
    except Exception as exc:  # noqa: BLE001 (yaml's errors: say which flag)
        raise CLIError(f"--hyperparams is not YAML/JSON: {exc}") from None
    if not isinstance(hyperparams, dict):
        raise CLIError(f"--hyperparams must be a mapping such as '{{n_steps: 64}}', got {args.hyperparams!r}")
    config = EvolveConfig(
        args.env, args.task, iterations=args.iterations, samples=args.samples, total_timesteps=args.budget,
        n_envs=args.n_envs, eval_freq=args.eval_freq or max(args.budget // 10, 1), eval_episodes=args.eval_episodes,
        final_seeds=args.final_seeds, seed=args.seed, algo=args.algo, hyperparams=hyperparams,
        repair_rounds=args.repair_rounds, temperature=args.temperature, critic_episodes=args.episodes,
        analysis_episodes=args.analysis_episodes)
    client = llm_client(args, Path(args.run_dir) / CACHE_DIR)
    with client:
        summary = Evolution(config, args.run_dir, client, workers=args.workers, backend=args.backend,
                            human_feedback=file_feedback(args.feedback) if args.feedback else None).run()
    if args.json:
        print(json.dumps(summary))
    elif summary["best"] is None:
        print(f"no program was accepted and trained; see {Path(args.run_dir)}/iter_*/{CANDIDATES_FILE}")
    else:
        best = summary["best"]
        print(f"best program: {Path(args.run_dir) / summary['best_program']} (iteration {best['iteration']}, "
              f"score {best['score']:.3f}); final score {summary['final_score']} over "
              f"{len(summary['final_scores'])} seed(s)")
    return 0 if summary["best"] is not None else 1


def _llm_flags(p: argparse.ArgumentParser) -> None:
    """The flags of the commands that ask an LLM."""
    p.add_argument("--env", required=True, help="env id whose reward_state() the programs read")
    p.add_argument("--task", required=True, help="what the policy should learn, in words")
    p.add_argument("--samples", type=int, default=2, help="programs sampled per request (default 2)")
    p.add_argument("--repair-rounds", type=int, default=2, help="repairs of a program the critic rejects (default 2)")
    p.add_argument("--temperature", type=float, default=1.0)
    p.add_argument("--feedback", help="a file of free-text feedback for the prompt (evolve: read after each "
                   "iteration, so it may be edited while evolve runs)")
    p.add_argument("--episodes", type=int, default=4, help="random and oracle episodes the critic's states come "
                   "from (default 4 each)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--base-url", help="the server's OpenAI-compatible root, e.g. http://127.0.0.1:8000/v1 "
                   "(default $AGENTENVS_LLM_BASE_URL, else OpenAI)")
    p.add_argument("--model", help="model name (default $AGENTENVS_LLM_MODEL, else the server's only model)")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds per request (default 120)")
    cache = p.add_mutually_exclusive_group()
    cache.add_argument("--no-cache", action="store_true", help="neither read nor write the response cache")
    cache.add_argument("--offline", action="store_true", help="replay from the response cache only; a request "
                       "not in it is an error (no server needed)")


def build_parser() -> argparse.ArgumentParser:
    """The ``agentenvs reward`` parser: ``check``, ``generate`` and ``evolve``."""
    parser = argparse.ArgumentParser(prog="agentenvs reward",
                                     description="Reward programs: check and preview, generate with an LLM, evolve.")
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

    p = sub.add_parser("generate", help="ask an LLM for reward programs, critique and repair them")
    _llm_flags(p)
    p.add_argument("--out", help="write candidates.json (prompts, replies, critic reports) and program_<k>.py here "
                   "(default: print the accepted programs)")
    p.set_defaults(func=generate)

    p = sub.add_parser("evolve", help="Eureka: generate, train, reflect, repeat; resumable (same flags)")
    _llm_flags(p)
    p.add_argument("--run-dir", required=True, help="where everything goes (docs/code_rewards.md)")
    p.add_argument("--iterations", type=int, default=2)
    p.add_argument("--budget", type=int, default=20_000, help="timesteps of each training run (default 20000)")
    p.add_argument("--final-seeds", type=int, default=3, help="seeds the best program is retrained on (default 3)")
    p.add_argument("--n-envs", type=int, default=4)
    p.add_argument("--eval-freq", type=int, help="timesteps between evaluations (default budget / 10)")
    p.add_argument("--eval-episodes", type=int, default=20)
    p.add_argument("--algo", default="ppo")
    p.add_argument("--hyperparams", help="algorithm overrides as YAML/JSON, e.g. '{n_steps: 64}'")
    p.add_argument("--workers", type=int, default=2, help="runs trained at once (default 2)")
    p.add_argument("--backend", choices=("pool", "ray"), default="pool")
    p.add_argument("--analysis-episodes", type=int, default=8, help="episodes of each iteration's best policy "
                   "the trajectory analyser plays for the next prompt (default 8)")
    p.add_argument("--no-analysis", dest="analysis_episodes", action="store_const", const=0,
                   help="no trajectory analysis: the next prompt carries the reward reflection only "
                   "(--analysis-episodes 0)")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.set_defaults(func=evolve)
    return parser


def main(argv: list[str] | None = None) -> int:
    """``agentenvs reward ...``; ``argv`` starts with ``reward`` (as the ``agentenvs`` command passes it)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["reward"]:
        argv = argv[1:]
    args = build_parser().parse_args(argv)
    counts = ("episodes", "max_steps", "samples", "iterations", "budget", "final_seeds", "n_envs", "eval_episodes",
              "workers")
    small = [name for name in counts if getattr(args, name, 1) < 1]
    small += [name for name in ("repair_rounds", "analysis_episodes") if getattr(args, name, 0) < 0]
    if small:
        print(f"error: --{small[0].replace('_', '-')} is too small: counts must be >= 1 "
              "(--repair-rounds and --analysis-episodes >= 0)", file=sys.stderr)
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
    except KeyboardInterrupt:
        print("interrupted; run the same command again to resume", file=sys.stderr)
        return 130
    except (AgentEnvsError, RewardPluginError, gym.error.Error) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
