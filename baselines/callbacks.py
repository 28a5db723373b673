"""SB3 callbacks of a training run, and the run-directory I/O they do.

- :class:`EvalCallback`: evaluation on a separate env every ``eval_freq`` steps (deterministic
  unless the env's hyperparameters say ``eval_deterministic: false``),
  one JSON line per evaluation in eval.jsonl (fields: :data:`baselines.config.EVAL_FIELDS`).
- :class:`CheckpointCallback`: model, shaper state and step count every ``checkpoint_freq``
  steps, each file written atomically; the ``state_<steps>.json`` file, written last, marks a
  checkpoint complete. The latest few and the best evaluated checkpoint are kept.
- :class:`InterruptCallback`: the first Ctrl-C stops ``learn`` cleanly at the next step.
- :class:`ProgressCallback`: a tqdm bar, or ``progress(steps_done, total)`` calls.
- :class:`ShaperStatsCallback`: shaper update statistics to TensorBoard.

Evaluations and checkpoints happen at rollout boundaries (``_on_rollout_start``), after the
previous rollout's gradient updates: the parameters they see reflect every step counted.
"""
from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sb3_contrib import MaskablePPO
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.off_policy_algorithm import OffPolicyAlgorithm
from stable_baselines3.common.vec_env import VecEnv

from .config import CHECKPOINT_DIR, EVAL_FILE

