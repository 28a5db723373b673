"""A GRPO-style loop: grouped LLM envs, chat messages, a reward shaper, group-relative advantages.

Each iteration takes ``groups`` task rows (``agentenvs.agents.tasks``) and runs ``group_size``
episodes of each in a :class:`GroupedVectorEnv` of :class:`~agentenvs.agents.LLMEnv` envs (the
``answer_tag`` parser, the ``"feedback"`` invalid-action policy, a format penalty), wrapped in a
``reward_plugins`` shaper (a text novelty bonus). Every env has a :class:`ChatHistory`: the
policy reads its OpenAI-format messages (system: rules and answer format; user: boards; assistant:
earlier replies, the last ``k`` turns kept) and writes a completion, as an LLM would. Here the
policy is a softmax over the four moves that reads the player's surroundings from the last
message and avoids walls; the update nudges its logits towards the moves of above-average
episodes. Swap ``reply`` for your model's sampler and the update for your trainer's loss.

Prints one JSON line per group and iteration: the task, episodes, success rate, pass@k, mean raw
return, valid-action rate, each episode's shaped return and its advantage
``(R - mean(group)) / std(group)``, and the roles of the last prompt of the group's first env.

Usage:
    python examples/grpo_loop.py [--iterations 3] [--groups 4] [--group-size 4] [--backend sync]
"""
from __future__ import annotations

import argparse
import json
from typing import Any

import numpy as np

import agentenvs  # noqa: F401  (registers the ids)
from agentenvs.agents import ChatHistory, make, tasks
from agentenvs.agents.grouped import GroupedVectorEnv, group_relative_advantages
from reward_plugins.wrappers import ShapedVectorEnv

ENV_ID = "agentenvs/Sokoban-Text-v0"
MOVES = ("up", "down", "left", "right")
STEPS = {"up": (-1, 0), "down": (1, 0), "left": (0, -1), "right": (0, 1)}


def reply(messages: list[dict[str, Any]], logits: np.ndarray, rng: np.random.Generator) -> tuple[int, str]:
    """What the "LLM" writes to ``messages``: a move that does not face a wall, now and then text that names none."""
    board = messages[-1]["content"].split("\n\n")[-1].splitlines()  # after any "Invalid action: ..." feedback
    row = next(r for r, line in enumerate(board) if "@" in line or "+" in line)
    col = max(board[row].find("@"), board[row].find("+"))
    open_moves = np.array([0.0 if _cell(board, row + dr, col + dc) == "#" else 1.0 for dr, dc in STEPS.values()])
    probs = np.exp(logits - logits.max()) * open_moves
    move = int(rng.choice(len(MOVES), p=probs / probs.sum()))
    return move, f"<answer>{MOVES[move]}</answer>" if rng.random() > 0.05 else "Let me think about this."


def _cell(board: list[str], row: int, col: int) -> str:
    return board[row][col] if 0 <= row < len(board) and 0 <= col < len(board[row]) else "#"


def run(iterations: int, groups: int, group_size: int, backend: str, max_turns: int, seed: int) -> None:
    """Collect ``iterations`` rounds of grouped episodes, print each group's statistics, update the policy."""
    base = GroupedVectorEnv(ENV_ID, groups, group_size, backend, maker="agentenvs.agents.llm_env:make",
                            max_turns=max_turns, invalid_action="feedback")
    env = ShapedVectorEnv(base, {"name": "episodic_count", "kwargs": {"input": "text"}}, weights=0.05)
    prompts = make(ENV_ID)  # the system prompt's source (the rules and answer format); it plays no episode
    chats = [ChatHistory(prompts, mode="window", k=2) for _ in range(base.num_envs)]
    rng = np.random.default_rng(seed)
    logits = np.zeros(len(MOVES))
    n = base.num_envs
    for iteration in range(iterations):
        rows = list(tasks(ENV_ID, "train", groups, start=seed + iteration * groups))
        obs, info = env.reset(options={"tasks": rows})
        for i, chat in enumerate(chats):
            chat.start(obs[i], {})
        shaped, valid, turns = np.zeros(n), np.zeros(n), np.zeros(n)
        chosen = np.zeros((n, len(MOVES)))
        while base.active_mask.any():
            moves, texts = zip(*(reply(chat.messages(), logits, rng) for chat in chats))
            obs, rewards, _, _, info = env.step(list(texts))
            active = info["active_mask"]
            for i in map(int, np.flatnonzero(active)):
                chats[i].record(texts[i], obs[i], float(rewards[i]), {})
                chosen[i, moves[i]] += 1
            shaped += np.where(active, rewards, 0.0)
            valid += active & info["action_is_valid"]
            turns += active
        advantages = group_relative_advantages(shaped.reshape(groups, group_size))
        frequencies = chosen / np.maximum(chosen.sum(axis=1, keepdims=True), 1)
        logits += 0.5 * (advantages.reshape(n, 1) * frequencies).mean(axis=0)
        stats = base.episode_stats()
        for g in range(groups):
            members = slice(g * group_size, (g + 1) * group_size)
            print(json.dumps({
                "iteration": iteration, "group": g, "task_id": rows[g]["task_id"],
                "episodes": int(stats["episodes"][g]), "success_rate": float(stats["success_rate"][g]),
                f"pass@{group_size}": float(stats[f"pass@{group_size}"][g]),
                "mean_return": float(stats["mean_return"][g]),
                "valid_action_rate": round(float(valid[members].sum() / turns[members].sum()), 4),
                "shaped_returns": np.round(shaped[members], 4).tolist(),
                "advantages": np.round(advantages[g], 3).tolist(),
                "prompt_roles": [m["role"] for m in chats[g * group_size].messages()],
            }), flush=True)
    env.close()
    prompts.close()


def main() -> None:
    """Parse the command line and run the loop."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--groups", type=int, default=4)
    parser.add_argument("--group-size", type=int, default=4)
    parser.add_argument("--backend", default="sync", choices=("sync", "thread", "process", "ray"))
    parser.add_argument("--max-turns", type=int, default=40, help="turns per episode")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    run(args.iterations, args.groups, args.group_size, args.backend, args.max_turns, args.seed)


if __name__ == "__main__":
    main()
