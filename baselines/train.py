"""One training run, top to bottom: config -> vec env -> algorithm -> run directory.

Read :func:`train` from start to end to see everything a run does; the pieces it calls are
small: :mod:`baselines.envs` (vec env stack), :mod:`baselines.hyperparams` (YAML defaults),
:mod:`baselines.extractors` (feature extractors), :mod:`baselines.callbacks` (evaluation,
checkpoints, progress). The run directory layout is documented in :mod:`baselines.config`.
"""
from __future__ import annotations

import inspect
import json
import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import sb3_contrib
import stable_baselines3 as sb3
import torch
import yaml
from sb3_contrib import MaskablePPO
from stable_baselines3 import A2C, DQN, PPO
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback, CallbackList
from stable_baselines3.common.logger import configure
from stable_baselines3.common.torch_layers import FlattenExtractor
from stable_baselines3.common.utils import set_random_seed
from stable_baselines3.common.vec_env import VecEnv

from agentenvs.errors import ConfigError

from .callbacks import (
    CheckpointCallback,
    EvalCallback,
    ProgressCallback,
    ShaperStatsCallback,
    atomic_write_text,
    latest_checkpoint,
    load_shaper_states,
    truncate_eval_lines,
)
from .config import (
    CHECKPOINT_DIR,
    CONFIG_FILE,
    EVAL_FILE,
    MONITOR_FILE,
    RESOLVED_KEY,
    RESULT_FILE,
    TB_DIR,
    RunConfig,
)
from .envs import NativeVecEnvAdapter, add_monitor, add_shapers, make_base_vec_env, make_shapers
from .extractors import default_policy, policy_kwargs_for
from .hyperparams import algo_kwargs, resolve_class, resolve_hyperparams

log = logging.getLogger(__name__)

#: Algorithm name in a RunConfig -> class.
ALGORITHMS: dict[str, type[BaseAlgorithm]] = {"ppo": PPO, "a2c": A2C, "dqn": DQN, "maskable_ppo": MaskablePPO}

#: Seed of every evaluation episode set, the same for all runs so that evaluations compare.
EVAL_SEED = 10_000


def select_algo(algo: str, venv: VecEnv) -> str:
    """The algorithm to run: ``ppo`` becomes ``maskable_ppo`` when the env exposes ``action_masks()``."""
    if algo not in ALGORITHMS:
        raise ConfigError(f"unknown algo {algo!r}; choose one of {sorted(ALGORITHMS)}")
    if algo == "ppo" and venv.has_attr("action_masks"):
        return "maskable_ppo"
    if algo == "maskable_ppo" and not venv.has_attr("action_masks"):
        raise ConfigError("algo 'maskable_ppo' needs an env with an action_masks() method; use 'ppo'")
    return algo


def fit_extractor_kwargs(policy_kwargs: dict[str, Any], env_id: str) -> dict[str, Any]:
    """Drop ``features_extractor_kwargs`` that the chosen extractor does not take, with a warning.

    Per-env YAML defaults are written for the extractor of the env's default observation; the
    same id with ``obs_mode="rgb"`` gets another extractor, which must not receive them.
    """
    extractor = resolve_class("features_extractor_class", policy_kwargs.get("features_extractor_class"))
    given = policy_kwargs.get("features_extractor_kwargs")
    if not isinstance(given, dict):
        return policy_kwargs
    extractor = extractor or FlattenExtractor  # SB3's default for array observations
    accepted = inspect.signature(extractor.__init__).parameters
    if any(p.kind is p.VAR_KEYWORD for p in accepted.values()):
        return policy_kwargs
    unused = sorted(set(given) - set(accepted))
    if unused:
        log.warning("%s: features_extractor_kwargs %s do not apply to %s (the extractor for this observation "
                    "space); ignoring them", env_id, unused, extractor.__name__)
    return {**policy_kwargs, "features_extractor_kwargs": {k: v for k, v in given.items() if k in accepted}}


def _yaml_safe(value: Any) -> Any:
    """Classes become 'module.Name', tuples become lists: what yaml.safe_dump can write."""
    if isinstance(value, dict):
        return {k: _yaml_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_yaml_safe(v) for v in value]
    if isinstance(value, type):
        return f"{value.__module__}.{value.__qualname__}"
    if isinstance(value, str):
        return str(value)  # str subclasses such as torch's TorchVersion
    return value


