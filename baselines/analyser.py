"""Auto MC-Reward's trajectory analyser: play a trained run's policy and summarise its failed episodes.

After a short training run, :func:`analyse_run` loads the run's final checkpoint and plays
``episodes`` episodes on a plain env, on the levels its evaluations used (``reset(seed=EVAL_SEED + k)``)
and as deterministically as they acted. The reward program the run trained with scores every step's
reward state in the sandbox (one batched call), and
:func:`reward_plugins.codegen.summarise_failures` turns the episodes (success, per-step components,
the final reward state's scalar fields, the visited state keys) into text for the next prompt: how
many failed, how often the agent revisited states, which components stayed flat, how failed
episodes end compared with successful ones. A program that fails in the sandbox on those states
(which the critic never saw) gets its error as the analysis instead.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from sb3_contrib import MaskablePPO
from stable_baselines3.common.base_class import BaseAlgorithm

from agentenvs.errors import ConfigError
from reward_plugins.code import default_sandbox
from reward_plugins.codegen import EpisodeLog, summarise_failures
from reward_plugins.errors import RewardSandboxError

from .callbacks import latest_checkpoint
from .config import CONFIG_FILE, RESOLVED_KEY, RunConfig
from .reference import ReferencePolicy
from .reward_cli import play_episodes, require_reward_state, score
from .train import ALGORITHMS, EVAL_SEED
from .yaml_io import load_yaml

#: Steps per analysed episode at most (envs end their own episodes earlier: Sokoban-Tiny after 120).
MAX_STEPS = 1_000


class TrainedPolicy:
    """A trained SB3 agent acting in one (unvectorised) env: a :class:`~baselines.reference.ReferencePolicy`."""

    def __init__(self, model: BaseAlgorithm, deterministic: bool = True) -> None:
        self.model = model
        self.deterministic = deterministic
        self.env: gym.Env | None = None
        self.state: Any = None
        self.start = True

    def reset(self, env: gym.Env, obs: Any, info: dict[str, Any]) -> None:
        self.env, self.state, self.start = env, None, True

    def act(self, obs: Any) -> Any:
        if isinstance(self.model, MaskablePPO):
            masks = self.env.unwrapped.action_masks()  # type: ignore[union-attr]
            action, _ = self.model.predict(obs, deterministic=self.deterministic, action_masks=masks)
        else:
            action, self.state = self.model.predict(obs, state=self.state, episode_start=np.array([self.start]),
                                                    deterministic=self.deterministic)
        self.start = False
        return action.item() if isinstance(self.env.action_space, gym.spaces.Discrete) else action  # type: ignore[union-attr]


def load_policy(run_dir: str | Path) -> TrainedPolicy:
    """The latest checkpoint of a run directory as a policy, acting as the run's evaluations did."""
    run_dir = Path(run_dir)
    checkpoint = latest_checkpoint(run_dir)
    if checkpoint is None or not (run_dir / CONFIG_FILE).exists():
        raise ConfigError(f"{run_dir} holds no complete checkpoint to analyse; train the run first")
    resolved = load_yaml((run_dir / CONFIG_FILE).read_text())[RESOLVED_KEY]
    classes = {f"{c.__module__}.{c.__name__}": c for c in ALGORITHMS.values()}
    model = classes[resolved["algo_class"]].load(checkpoint.model_path, device="cpu")
    return TrainedPolicy(model, bool(resolved.get("eval_deterministic", True)))


def final_scalars(state: dict[str, Any]) -> dict[str, float]:
    """The numeric single-value fields of a reward state (what failed and successful endings compare on)."""
    out = {}
    for key, value in state.items():
        array = np.asarray(value)
        if array.size == 1 and (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
            out[key] = float(array.item())
    return out


def episode_logs(env: gym.Env, policy: ReferencePolicy, source: str, episodes: int, seed: int = EVAL_SEED,
                 max_steps: int = MAX_STEPS) -> list[EpisodeLog]:
    """Play ``episodes`` episodes of ``policy`` and score them with the reward program ``source``, in the sandbox."""
    played = [e for e in play_episodes(env, policy, episodes, seed, max_steps, keys=True) if e.states]
    results = score(default_sandbox(), source, [e.states for e in played]) if played else []
    return [EpisodeLog(e.success, {name: values.tolist() for name, values in r.components.items()},
                       final_scalars(e.states[-1]), e.keys) for e, r in zip(played, results)]


def analyse_run(run_dir: str | Path, source: str, episodes: int, max_steps: int = MAX_STEPS) -> str:
    """The analyser's text about a finished run trained with the reward program ``source``."""
    config = RunConfig.load(Path(run_dir))
    policy = load_policy(run_dir)
    env = gym.make(config.env_id, **config.env_kwargs)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one observation at a time: more threads only contend (as in train())
    try:
        require_reward_state(env, config.env_id)
        logs = episode_logs(env, policy, source, episodes, EVAL_SEED, max_steps)
    except RewardSandboxError as exc:  # states the critic never saw: the error is the feedback
        return (f"We played the policy trained with this reward function on {episodes} evaluation levels, and the "
                f"reward function failed on the states it reached: {exc}")
    finally:
        torch.set_num_threads(threads)
        env.close()
    return (f"We played the policy trained with this reward function on {episodes} evaluation levels and "
            f"analysed its failed episodes:\n{summarise_failures(logs)}")
