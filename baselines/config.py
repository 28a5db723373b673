"""What one run is: a :class:`RunConfig`, and the layout of its directory on disk.

A run directory holds everything needed to inspect, resume and aggregate one training run::

    RUN_DIR/
      config.yaml        the resolved RunConfig (written first)
      monitor.csv        SB3 Monitor episodes (r, l, t, is_success, ...)
      tb/                TensorBoard events
      eval.jsonl         one JSON object per periodic evaluation (see EVAL_FIELDS)
      checkpoints/       model_<steps>.zip (+ vecnormalize / shaper state when present)
      result.json        final summary; written atomically LAST, so its presence means complete

``config.yaml`` also holds, under :data:`RESOLVED_KEY`, what training resolved (algorithm class,
policy, merged hyperparameters). A checkpoint is ``model_<steps>.zip``, ``shapers_<steps>.pt``
(shaper state dicts, shaped runs), ``replay_buffer_<steps>.pkl`` (off-policy, latest only) and
``state_<steps>.json`` (step count, training seconds, monitor.csv size), written last: a
checkpoint without its state file is incomplete and ignored.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from reward_plugins.spec import ShaperSpec, parse_shaper_specs

from .yaml_io import load_yaml

__all__ = ["RunConfig", "ShaperSpec"]  # ShaperSpec: reward_plugins' own, re-exported for configs

CONFIG_FILE = "config.yaml"
MONITOR_FILE = "monitor.csv"
TB_DIR = "tb"
EVAL_FILE = "eval.jsonl"
CHECKPOINT_DIR = "checkpoints"
RESULT_FILE = "result.json"

#: Keys of each eval.jsonl line. ``reward_components`` maps component name -> mean per episode.
EVAL_FIELDS = (
    "timesteps", "success_rate", "return_mean", "return_std", "ep_len_mean", "reward_components", "wall_time",
)

#: Key of config.yaml holding what ``train`` resolved from the config (algorithm class, policy,
#: merged hyperparameters, extractor, vec env kind, library versions). Not a RunConfig field:
#: :meth:`RunConfig.from_dict` ignores it, so ``RunConfig.load(run_dir).run_name`` is unchanged.
RESOLVED_KEY = "resolved"

#: Keys of result.json. ``final_eval`` is the last eval.jsonl record; ``train_success_rate`` and
#: ``train_return_mean`` cover the last 100 training episodes of monitor.csv; ``wall_time`` is
#: seconds of training (a resume adds only the time after its checkpoint); ``resumed_from`` lists
#: the checkpoint steps of each resume.
RESULT_FIELDS = ("complete", "run_name", "timesteps", "total_timesteps", "wall_time", "algo_class", "final_eval",
                 "best_success_rate", "train_episodes", "train_success_rate", "train_return_mean", "resumed_from")


@dataclass
class RunConfig:
    """Everything that determines one training run (env x shapers x algorithm x seed x budget)."""

    env_id: str
    algo: str = "ppo"
    seed: int = 0
    total_timesteps: int = 50_000
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    shapers: list[ShaperSpec] = field(default_factory=list)
    policy: str | None = None
    hyperparams: dict[str, Any] = field(default_factory=dict)
    n_envs: int = 8
    eval_freq: int = 5_000
    eval_episodes: int = 20
    checkpoint_freq: int = 10_000
    device: str = "auto"
    label: str | None = None

    def __post_init__(self) -> None:
        # one parser for every way a config names shapers (dicts from config.yaml, specs, names)
        self.shapers = parse_shaper_specs(self.shapers, "shapers")

    @property
    def shaper_label(self) -> str:
        """Short name of the shaping used, e.g. ``none`` or ``rnd+e3b``."""
        return "+".join(s.name for s in self.shapers) or "none"

    @property
    def run_name(self) -> str:
        """A directory name unique to this config: readable parts plus a content hash."""
        digest = hashlib.sha1(json.dumps(self.to_dict(), sort_keys=True, default=str).encode()).hexdigest()[:8]
        env = self.env_id.split("/")[-1]
        return f"{env}__{self.label or self.shaper_label}__{self.algo}__s{self.seed}__{digest}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunConfig:
        data = dict(data)
        data.pop(RESOLVED_KEY, None)
        return cls(**data)

    def save(self, run_dir: Path) -> None:
        Path(run_dir).mkdir(parents=True, exist_ok=True)
        (Path(run_dir) / CONFIG_FILE).write_text(yaml.safe_dump(self.to_dict(), sort_keys=False))

    @classmethod
    def load(cls, run_dir: Path) -> RunConfig:
        return cls.from_dict(load_yaml((Path(run_dir) / CONFIG_FILE).read_text()))