def _reset_run_dir(run_dir: Path) -> None:
    """Remove the layout files an earlier attempt wrote (other files are left alone)."""
    for name in (RESULT_FILE, EVAL_FILE, MONITOR_FILE, CONFIG_FILE):
        (run_dir / name).unlink(missing_ok=True)
    for name in (CHECKPOINT_DIR, TB_DIR):
        shutil.rmtree(run_dir / name, ignore_errors=True)


def _train_stats(monitor_path: Path, last: int = 100) -> dict[str, Any]:
    """Episode count, success rate and mean return of the last ``last`` training episodes."""
    import pandas as pd

    episodes = pd.read_csv(monitor_path, comment="#") if monitor_path.exists() else pd.DataFrame()
    tail = episodes.tail(last)
    success = tail["is_success"].dropna() if "is_success" in tail else []
    return {
        "train_episodes": int(len(episodes)),
        "train_success_rate": float(success.astype(float).mean()) if len(success) else None,
        "train_return_mean": float(tail["r"].mean()) if len(tail) else None,
    }


def train(
    config: RunConfig,
    run_dir: Path,
    *,
    progress: Callable[[int, int], None] | None = None,
    resume: bool = True,
    torch_threads: int | None = 1,
) -> dict[str, Any]:
    """Train one agent as ``config`` says and fill ``run_dir`` (layout: :mod:`baselines.config`).

    :param config: env x shapers x algorithm x seed x budget.
    :param run_dir: the run directory; created if missing.
    :param progress: called as ``progress(steps_done, total)`` a few times per second; when
        ``None``, a tqdm bar is drawn if stderr is a terminal.
    :param resume: continue from the latest checkpoint when the directory has one and no
        result.json (a complete run returns its result at once); ``False`` starts afresh.
    :param torch_threads: CPU threads of torch during the run (restored afterwards). One is the
        default: the networks are small, and several threads competing for busy cores make
        every forward pass 10-20x slower; a grid runs one process per core. ``None`` keeps
        torch's setting.
    :return: the content of result.json (see :data:`baselines.config.RESULT_FIELDS`).
    """
    previous_threads = torch.get_num_threads()
    if torch_threads is not None:
        torch.set_num_threads(torch_threads)
    try:
        return _train(config, Path(run_dir), progress, resume)
    finally:
        torch.set_num_threads(previous_threads)


