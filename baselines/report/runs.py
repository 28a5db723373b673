"""Reading run directories for a report: complete runs, their final scores and learning curves."""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..config import CONFIG_FILE, EVAL_FILE, MONITOR_FILE, RESULT_FILE, RunConfig

#: Episodes per point of a learning curve rebuilt from monitor.csv (when eval.jsonl is missing).
MONITOR_WINDOW = 20


@dataclass
class Run:
    """One complete run: its config, result.json and the directory it came from."""

    path: Path
    config: RunConfig
    result: dict[str, Any]

    @property
    def env_id(self) -> str:
        return self.config.env_id

    @property
    def method(self) -> str:
        """The shaper label: ``label``, else the shaper names (``none`` without shaping)."""
        return self.config.label or self.config.shaper_label

    def final(self, key: str) -> float | None:
        """``success_rate`` / ``return_mean`` of the final evaluation (training episodes as fallback)."""
        value = (self.result.get("final_eval") or {}).get(key)
        if value is None:
            value = self.result.get({"success_rate": "train_success_rate", "return_mean": "train_return_mean"}[key])
        return None if value is None else float(value)

    def curve(self, key: str) -> tuple[np.ndarray, np.ndarray] | None:
        """``(steps, values)`` of ``key`` (``success_rate`` or ``return_mean``) over training.

        From eval.jsonl, else from monitor.csv episodes (mean of each block of episodes).
        """
        records = _read_jsonl(self.path / EVAL_FILE)
        points = [(r["timesteps"], r[key]) for r in records if r.get(key) is not None]
        if len(points) >= 2:
            steps, values = np.array(points, dtype=float).T
            return steps, values
        return _monitor_curve(self.path / MONITOR_FILE, key)


#: Config fields that do not make a different method: what varies between runs of one method
#: (env, seed, hardware) or only how often it is measured and saved.
NOT_METHOD_FIELDS = ("env_id", "env_kwargs", "seed", "device", "label", "eval_freq", "eval_episodes",
                     "checkpoint_freq")


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}{k}."))
        return out
    return {prefix.rstrip("."): value}


def method_names(runs: Iterable[Run]) -> dict[Path, str]:
    """The method each run belongs to, by run directory.

    The method is the run's label (or shaper names) and, when runs under one name were trained
    differently (algorithm, hyperparameters, shaper settings, budget), the settings
    that tell them apart, e.g. ``none (ppo)`` / ``none (a2c)`` or ``rnd (learning_rate=0.0001)``.

    Runs that differ only in env, seed, device or evaluation settings share a method.
    """
    by_name: dict[str, list[Run]] = {}
    for run in runs:
        by_name.setdefault(run.method, []).append(run)
    names: dict[Path, str] = {}
    for base, group in by_name.items():
        flat = {}
        for run in group:
            config = {k: v for k, v in run.config.to_dict().items() if k not in NOT_METHOD_FIELDS}
            flat[run.path] = _flatten(config)
        keys = sorted({k for f in flat.values() for k in f})
        differing = [k for k in keys if len({json.dumps(f.get(k), default=str) for f in flat.values()}) > 1]
        for run in group:
            parts = [str(flat[run.path].get(k)) if k == "algo" else f"{k.split('.')[-1]}={flat[run.path].get(k)}"
                     for k in differing]
            names[run.path] = f"{base} ({', '.join(parts)})" if parts else base
    return names


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    records = []
    for line in path.read_text().splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a line cut short by a crash
    return records


def _monitor_curve(path: Path, key: str) -> tuple[np.ndarray, np.ndarray] | None:
    import pandas as pd

    if not path.exists():
        return None
    episodes = pd.read_csv(path, comment="#")
    column = {"success_rate": "is_success", "return_mean": "r"}[key]
    if column not in episodes or episodes[column].dropna().empty:
        return None
    steps = episodes["l"].cumsum().to_numpy(dtype=float)
    values = episodes[column].astype(float).to_numpy()
    blocks = [slice(i, i + MONITOR_WINDOW) for i in range(0, len(values), MONITOR_WINDOW)]
    if len(blocks) < 2:
        return None
    return np.array([steps[b][-1] for b in blocks]), np.array([np.nanmean(values[b]) for b in blocks])


def load_runs(runs_dir: Path, include: Iterable[str] | None = None) -> tuple[list[Run], list[Path]]:
    """Every run directory under ``runs_dir`` (any depth): ``(complete runs, incomplete dirs)``.

    A run is complete when its result.json exists (written atomically last by ``train``).
    :param include: only the run directories with these names (e.g. one grid's run names).
    """
    complete, incomplete = [], []
    wanted = None if include is None else set(include)
    for config_path in sorted(Path(runs_dir).rglob(CONFIG_FILE)):
        run_dir = config_path.parent
        if wanted is not None and run_dir.name not in wanted:
            continue
        result_path = run_dir / RESULT_FILE
        if not result_path.exists():
            incomplete.append(run_dir)
            continue
        complete.append(Run(run_dir, RunConfig.load(run_dir), json.loads(result_path.read_text())))
    return complete, incomplete
