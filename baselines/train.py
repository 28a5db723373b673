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
from stable_baselines3.common.off_policy_algorithm import OffPolicyAlgorithm
from stable_baselines3.common.torch_layers import FlattenExtractor
from stable_baselines3.common.utils import set_random_seed
from stable_baselines3.common.vec_env import VecEnv

from agentenvs.errors import ConfigError

from .callbacks import (
    Checkpoint,
    CheckpointCallback,
    EvalCallback,
    InterruptCallback,
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
from .validate import check_hyperparams, validate_runs

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


def _train_stats(monitor_path: Path, last: int = 100) -> dict[str, Any]:
    """Episode count, success rate and mean return of the last ``last`` training episodes."""
    import pandas as pd

    episodes = pd.read_csv(monitor_path, comment="#") if monitor_path.exists() else pd.DataFrame()
    tail = episodes.tail(last)
    success = tail["is_success"].dropna().astype(float) if "is_success" in tail else pd.Series(dtype=float)
    return {
        "train_episodes": int(len(episodes)),
        "train_success_rate": float(success.mean()) if len(success) else None,
        "train_return_mean": float(tail["r"].mean()) if len(tail) else None,
    }


class TrainingInterrupted(KeyboardInterrupt):
    """SIGINT stopped :func:`train`; the checkpoint it saved at ``timesteps`` resumes the run."""

    def __init__(self, run_dir: Path, timesteps: int) -> None:
        super().__init__(f"training interrupted at step {timesteps}; checkpoint saved in {run_dir}")
        self.run_dir = run_dir
        self.timesteps = timesteps

    def __reduce__(self) -> tuple[type, tuple[Path, int]]:
        """Pickle by the constructor's arguments (a pool worker sends the exception to its driver)."""
        return type(self), (self.run_dir, self.timesteps)


def train(
    config: RunConfig,
    run_dir: Path,
    *,
    progress: Callable[[int, int], None] | None = None,
    resume: bool = True,
    torch_threads: int | None = 1,
    keep_checkpoints: int = 2,
) -> dict[str, Any]:
    """Train one agent as ``config`` says and fill ``run_dir`` (layout: :mod:`baselines.config`).

    The config is validated first (:func:`baselines.validate.validate_runs`): an invalid one
    raises :class:`~agentenvs.errors.ConfigError` before any file is written. The first SIGINT
    stops training at the next step, saves a checkpoint and raises :class:`TrainingInterrupted`;
    calling ``train`` again resumes from it.

    Args:
        config: env x shapers x algorithm x seed x budget.
        run_dir: the run directory; created if missing.
        progress: called as ``progress(steps_done, total)`` a few times per second; when ``None``,
            a tqdm bar is drawn if stderr is a terminal.
        resume: continue from the latest checkpoint when the directory has one and no result.json
            (a complete run returns its result at once); ``False`` starts afresh.
        torch_threads: CPU threads of torch during the run (restored afterwards). One is the
            default: the networks are small, and several threads competing for busy cores make
            every forward pass 10-20x slower; a grid runs one process per core. ``None`` keeps
            torch's setting.
        keep_checkpoints: how many of the latest checkpoints to keep, besides the best evaluated one.

    Returns:
        The content of result.json (see :data:`baselines.config.RESULT_FIELDS`).
    """
    validate_runs([config])
    if isinstance(keep_checkpoints, bool) or not isinstance(keep_checkpoints, int) or keep_checkpoints < 1:
        raise ConfigError(f"keep_checkpoints must be a whole number >= 1 (resuming needs the latest), "
                          f"got {keep_checkpoints!r}")
    previous_threads = torch.get_num_threads()
    if torch_threads is not None:
        torch.set_num_threads(torch_threads)
    try:
        return _train(config, Path(run_dir), progress, resume, keep_checkpoints)
    finally:
        torch.set_num_threads(previous_threads)


def _train(config: RunConfig, run_dir: Path, progress: Callable[[int, int], None] | None, resume: bool,
           keep_checkpoints: int) -> dict[str, Any]:
    """The body of :func:`train`, one named step after another; nothing is written before step 4."""
    if resume and (run_dir / RESULT_FILE).exists():
        return json.loads((run_dir / RESULT_FILE).read_text())
    checkpoint = latest_checkpoint(run_dir) if resume else None
    start_steps = checkpoint.timesteps if checkpoint else 0
    clock = _clock(checkpoint.elapsed if checkpoint else 0.0)

    # 1. Hyperparameters: YAML defaults for (algo, env id), then config.hyperparams.
    hyperparams, vector_kwargs, eval_deterministic = _split_hyperparams(config)
    # 2. The training env, unwrapped (a text env or bad env kwargs fail here, before any file).
    venv = _make_train_env(config, vector_kwargs, start_steps)
    # 3. Algorithm class, policy and policy kwargs for this env.
    algo_class, policy, hyperparams = _choose_algorithm(config, venv, hyperparams)
    # 4. The run directory and config.yaml with everything resolved.
    _prepare_run_dir(run_dir, fresh=checkpoint is None)
    resolved = _resolved_settings(config, venv, algo_class, policy, hyperparams, vector_kwargs, eval_deterministic)
    _write_config(run_dir, config, resolved)
    # 5. Monitor and shapers around the training env; a separate, shaped evaluation env.
    monitor_path = run_dir / MONITOR_FILE
    venv, shapers = _wrap_train_env(venv, config, monitor_path, checkpoint)
    eval_env, eval_shapers = _make_eval_env(config, vector_kwargs)
    # 6. The agent: fresh, or loaded from the checkpoint.
    model = _make_model(algo_class, policy, hyperparams, venv, config, run_dir, checkpoint)
    # 7. Learn to total_timesteps, evaluating and checkpointing at rollout boundaries.
    resumed_from = checkpoint.resumed_from + [start_steps] if checkpoint else []
    checkpointer = CheckpointCallback(run_dir, config.checkpoint_freq, shapers, monitor_path, clock, start_steps,
                                      resumed_from, keep=keep_checkpoints)
    evaluator = EvalCallback(eval_env, run_dir, config.eval_freq, config.eval_episodes, EVAL_SEED, clock,
                             list(zip(shapers, eval_shapers)), deterministic=eval_deterministic,
                             on_best=checkpointer.save_now)
    interrupt = InterruptCallback()
    _learn(model, config, progress, [evaluator, checkpointer, ShaperStatsCallback(venv), interrupt])
    # 8. A Ctrl-C ends here with a checkpoint; otherwise a final evaluation and checkpoint.
    if interrupt.requested:
        _save_checkpoint_once(checkpointer, model)
        _close(model, venv, eval_env)
        raise TrainingInterrupted(run_dir, int(model.num_timesteps))
    if evaluator.last_timesteps != model.num_timesteps:
        evaluator.evaluate_now()
    _save_checkpoint_once(checkpointer, model)
    _close(model, venv, eval_env)
    # 9. result.json, atomically and last: its presence marks the run complete.
    result = _result(config, model, clock, resolved["algo_class"], evaluator.records, monitor_path, resumed_from)
    atomic_write_text(run_dir / RESULT_FILE, json.dumps(result, indent=1))
    return result


def _clock(elapsed_before: float) -> Callable[[], float]:
    """Seconds of training so far: those before a resume plus those since this call."""
    started = time.time()
    return lambda: elapsed_before + time.time() - started


def _split_hyperparams(config: RunConfig) -> tuple[dict[str, Any], dict[str, Any], bool]:
    """Merged hyperparameters, and the two meta keys taken out of them.

    The meta keys are ``vector_kwargs`` (native vector env only) and ``eval_deterministic``.
    """
    hyperparams = resolve_hyperparams(config.algo, config.env_id, config.hyperparams)
    vector_kwargs = dict(hyperparams.pop("vector_kwargs", None) or {})
    eval_deterministic = bool(hyperparams.pop("eval_deterministic", True))
    return hyperparams, vector_kwargs, eval_deterministic


def _make_train_env(config: RunConfig, vector_kwargs: dict[str, Any], start_steps: int) -> VecEnv:
    """The seeded training VecEnv.

    A resume reseeds with a step offset so it does not replay the levels it already trained on.
    """
    set_random_seed(config.seed)
    return make_base_vec_env(config.env_id, config.env_kwargs, config.n_envs, config.seed + start_steps,
                             vector_kwargs=vector_kwargs)


def _choose_algorithm(config: RunConfig, venv: VecEnv,
                      hyperparams: dict[str, Any]) -> tuple[type[BaseAlgorithm], str, dict[str, Any]]:
    """Algorithm class, policy name, and hyperparameters with the observation space's policy kwargs.

    ``ppo`` becomes ``maskable_ppo`` (same hyperparameters) on envs with action masks; names the
    chosen class does not take are refused.
    """
    try:
        algo_class = ALGORITHMS[select_algo(config.algo, venv)]
        check_hyperparams(algo_class, hyperparams)
    except ConfigError:
        venv.close()
        raise
    hyperparams = dict(hyperparams)
    yaml_policy = hyperparams.pop("policy", "auto")
    policy = config.policy or yaml_policy
    if policy == "auto":
        policy = default_policy(venv.observation_space)
    hyperparams["policy_kwargs"] = fit_extractor_kwargs(
        {**policy_kwargs_for(venv.observation_space), **hyperparams.get("policy_kwargs", {})}, config.env_id)
    return algo_class, policy, hyperparams


def _prepare_run_dir(run_dir: Path, fresh: bool) -> None:
    """Create the run directory.

    A fresh start drops what an earlier or interrupted attempt left (the layout's files only;
    other files are left alone).
    """
    run_dir.mkdir(parents=True, exist_ok=True)
    if not fresh:
        return
    for name in (RESULT_FILE, EVAL_FILE, MONITOR_FILE, CONFIG_FILE):
        (run_dir / name).unlink(missing_ok=True)
    for name in (CHECKPOINT_DIR, TB_DIR):
        shutil.rmtree(run_dir / name, ignore_errors=True)


def _resolved_settings(config: RunConfig, venv: VecEnv, algo_class: type[BaseAlgorithm], policy: str,
                       hyperparams: dict[str, Any], vector_kwargs: dict[str, Any],
                       eval_deterministic: bool) -> dict[str, Any]:
    """What training resolved from the config, saved under ``resolved`` in config.yaml."""
    return {
        "algo_class": f"{algo_class.__module__}.{algo_class.__name__}",
        "policy": policy,
        "hyperparams": hyperparams,
        "n_envs": config.n_envs,
        "vec_env": type(venv).__name__,
        "vector_kwargs": vector_kwargs if isinstance(venv, NativeVecEnvAdapter) else {},
        "observation_space": str(venv.observation_space),
        "action_space": str(venv.action_space),
        "eval_seed": EVAL_SEED,
        "eval_deterministic": eval_deterministic,
        "versions": {"stable_baselines3": sb3.__version__, "sb3_contrib": sb3_contrib.__version__,
                     "gymnasium": gym.__version__, "torch": torch.__version__, "numpy": np.__version__},
    }


def _write_config(run_dir: Path, config: RunConfig, resolved: dict[str, Any]) -> None:
    data = {**_yaml_safe(config.to_dict()), RESOLVED_KEY: _yaml_safe(resolved)}
    atomic_write_text(run_dir / CONFIG_FILE, yaml.safe_dump(data, sort_keys=False))


def _wrap_train_env(venv: VecEnv, config: RunConfig, monitor_path: Path,
                    checkpoint: Checkpoint | None) -> tuple[VecEnv, list[Any]]:
    """Monitor (extrinsic returns, is_success) inside the shapers.

    A resume truncates the monitor file to what the checkpoint saw, appends, and restores the
    shapers' state.
    """
    start_steps = checkpoint.timesteps if checkpoint else 0
    venv = add_monitor(venv, monitor_path, truncate_at=checkpoint.monitor_bytes if checkpoint else None,
                       elapsed=checkpoint.elapsed if checkpoint else 0.0)
    shapers = make_shapers(config.shapers, config.device, config.seed)
    venv = add_shapers(venv, shapers, config.shapers, env_steps=start_steps)
    if checkpoint and checkpoint.shapers_path:
        load_shaper_states(checkpoint.shapers_path, shapers)  # after the wrapper's setup() sized them
    return venv, shapers


def _make_eval_env(config: RunConfig, vector_kwargs: dict[str, Any]) -> tuple[VecEnv, list[Any]]:
    """The evaluation env and its own shaper copies.

    The copies (same n_envs, so per-env state has the same shape) load the training shapers'
    state before each evaluation and are never updated.
    """
    eval_shapers = make_shapers(config.shapers, config.device, config.seed)
    eval_venv = make_base_vec_env(config.env_id, config.env_kwargs, config.n_envs, EVAL_SEED,
                                  vector_kwargs=vector_kwargs)
    return add_shapers(add_monitor(eval_venv), eval_shapers, config.shapers, update_every=0), eval_shapers


def _make_model(algo_class: type[BaseAlgorithm], policy: str, hyperparams: dict[str, Any], venv: VecEnv,
                config: RunConfig, run_dir: Path, checkpoint: Checkpoint | None) -> BaseAlgorithm:
    """A fresh agent, or the checkpoint's (with its replay buffer; eval lines past it dropped)."""
    if checkpoint:
        model = algo_class.load(checkpoint.model_path, env=venv, device=config.device)
        if checkpoint.replay_buffer_path is not None and isinstance(model, OffPolicyAlgorithm):
            model.load_replay_buffer(checkpoint.replay_buffer_path)
        truncate_eval_lines(run_dir / EVAL_FILE, checkpoint.timesteps)
    else:
        model = algo_class(policy, venv, seed=config.seed, device=config.device, verbose=0, **algo_kwargs(hyperparams))
    model.set_logger(configure(str(run_dir / TB_DIR), ["tensorboard"]))
    return model


def _learn(model: BaseAlgorithm, config: RunConfig, progress: Callable[[int, int], None] | None,
           callbacks: list[BaseCallback]) -> None:
    """``model.learn`` for the steps left to ``config.total_timesteps``."""
    callback = CallbackList([*callbacks, ProgressCallback(config.total_timesteps, progress, desc=config.run_name)])
    callback.init_callback(model)  # learn() does it too; this covers a resume with nothing left to learn
    remaining = config.total_timesteps - model.num_timesteps
    if remaining > 0:
        model.learn(total_timesteps=remaining, callback=callback, reset_num_timesteps=False, progress_bar=False)


def _save_checkpoint_once(checkpointer: CheckpointCallback, model: BaseAlgorithm) -> None:
    """Checkpoint the current step unless a checkpoint (periodic or best) holds it already."""
    if checkpointer.last_timesteps != model.num_timesteps:
        checkpointer.save_now()


def _close(model: BaseAlgorithm, venv: VecEnv, eval_env: VecEnv) -> None:
    model.logger.dump(model.num_timesteps)
    venv.close()
    eval_env.close()


def _result(config: RunConfig, model: BaseAlgorithm, clock: Callable[[], float], algo_class: str,
            records: list[dict[str, Any]], monitor_path: Path, resumed_from: list[int]) -> dict[str, Any]:
    """The content of result.json (fields: :data:`baselines.config.RESULT_FIELDS`)."""
    return {
        "complete": True,
        "run_name": config.run_name,
        "timesteps": int(model.num_timesteps),
        "total_timesteps": config.total_timesteps,
        "wall_time": clock(),
        "algo_class": algo_class,
        "final_eval": records[-1],
        "best_success_rate": max((r["success_rate"] for r in records if r["success_rate"] is not None), default=None),
        **_train_stats(monitor_path),
        "resumed_from": resumed_from,
    }
