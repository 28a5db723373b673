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
import warnings
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
from stable_baselines3.common.on_policy_algorithm import OnPolicyAlgorithm
from stable_baselines3.common.torch_layers import FlattenExtractor
from stable_baselines3.common.type_aliases import TrainFreq, TrainFrequencyUnit
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
from .validate import check_hyperparams, env_kwargs_error, validate_runs

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
    """The body of :func:`train`, one named step after another; nothing is written before step 5.

    Steps 1-4 build everything that can fail from the config; if anything fails before training
    starts, a run directory this call created is removed again (an existing one is kept).
    """
    if resume and (run_dir / RESULT_FILE).exists():
        done = json.loads((run_dir / RESULT_FILE).read_text())
        if done.get("total_timesteps") != config.total_timesteps:
            raise ConfigError(f"{run_dir} holds a complete run of {done.get('timesteps')} steps (total_timesteps "
                              f"{done.get('total_timesteps')}), not one of {config.total_timesteps}; start over "
                              "(--fresh / resume=False) or use another run directory")
        return done
    checkpoint = latest_checkpoint(run_dir) if resume else None
    start_steps = checkpoint.timesteps if checkpoint else 0
    if start_steps > config.total_timesteps:
        raise ConfigError(f"{run_dir} already trained {start_steps} steps, more than total_timesteps "
                          f"{config.total_timesteps} (--steps); give at least {start_steps} to resume it, "
                          "or start over (--fresh / resume=False)")
    clock = _clock(checkpoint.elapsed if checkpoint else 0.0)
    created = not run_dir.exists()
    venv = eval_env = None
    try:
        # 1. Hyperparameters: YAML defaults for (algo, env id), then config.hyperparams.
        hyperparams, vector_kwargs, eval_deterministic = _split_hyperparams(config)
        # 2. The training env, unwrapped (a text env or bad env kwargs fail here).
        venv = _make_train_env(config, vector_kwargs, start_steps)
        # 3. Algorithm class, policy and policy kwargs for this env, tried on it (bad values fail here).
        algo_class, policy, hyperparams = _choose_algorithm(config, venv, hyperparams)
        rollout = _try_algorithm(algo_class, policy, hyperparams, venv, config)
        # 4. The shapers, and a separate, shaped evaluation env (bad shaper arguments fail here).
        shapers = make_shapers(config.shapers, config.device, config.seed)
        eval_env, eval_shapers = _make_eval_env(config, vector_kwargs)
        # 5. The run directory and config.yaml with everything resolved.
        planned = _planned_timesteps(config, start_steps, rollout)
        _prepare_run_dir(run_dir, fresh=checkpoint is None)
        resolved = _resolved_settings(config, venv, algo_class, policy, hyperparams, vector_kwargs,
                                      eval_deterministic, planned)
        _write_config(run_dir, config, resolved)
        # 6. Monitor and shapers around the training env.
        monitor_path = run_dir / MONITOR_FILE
        venv = _wrap_train_env(venv, config, shapers, monitor_path, checkpoint)
        # 7. The agent: fresh, or loaded from the checkpoint.
        model = _make_model(algo_class, policy, hyperparams, venv, config, run_dir, checkpoint)
    except BaseException:
        for env in (venv, eval_env):
            if env is not None:
                env.close()
        if created:
            shutil.rmtree(run_dir, ignore_errors=True)
        raise
    # 8. Learn to total_timesteps, evaluating and checkpointing at rollout boundaries.
    resumed_from = checkpoint.resumed_from + [start_steps] if checkpoint else []
    checkpointer = CheckpointCallback(run_dir, config.checkpoint_freq, shapers, monitor_path, clock, start_steps,
                                      resumed_from, keep=keep_checkpoints)
    evaluator = EvalCallback(eval_env, run_dir, config.eval_freq, config.eval_episodes, EVAL_SEED, clock,
                             list(zip(shapers, eval_shapers)), deterministic=eval_deterministic,
                             on_best=checkpointer.save_now)
    interrupt = InterruptCallback()
    _learn(model, config, progress, [evaluator, checkpointer, ShaperStatsCallback(venv), interrupt])
    # 9. A Ctrl-C ends here with a checkpoint; otherwise a final evaluation and checkpoint.
    if interrupt.requested:
        _save_checkpoint_once(checkpointer, model)
        _close(model, venv, eval_env)
        raise TrainingInterrupted(run_dir, int(model.num_timesteps))
    if evaluator.last_timesteps != model.num_timesteps:
        evaluator.evaluate_now()
    _save_checkpoint_once(checkpointer, model)
    _close(model, venv, eval_env)
    # 10. result.json, atomically and last: its presence marks the run complete.
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
    try:
        return make_base_vec_env(config.env_id, config.env_kwargs, config.n_envs, config.seed + start_steps,
                                 vector_kwargs=vector_kwargs)
    except ConfigError:
        raise
    except (TypeError, ValueError, AssertionError, KeyError) as exc:
        raise env_kwargs_error(config.env_id, {**config.env_kwargs, **vector_kwargs}, exc) from None


