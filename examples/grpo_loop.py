"""A GRPO-style loop over GroupedVectorEnv, with a random policy standing in for the LLM.

Each iteration draws ``groups`` tasks, runs ``group_size`` episodes of each (every env of a group
starts from the same level), adds a text novelty bonus with a reward_plugins shaper, and turns
each episode's return into a group-relative advantage: ``(R - mean(group)) / std(group)``, the
signal GRPO multiplies into the log-probabilities of the episode's tokens. Here the "policy" is a
softmax over the four moves, and the update nudges it towards the moves of above-average episodes;
swap ``completions`` for your model's sampler and the update for your trainer's loss.

Prints one JSON line per group and iteration: its task seed, episodes, success rate, pass@k, mean
raw return, and each episode's shaped return and advantage.

Usage:
    python examples/grpo_loop.py [--iterations 3] [--groups 4] [--group-size 4] [--backend sync]
"""
from __future__ import annotations

import argparse
import json

import numpy as np

import agentenvs  # noqa: F401  (registers the ids)
from agentenvs.agents.grouped import GroupedVectorEnv, group_relative_advantages
from reward_plugins.wrappers import ShapedVectorEnv

MOVES = ("up", "down", "left", "right")


def completions(logits: np.ndarray, n: int, rng: np.random.Generator) -> tuple[np.ndarray, list[str]]:
    """What the "LLM" writes: a sampled move in answer tags, and now and then text that names no move."""
    probs = np.exp(logits - logits.max())
    moves = rng.choice(len(MOVES), size=n, p=probs / probs.sum())
    texts = [f"<answer>{MOVES[m]}</answer>" if rng.random() > 0.05 else "Let me think about this." for m in moves]
    return moves, texts


def run(iterations: int, groups: int, group_size: int, backend: str, max_steps: int, seed: int) -> None:
    """Collect ``iterations`` rounds of grouped episodes, print each group's statistics, update the policy."""
    base = GroupedVectorEnv("agentenvs/Sokoban-Text-v0", groups, group_size, backend, max_steps=max_steps)
    env = ShapedVectorEnv(base, {"name": "episodic_count", "kwargs": {"input": "text"}}, weights=0.05)
    rng = np.random.default_rng(seed)
    logits = np.zeros(len(MOVES))
    n = base.num_envs
    for iteration in range(iterations):
        tasks = [{"seed": seed + iteration * groups + g} for g in range(groups)]
        env.reset(options={"tasks": tasks})
        shaped = np.zeros(n)
        chosen = np.zeros((n, len(MOVES)))
        while base.active_mask.any():
            moves, texts = completions(logits, n, rng)
            _, rewards, _, _, info = env.step(texts)
            active = info["active_mask"]
            shaped += np.where(active, rewards, 0.0)
            chosen[np.flatnonzero(active), moves[active]] += 1
        advantages = group_relative_advantages(shaped.reshape(groups, group_size))
        frequencies = chosen / np.maximum(chosen.sum(axis=1, keepdims=True), 1)
        logits += 0.5 * (advantages.reshape(n, 1) * frequencies).mean(axis=0)
        stats = base.episode_stats()
        for g in range(groups):
            print(json.dumps({
                "iteration": iteration, "group": g, "seed": tasks[g]["seed"],
                "episodes": int(stats["episodes"][g]), "success_rate": float(stats["success_rate"][g]),
                f"pass@{group_size}": float(stats[f"pass@{group_size}"][g]),
                "mean_return": float(stats["mean_return"][g]),
                "shaped_returns": np.round(shaped.reshape(groups, group_size)[g], 4).tolist(),
                "advantages": np.round(advantages[g], 3).tolist(),
            }), flush=True)
    env.close()


def main() -> None:
    """Parse the command line and run the loop."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--groups", type=int, default=4)
    parser.add_argument("--group-size", type=int, default=4)
    parser.add_argument("--backend", default="sync", choices=("sync", "thread", "process", "ray"))
    parser.add_argument("--max-steps", type=int, default=40, help="turns per episode")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    run(args.iterations, args.groups, args.group_size, args.backend, args.max_steps, args.seed)


if __name__ == "__main__":
    main()