ProgressFn = Callable[[int, int], None]


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and ``os.replace`` (never half-written)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _atomic_save(path: Path, save: Callable[[Any], None]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        save(f)
    os.replace(tmp, path)


def evaluate(model: BaseAlgorithm, env: VecEnv, n_episodes: int, seed: int,
             deterministic: bool = True) -> dict[str, Any]:
    """Run ``n_episodes`` episodes of ``model`` on ``env`` (a monitored, possibly shaped VecEnv).

    Episodes are spread evenly over the sub-envs (as SB3's ``evaluate_policy`` does, so short
    episodes are not over-represented). ``env`` is reseeded with ``seed`` first, so every
    evaluation of a run (and of every run) sees the same levels. Returns are extrinsic (from
    ``VecMonitor``); ``reward_components`` are per-episode sums averaged over episodes.
    """
    n = env.num_envs
    targets = np.array([(n_episodes + i) // n for i in range(n)])
    counts = np.zeros(n, dtype=int)
    returns, lengths, successes = [], [], []
    components: dict[str, list[float]] = defaultdict(list)
    running: list[defaultdict[str, float]] = [defaultdict(float) for _ in range(n)]
    env.seed(seed)
    obs = env.reset()
    state, episode_start = None, np.ones(n, dtype=bool)
    while (counts < targets).any():
        if isinstance(model, MaskablePPO):
            masks = np.stack(env.env_method("action_masks"))
            actions, state = model.predict(obs, deterministic=deterministic, action_masks=masks)  # type: ignore[arg-type]
        else:
            actions, state = model.predict(obs, state=state, episode_start=episode_start,  # type: ignore[arg-type]
                                           deterministic=deterministic)
        obs, _, dones, infos = env.step(actions)
        episode_start = dones
        for i, info in enumerate(infos):
            for name, value in info.get("reward_components", {}).items():
                running[i][name] += float(value)
            if not dones[i]:
                continue
            if counts[i] < targets[i]:
                returns.append(float(info["episode"]["r"]))
                lengths.append(int(info["episode"]["l"]))
                if info.get("is_success") is not None:
                    successes.append(float(info["is_success"]))
                for name, total in running[i].items():
                    components[name].append(total)
                counts[i] += 1
            running[i] = defaultdict(float)
    return {
        "success_rate": float(np.mean(successes)) if successes else None,
        "return_mean": float(np.mean(returns)),
        "return_std": float(np.std(returns)),
        "ep_len_mean": float(np.mean(lengths)),
        "reward_components": {name: float(np.mean(v)) for name, v in components.items()} or None,
    }


def read_eval_lines(path: Path) -> list[dict[str, Any]]:
    """Every record of an eval.jsonl file (empty when absent)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def truncate_eval_lines(path: Path, max_timesteps: int) -> None:
    """Drop eval records past ``max_timesteps`` (work a resume redoes)."""
    kept = [r for r in read_eval_lines(path) if r["timesteps"] <= max_timesteps]
    if path.exists():
        atomic_write_text(path, "".join(json.dumps(r) + "\n" for r in kept))


class EvalCallback(BaseCallback):
    """Evaluate every ``eval_freq`` steps (and at step 0) and append a line to eval.jsonl.

    :param eval_env: monitored (and shaped, when the run is) VecEnv used only for evaluation.
    :param run_dir: the run directory.
    :param eval_freq: steps between evaluations.
    :param n_episodes: episodes per evaluation.
    :param seed: seed of every evaluation.
    :param clock: seconds of training so far (across resumes).
    :param shaper_pairs: (training shaper, evaluation shaper) pairs; the evaluation copy loads
        the training state before each evaluation, so learned shapers score as in training
        without evaluation episodes changing them.
    :param deterministic: act with the most likely action (else sample, as in training).
    :param on_best: called after an evaluation (past step 0) that scores better than every earlier
        one (:func:`score_key`); training checkpoints there, so the best model is kept.
    """

    def __init__(self, eval_env: VecEnv, run_dir: Path, eval_freq: int, n_episodes: int, seed: int,
                 clock: Callable[[], float], shaper_pairs: Sequence[tuple[Any, Any]] = (),
                 deterministic: bool = True, on_best: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.eval_env = eval_env
        self.path = Path(run_dir) / EVAL_FILE
        self.eval_freq = eval_freq
        self.n_episodes = n_episodes
        self.seed = seed
        self.clock = clock
        self.shaper_pairs = list(shaper_pairs)
        self.deterministic = deterministic
        self.on_best = on_best
        done = read_eval_lines(self.path)
        self.last_timesteps: int | None = done[-1]["timesteps"] if done else None
        self.records = done
        self.best = max((score_key(r) for r in done if r["timesteps"] > 0), default=None)

    def _due(self) -> bool:
        if self.last_timesteps is None:
            return True
        return self.num_timesteps >= (self.last_timesteps // self.eval_freq + 1) * self.eval_freq

    def evaluate_now(self) -> dict[str, Any]:
        """Evaluate at the current step and append the record (also used for the final one)."""
        for src, dst in self.shaper_pairs:
            dst.load_state_dict(src.state_dict())
        record = {"timesteps": int(self.model.num_timesteps),
                  **evaluate(self.model, self.eval_env, self.n_episodes, self.seed, self.deterministic),
                  "wall_time": self.clock()}
        with open(self.path, "a") as f:
            f.write(json.dumps(record) + "\n")
        for key in ("success_rate", "return_mean", "ep_len_mean"):
            if record[key] is not None:
                self.model.logger.record(f"eval/{key}", record[key])
        self.last_timesteps = record["timesteps"]
        self.records.append(record)
        if record["timesteps"] > 0 and (self.best is None or score_key(record) > self.best):
            self.best = score_key(record)
            if self.on_best is not None:
                self.on_best()
        return record

    def _on_rollout_start(self) -> None:
        if self._due():
            self.evaluate_now()

    def _on_step(self) -> bool:
        return True


@dataclass
class Checkpoint:
    """A complete checkpoint on disk (its ``state_<steps>.json`` exists)."""

    timesteps: int
    elapsed: float
    monitor_bytes: int | None
    model_path: Path
    shapers_path: Path | None
    replay_buffer_path: Path | None
    resumed_from: list[int]


def latest_checkpoint(run_dir: Path) -> Checkpoint | None:
    """The complete checkpoint with the most steps, or ``None``."""
    directory = Path(run_dir) / CHECKPOINT_DIR
    states = sorted(directory.glob("state_*.json"), key=lambda p: int(p.stem.split("_")[1]))
    if not states:
        return None
    state = json.loads(states[-1].read_text())
    return Checkpoint(
        timesteps=state["timesteps"],
        elapsed=state["elapsed"],
        monitor_bytes=state["monitor_bytes"],
        model_path=directory / state["model"],
        shapers_path=directory / state["shapers"] if state["shapers"] else None,
        replay_buffer_path=(directory / state["replay_buffer"]
                            if state["replay_buffer"] and (directory / state["replay_buffer"]).exists() else None),
        resumed_from=state.get("resumed_from", []),
    )


def load_shaper_states(path: Path, shapers: Sequence[torch.nn.Module]) -> None:
    """Restore shaper state dicts saved by :func:`save_checkpoint`."""
    states = torch.load(path, map_location="cpu", weights_only=False)
    for shaper, state in zip(shapers, states, strict=True):
        shaper.load_state_dict(state)


def score_key(record: dict[str, Any]) -> tuple[float, float]:
    """How evaluations rank: success rate first (when the env reports success), then return."""
    success = record["success_rate"]
    return (float("-inf") if success is None else success, record["return_mean"])


def _best_step(run_dir: Path, steps: Sequence[int]) -> int | None:
    """The step among ``steps`` (past 0) whose evaluation scored best; the earliest on ties."""
    scores = {r["timesteps"]: score_key(r) for r in read_eval_lines(Path(run_dir) / EVAL_FILE)}
    evaluated = [s for s in steps if s > 0 and s in scores]
    return max(evaluated, key=lambda s: (scores[s], -s)) if evaluated else None


def prune_checkpoints(run_dir: Path, keep: int) -> None:
    """Delete every complete checkpoint but the ``keep`` latest and the best evaluated one.

    The state file goes first, so a prune cut short leaves an incomplete (ignored) checkpoint.
    """
    directory = Path(run_dir) / CHECKPOINT_DIR
    states = {int(p.stem.split("_")[1]): p for p in directory.glob("state_*.json")}
    steps = sorted(states)
    kept = set(steps[-keep:]) | {_best_step(run_dir, steps)}
    for step in steps:
        if step in kept:
            continue
        files = json.loads(states[step].read_text())
        states[step].unlink()
        for key in ("model", "shapers", "replay_buffer"):
            if files[key]:
                (directory / files[key]).unlink(missing_ok=True)


def save_checkpoint(model: BaseAlgorithm, run_dir: Path, shapers: Sequence[torch.nn.Module],
                    monitor_path: Path | None, elapsed: float, resumed_from: Sequence[int] = (), keep: int = 2) -> None:
    """Save a checkpoint of ``model`` at its step count, then prune (:func:`prune_checkpoints`).

    Writes ``model_<steps>.zip``, ``shapers_<steps>.pt``, ``replay_buffer_<steps>.pkl``
    (off-policy; older ones are deleted once this checkpoint is complete, so a resume from an
    earlier checkpoint loses its buffer) and finally ``state_<steps>.json``, each atomically.

    Args:
        model: the agent.
        run_dir: the run directory.
        shapers: the training shapers, whose state dicts are saved.
        monitor_path: monitor.csv, whose size a resume truncates it to.
        elapsed: seconds of training so far.
        resumed_from: steps of earlier resumes.
        keep: how many of the latest checkpoints to keep, besides the best.
    """
    directory = Path(run_dir) / CHECKPOINT_DIR
    directory.mkdir(parents=True, exist_ok=True)
    steps = int(model.num_timesteps)
    model_path = directory / f"model_{steps}.zip"
    _atomic_save(model_path, model.save)
    shapers_path = None
    if shapers:
        shapers_path = directory / f"shapers_{steps}.pt"
        _atomic_save(shapers_path, lambda f: torch.save([s.state_dict() for s in shapers], f))
    replay_path = None
    if isinstance(model, OffPolicyAlgorithm):
        replay_path = directory / f"replay_buffer_{steps}.pkl"
        _atomic_save(replay_path, model.save_replay_buffer)
    state = {
        "timesteps": steps,
        "elapsed": elapsed,
        "monitor_bytes": monitor_path.stat().st_size if monitor_path is not None and monitor_path.exists() else None,
        "model": model_path.name,
        "shapers": shapers_path.name if shapers_path else None,
        "replay_buffer": replay_path.name if replay_path else None,
        "resumed_from": list(resumed_from),
    }
    atomic_write_text(directory / f"state_{steps}.json", json.dumps(state, indent=1))
    for old in directory.glob("replay_buffer_*.pkl"):  # replay buffers are large: keep the latest
        if old != replay_path:
            old.unlink()
    prune_checkpoints(run_dir, keep)


class CheckpointCallback(BaseCallback):
    """Save a checkpoint every ``checkpoint_freq`` steps, keeping the ``keep`` latest and the best."""

    def __init__(self, run_dir: Path, checkpoint_freq: int, shapers: Sequence[torch.nn.Module],
                 monitor_path: Path | None, clock: Callable[[], float], last_timesteps: int = 0,
                 resumed_from: Sequence[int] = (), keep: int = 2) -> None:
        super().__init__()
        self.run_dir = Path(run_dir)
        self.checkpoint_freq = checkpoint_freq
        self.shapers = list(shapers)
        self.monitor_path = monitor_path
        self.clock = clock
        self.last_timesteps = last_timesteps
        self.resumed_from = list(resumed_from)
        self.keep = keep

    def save_now(self) -> None:
        """Checkpoint at the current step (also used for the best and the final one)."""
        save_checkpoint(self.model, self.run_dir, self.shapers, self.monitor_path, self.clock(), self.resumed_from,
                        self.keep)
        self.last_timesteps = int(self.model.num_timesteps)

    def _on_rollout_start(self) -> None:
        if self.num_timesteps >= (self.last_timesteps // self.checkpoint_freq + 1) * self.checkpoint_freq:
            self.save_now()

    def _on_step(self) -> bool:
        return True


class InterruptCallback(BaseCallback):
    """Turn the first SIGINT (Ctrl-C) during ``learn`` into a clean stop at the next env step.

    ``learn`` then returns with :attr:`requested` set, so the caller can checkpoint a model that
    no signal cut in the middle of an update. A second SIGINT interrupts at once, as usual. The
    handler is installed only in the main thread (Python delivers signals there alone).
    """

    def __init__(self) -> None:
        super().__init__()
        self.requested = False
        self._previous: Any = None

    def _on_training_start(self) -> None:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signum: int, frame: Any) -> None:
        self.requested = True
        signal.signal(signal.SIGINT, self._previous)

    def _on_step(self) -> bool:
        return not self.requested

    def _on_training_end(self) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None


class ProgressCallback(BaseCallback):
    """Report ``(steps_done, total)`` to ``progress``, or draw a tqdm bar.

    Without ``progress``, the bar is drawn when stderr is a terminal (else nothing is shown).
    Throttled to ~4 reports per second.
    """

    def __init__(self, total: int, progress: ProgressFn | None = None, desc: str = "") -> None:
        super().__init__()
        self.total = total
        self.progress = progress
        self.desc = desc
        self.bar: Any = None
        self._last_report = 0.0

    def _on_training_start(self) -> None:
        if self.progress is None and sys.stderr.isatty():
            from tqdm.auto import tqdm

            self.bar = tqdm(total=self.total, initial=self.num_timesteps, desc=self.desc, unit="step",
                            dynamic_ncols=True)

    def _report(self) -> None:
        done = min(int(self.num_timesteps), self.total)
        if self.progress is not None:
            self.progress(done, self.total)
        elif self.bar is not None:
            self.bar.update(done - self.bar.n)

    def _on_step(self) -> bool:
        now = time.monotonic()
        if now - self._last_report >= 0.25:
            self._last_report = now
            self._report()
        return True

    def _on_training_end(self) -> None:
        self._report()
        if self.bar is not None:
            self.bar.close()


class ShaperStatsCallback(BaseCallback):
    """Log each shaper's latest ``update()`` statistics to TensorBoard as ``shaper/<name>/<stat>``.

    Reads ``last_update_stats`` of ``reward_plugins.wrappers.ShapedVecEnv`` (``{shaper label:
    {stat: float}}``) and each shaper's current weight at the end of each rollout; does nothing
    for unshaped runs.
    """

    def __init__(self, venv: VecEnv) -> None:
        super().__init__()
        self.venv = venv

    def _on_rollout_end(self) -> None:
        for name, stats in (getattr(self.venv, "last_update_stats", None) or {}).items():
            for key, value in stats.items():
                self.logger.record(f"shaper/{name}/{key}", float(value))
        for name, weight in (getattr(self.venv, "current_weights", None) or {}).items():
            self.logger.record(f"shaper/{name}/weight", float(weight))

    def _on_step(self) -> bool:
        return True