def _choose_algorithm(config: RunConfig, venv: VecEnv,
                      hyperparams: dict[str, Any]) -> tuple[type[BaseAlgorithm], str, dict[str, Any]]:
    """Algorithm class, policy name, and hyperparameters with the observation space's policy kwargs.

    ``ppo`` becomes ``maskable_ppo`` (same hyperparameters) on envs with action masks; names the
    chosen class does not take are refused.
    """
    algo_class = ALGORITHMS[select_algo(config.algo, venv)]
    check_hyperparams(algo_class, hyperparams)
    hyperparams = dict(hyperparams)
    yaml_policy = hyperparams.pop("policy", "auto")
    policy = config.policy or yaml_policy
    if policy == "auto":
        policy = default_policy(venv.observation_space)
    hyperparams["policy_kwargs"] = fit_extractor_kwargs(
        {**policy_kwargs_for(venv.observation_space), **hyperparams.get("policy_kwargs", {})}, config.env_id)
    return algo_class, policy, hyperparams


def _try_algorithm(algo_class: type[BaseAlgorithm], policy: str, hyperparams: dict[str, Any], venv: VecEnv,
                   config: RunConfig) -> tuple[int, str] | None:
    """Build the agent once on ``venv`` and drop it; return its rollout size (:func:`_rollout_size`).

    SB3 checks hyperparameters only in its constructor, with bare assertions and type errors:
    building the agent before any file is written turns them into one :class:`ConfigError`
    (its warnings are left to the real agent). The global seeds are reset afterwards, so the
    real agent is built from the same random state as without this trial.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = algo_class(policy, venv, seed=config.seed, device=config.device, verbose=0,
                               **algo_kwargs(hyperparams))
    except (TypeError, ValueError, AssertionError, KeyError) as exc:
        given = config.hyperparams or hyperparams
        raise ConfigError(f"{algo_class.__name__} rejected the hyperparameters {given}: "
                          f"{type(exc).__name__}: {exc}") from None
    rollout = _rollout_size(model)
    del model
    set_random_seed(config.seed)
    return rollout


def _planned_timesteps(config: RunConfig, start_steps: int, rollout: tuple[int, str] | None) -> int:
    """The step count training reaches, saying so when it is not ``total_timesteps``.

    ``learn`` stops at the first whole rollout past its budget: a budget that is not a whole
    number of rollouts (counted from ``start_steps``) is rounded up.
    """
    remaining = config.total_timesteps - start_steps
    if rollout is None or remaining <= 0 or remaining % rollout[0] == 0:
        return config.total_timesteps
    planned = start_steps + -(-remaining // rollout[0]) * rollout[0]
    log.warning("total_timesteps %d (--steps) is rounded up to %d: whole rollouts of %s = %d steps",
                config.total_timesteps, planned, rollout[1], rollout[0])
    return planned


def _rollout_size(model: BaseAlgorithm) -> tuple[int, str] | None:
    """Env steps ``learn`` takes between two checks of its budget, and how they come about."""
    if isinstance(model, OnPolicyAlgorithm):
        return model.n_steps * model.n_envs, f"n_steps x n_envs = {model.n_steps} x {model.n_envs}"
    train_freq = getattr(model, "train_freq", None)  # a TrainFreq once the model is built
    if isinstance(train_freq, TrainFreq) and train_freq.unit == TrainFrequencyUnit.STEP:
        freq = train_freq.frequency
        return freq * model.n_envs, f"train_freq x n_envs = {freq} x {model.n_envs}"
    return None


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
                       eval_deterministic: bool, planned: int) -> dict[str, Any]:
    """What training resolved from the config, saved under ``resolved`` in config.yaml.

    ``timesteps_planned`` is the step count training reaches: ``total_timesteps`` rounded up to
    whole rollouts.
    """
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
        "timesteps_planned": planned,
        "versions": {"stable_baselines3": sb3.__version__, "sb3_contrib": sb3_contrib.__version__,
                     "gymnasium": gym.__version__, "torch": torch.__version__, "numpy": np.__version__},
    }


def _write_config(run_dir: Path, config: RunConfig, resolved: dict[str, Any]) -> None:
    data = {**_yaml_safe(config.to_dict()), RESOLVED_KEY: _yaml_safe(resolved)}
    atomic_write_text(run_dir / CONFIG_FILE, yaml.safe_dump(data, sort_keys=False))


def _wrap_train_env(venv: VecEnv, config: RunConfig, shapers: list[Any], monitor_path: Path,
                    checkpoint: Checkpoint | None) -> VecEnv:
    """Monitor (extrinsic returns, is_success) inside the shapers.

    A resume truncates the monitor file to what the checkpoint saw, appends, and restores the
    shapers' state.
    """
    start_steps = checkpoint.timesteps if checkpoint else 0
    venv = add_monitor(venv, monitor_path, truncate_at=checkpoint.monitor_bytes if checkpoint else None,
                       elapsed=checkpoint.elapsed if checkpoint else 0.0)
    venv = add_shapers(venv, shapers, config.shapers, env_steps=start_steps)
    if checkpoint and checkpoint.shapers_path:
        load_shaper_states(checkpoint.shapers_path, shapers)  # after the wrapper's setup() sized them
    return venv


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