def _train(config: RunConfig, run_dir: Path, progress: Callable[[int, int], None] | None, resume: bool) -> dict[str, Any]:
    """The body of :func:`train`, top to bottom."""
    run_dir.mkdir(parents=True, exist_ok=True)
    if resume and (run_dir / RESULT_FILE).exists():
        return json.loads((run_dir / RESULT_FILE).read_text())
    checkpoint = latest_checkpoint(run_dir) if resume else None
    if checkpoint is None:
        _reset_run_dir(run_dir)  # a fresh start drops what an earlier or interrupted attempt left
    start_steps = checkpoint.timesteps if checkpoint else 0
    elapsed_before = checkpoint.elapsed if checkpoint else 0.0
    started = time.time()

    def clock() -> float:
        return elapsed_before + time.time() - started

    # 1. Hyperparameters: YAML defaults for (algo, env id), then config.hyperparams.
    hyperparams = resolve_hyperparams(config.algo, config.env_id, config.hyperparams)
    vector_kwargs = dict(hyperparams.pop("vector_kwargs", None) or {})
    eval_deterministic = bool(hyperparams.pop("eval_deterministic", True))

    # 2. Environments. A resume reseeds with a step offset so it does not replay the levels
    #    it already trained on.
    set_random_seed(config.seed)
    venv = make_base_vec_env(config.env_id, config.env_kwargs, config.n_envs, config.seed + start_steps,
                             vector_kwargs=vector_kwargs)
    obs_space = venv.observation_space

    # 3. Algorithm and policy (maskable_ppo reads ppo's hyperparameters), resolved into one dict.
    algo = select_algo(config.algo, venv)
    yaml_policy = hyperparams.pop("policy", "auto")
    policy = config.policy or yaml_policy
    if policy == "auto":
        policy = default_policy(obs_space)
    hyperparams["policy_kwargs"] = fit_extractor_kwargs(
        {**policy_kwargs_for(obs_space), **hyperparams.get("policy_kwargs", {})}, config.env_id)
    resolved = {
        "algo_class": f"{ALGORITHMS[algo].__module__}.{ALGORITHMS[algo].__name__}",
        "policy": policy,
        "hyperparams": hyperparams,
        "n_envs": config.n_envs,
        "vec_env": type(venv).__name__,
        "vector_kwargs": vector_kwargs if isinstance(venv, NativeVecEnvAdapter) else {},
        "observation_space": str(obs_space),
        "action_space": str(venv.action_space),
        "eval_seed": EVAL_SEED,
        "eval_deterministic": eval_deterministic,
        "versions": {"stable_baselines3": sb3.__version__, "sb3_contrib": sb3_contrib.__version__,
                     "gymnasium": gym.__version__, "torch": torch.__version__, "numpy": np.__version__},
    }
    atomic_write_text(run_dir / CONFIG_FILE,
                      yaml.safe_dump({**_yaml_safe(config.to_dict()), RESOLVED_KEY: _yaml_safe(resolved)}, sort_keys=False))

    # 4. Monitor (extrinsic returns, is_success) inside the shapers; a resume truncates what
    #    the checkpoint did not see and appends.
    monitor_path = run_dir / MONITOR_FILE
    venv = add_monitor(venv, monitor_path, truncate_at=checkpoint.monitor_bytes if checkpoint else None,
                       elapsed=elapsed_before)
    shapers = make_shapers(config.shapers, config.device, config.seed)
    venv = add_shapers(venv, shapers, config.shapers, env_steps=start_steps)
    if checkpoint and checkpoint.shapers_path:
        load_shaper_states(checkpoint.shapers_path, shapers)  # after the wrapper's setup() sized them
    # The evaluation env has its own shaper copies (same n_envs, so per-env state has the same
    # shape), loaded from the training shapers before each evaluation and never updated.
    eval_shapers = make_shapers(config.shapers, config.device, config.seed)
    eval_venv = make_base_vec_env(config.env_id, config.env_kwargs, config.n_envs, EVAL_SEED, vector_kwargs=vector_kwargs)
    eval_env = add_shapers(add_monitor(eval_venv), eval_shapers, config.shapers, update_every=0)

    # 5. The agent: fresh, or loaded from the checkpoint.
    algo_class = ALGORITHMS[algo]
    if checkpoint:
        model = algo_class.load(checkpoint.model_path, env=venv, device=config.device)
        if checkpoint.replay_buffer_path is not None:
            model.load_replay_buffer(checkpoint.replay_buffer_path)
        truncate_eval_lines(run_dir / EVAL_FILE, checkpoint.timesteps)
    else:
        model = algo_class(policy, venv, seed=config.seed, device=config.device, verbose=0, **algo_kwargs(hyperparams))
    model.set_logger(configure(str(run_dir / TB_DIR), ["tensorboard"]))

    # 6. Learn to total_timesteps, evaluating and checkpointing at rollout boundaries.
    evaluator = EvalCallback(eval_env, run_dir, config.eval_freq, config.eval_episodes, EVAL_SEED, clock,
                             list(zip(shapers, eval_shapers)), deterministic=eval_deterministic)
    resumed_from = checkpoint.resumed_from + [start_steps] if checkpoint else []
    checkpointer = CheckpointCallback(run_dir, config.checkpoint_freq, shapers, monitor_path, clock, start_steps,
                                      resumed_from)
    callbacks: list[BaseCallback] = [
        evaluator,
        checkpointer,
        ShaperStatsCallback(venv),
        ProgressCallback(config.total_timesteps, progress, desc=config.run_name),
    ]
    callback = CallbackList(callbacks)
    callback.init_callback(model)  # learn() does it too; this covers a resume with nothing left to learn
    remaining = config.total_timesteps - model.num_timesteps
    if remaining > 0:
        model.learn(total_timesteps=remaining, callback=callback, reset_num_timesteps=False, progress_bar=False)

    # 7. Final evaluation and checkpoint, then result.json, atomically and last.
    if evaluator.last_timesteps != model.num_timesteps:
        evaluator.evaluate_now()
    if checkpointer.last_timesteps != model.num_timesteps:
        checkpointer.save_now()
    model.logger.dump(model.num_timesteps)
    venv.close()
    eval_env.close()
    result = {
        "complete": True,
        "run_name": config.run_name,
        "timesteps": int(model.num_timesteps),
        "total_timesteps": config.total_timesteps,
        "wall_time": clock(),
        "algo_class": resolved["algo_class"],
        "final_eval": evaluator.records[-1],
        "best_success_rate": max((r["success_rate"] for r in evaluator.records if r["success_rate"] is not None),
                                 default=None),
        **_train_stats(monitor_path),
        "resumed_from": resumed_from,
    }
    atomic_write_text(run_dir / RESULT_FILE, json.dumps(result, indent=1))
    return result
