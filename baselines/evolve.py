"""Eureka's reward evolution: sample reward programs, train a short run on each, reflect, repeat.

Each iteration asks the LLM for ``samples`` programs (:func:`reward_plugins.codegen.generate_rewards`:
extraction, the critic on random and oracle reward states, repairs), trains one short run per
accepted program through the grid machinery (process pool or Ray, the same as YAML grids; the
program's reward, run in the sandbox by the ``code`` shaper, is added to the env's own), scores
each run by its best evaluated task success (its best return when the env reports no success),
and feeds the best program back with Eureka's reward reflection (each component and the task
score at ten points over training) and, optionally, human feedback. The best program over all
iterations is retrained on ``final_seeds`` seeds for the final score.

Everything goes under the run directory::

    RUN_DIR/evolve.json                 the configuration
    RUN_DIR/llm_cache/                  the client's response cache (replays need no server)
    RUN_DIR/iter_00/candidates.json     prompts, replies, programs and critic reports
    RUN_DIR/iter_00/program_<k>.py      each accepted program
    RUN_DIR/iter_00/runs/               the training runs (grid run directories)
    RUN_DIR/iter_00/iteration.json      scores, the best program, the reflection (written last)
    RUN_DIR/final/                      best.py, runs/ and score.json
    RUN_DIR/summary.json                the outcome (written last)

A killed evolve resumes where it stopped: finished iterations are read back, the grid resumes
unfinished runs, and generation replays from the cache.
"""
from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
from reward_plugins.code import default_sandbox
from reward_plugins.llm import ChatClient

from agentenvs.errors import ConfigError
from reward_plugins.codegen import Candidate, generate_rewards, reward_reflection

from .callbacks import read_eval_lines
from .config import EVAL_FILE
from .grid import load_spec, run_grid
from .grid.runner import atomic_write_text
from .rollouts import collect_trajectories, reward_state_batch

CONFIG_FILE = "evolve.json"
ITERATION_FILE = "iteration.json"
SUMMARY_FILE = "summary.json"
CODE_LABEL = "code"


@dataclass
class EvolveConfig:
    """What to evolve and with how much compute (Eureka's own defaults are 5 iterations x 16 samples)."""

    env_id: str
    task: str
    iterations: int = 2
    samples: int = 2
    total_timesteps: int = 20_000
    n_envs: int = 4
    eval_freq: int = 2_000
    eval_episodes: int = 20
    final_seeds: int = 3
    seed: int = 0
    algo: str = "ppo"
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    repair_rounds: int = 2
    temperature: float = 1.0
    examples: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        for name in ("iterations", "samples", "total_timesteps", "n_envs", "eval_freq", "eval_episodes", "final_seeds"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name} must be an int >= 1, got {value!r}")
        if not isinstance(self.task, str) or not self.task.strip():
            raise ConfigError(f"task must be a non-empty description of what to learn, got {self.task!r}")

    def budget(self) -> dict[str, Any]:
        return {"total_timesteps": self.total_timesteps, "n_envs": self.n_envs, "eval_freq": self.eval_freq,
                "eval_episodes": self.eval_episodes, "checkpoint_freq": self.total_timesteps, "device": "cpu"}


@dataclass
class ProgramScore:
    """One trained program: its iteration, index, score and the curves the reflection shows."""

    iteration: int
    index: int
    score: float
    success: list[float]
    components: dict[str, list[float]]
    program: str
    """The program's file name in its iteration folder."""


def score_run(run_dir: Path) -> tuple[float, list[float], dict[str, list[float]]]:
    """A run's score (best evaluated success, else best return), its success curve and program component curves."""
    records = read_eval_lines(run_dir / EVAL_FILE)
    if not records:
        raise ConfigError(f"{run_dir} has no evaluations ({EVAL_FILE}); the run did not train")
    has_success = records[-1]["success_rate"] is not None
    curve = [float(r["success_rate"] if has_success else r["return_mean"]) for r in records]
    components: dict[str, list[float]] = {}
    for record in records:
        for name, value in (record.get("reward_components") or {}).items():
            if name == CODE_LABEL or name.startswith(CODE_LABEL + "/"):
                components.setdefault(name.split("/", 1)[-1] if "/" in name else "total", []).append(float(value))
    return max(curve), curve, components


class Evolution:
    """One evolve run in ``run_dir`` (see the module docstring); :meth:`run` does it, resuming if begun."""

    def __init__(self, config: EvolveConfig, run_dir: str | Path, client: ChatClient | None = None, *,
                 workers: int = 2, backend: str = "pool",
                 human_feedback: Callable[[int, str], str | None] | None = None, stream: IO[str] | None = None):
        self.config = config
        self.run_dir = Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        saved = self.run_dir / CONFIG_FILE
        if saved.exists() and json.loads(saved.read_text()) != asdict(config):
            raise ConfigError(f"{self.run_dir} holds an evolve run with another configuration ({saved}); "
                              "use a new run directory or the same arguments to resume")
        atomic_write_text(saved, json.dumps(asdict(config), indent=1))
        self.client = client or ChatClient(cache_dir=self.run_dir / "llm_cache")
        self.workers, self.backend = workers, backend
        self.human_feedback = human_feedback
        self.stream = stream or sys.stderr
        self._states: dict[str, Any] | None = None
        self._env_doc: str | None = None

    def say(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    # -- pieces ----------------------------------------------------------------------------------
    def env_doc(self) -> str:
        if self._env_doc is None:
            import gymnasium as gym

            env = gym.make(self.config.env_id, **self.config.env_kwargs)
            try:
                doc = getattr(env.unwrapped, "reward_state_doc", None)
            finally:
                env.close()
            if not doc:
                raise ConfigError(f"{self.config.env_id} documents no reward state (reward_state_doc); "
                                  "reward programs need it")
            self._env_doc = str(doc)
        return self._env_doc

    def critic_states(self) -> dict[str, Any]:
        if self._states is None:
            trajectories = collect_trajectories(self.config.env_id, self.config.env_kwargs, seed=self.config.seed)
            self._states = reward_state_batch(trajectories)
        return self._states

    def _runner(self, source: str, states: Mapping[str, Any]) -> tuple[Any, dict[str, Any]]:
        result = default_sandbox().run(source, states)
        return result.total, result.components

    def generate(self, iteration: int, feedback: str | None) -> list[Candidate]:
        candidates = generate_rewards(
            self.client, self.env_doc(), self.config.task, self.critic_states(), self._runner,
            samples=self.config.samples, repair_rounds=self.config.repair_rounds, examples=self.config.examples,
            feedback=feedback, temperature=self.config.temperature, seed=self.config.seed + iteration)
        folder = self.run_dir / f"iter_{iteration:02d}"
        folder.mkdir(exist_ok=True)
        atomic_write_text(folder / "candidates.json", json.dumps([c.to_dict() for c in candidates], indent=1))
        for candidate in candidates:
            if candidate.source:
                atomic_write_text(folder / f"program_{candidate.index}.py", candidate.source)
        return candidates

    def train(self, name: str, programs: Mapping[str, str], seeds: list[int], runs_dir: Path) -> dict[str, list[Path]]:
        """Train every program (label -> source) on ``seeds``; label -> its run directories."""
        spec = load_spec({
            "name": name,
            "envs": [{"id": self.config.env_id, "env_kwargs": self.config.env_kwargs}],
            "shapers": [{"label": label, "shapers": [{"name": CODE_LABEL, "kwargs": {"source": source}}]}
                        for label, source in programs.items()],
            "algos": [self.config.algo], "seeds": seeds, "budget": self.config.budget(),
        })
        result = run_grid(spec, runs_dir, workers=self.workers, backend=self.backend, stream=self.stream, tty=False)
        if result.failed:
            self.say(f"{len(result.failed)} run(s) failed: " + "; ".join(
                f"{n}: {result.errors.get(n, '?').strip().splitlines()[-1]}" for n in result.failed))
        out: dict[str, list[Path]] = {label: [] for label in programs}
        for config in spec.runs():
            if result.states.get(config.run_name) == "done" or (runs_dir / config.run_name / "result.json").exists():
                out[config.label or CODE_LABEL].append(runs_dir / config.run_name)
        return out

    def program(self, score: Mapping[str, Any]) -> str:
        """The source of a scored program (a :class:`ProgramScore` as a dict)."""
        return (self.run_dir / f"iter_{score['iteration']:02d}" / score["program"]).read_text()

    # -- the loop --------------------------------------------------------------------------------
    def iteration(self, i: int, feedback: str | None) -> dict[str, Any]:
        folder = self.run_dir / f"iter_{i:02d}"
        done = folder / ITERATION_FILE
        if done.exists():
            self.say(f"iteration {i}: already done, read back")
            return dict(json.loads(done.read_text()))
        self.say(f"iteration {i}: asking for {self.config.samples} reward program(s)")
        candidates = self.generate(i, feedback)
        accepted = {f"program_{c.index}": c.source for c in candidates if c.source}
        self.say(f"iteration {i}: {len(accepted)} of {len(candidates)} accepted by the critic "
                 f"({sum(c.repairs for c in candidates)} repair(s))")
        scores: list[ProgramScore] = []
        if accepted:
            runs = self.train(f"iter_{i:02d}", accepted, [self.config.seed], folder / "runs")
            for label, dirs in runs.items():
                if dirs:
                    score, curve, components = score_run(dirs[0])
                    scores.append(ProgramScore(i, int(label.split("_")[1]), score, curve, components, f"{label}.py"))
        best = max(scores, key=lambda s: s.score, default=None)
        reflection = (reward_reflection(best.components, best.success) if best else
                      "No reward function was accepted and trained. Follow the rules and the signature exactly.")
        record = {"iteration": i, "scores": [asdict(s) for s in scores], "best": asdict(best) if best else None,
                  "reflection": reflection}
        atomic_write_text(done, json.dumps(record, indent=1))
        self.say(f"iteration {i}: best score {best.score:.3f} (program_{best.index})" if best else
                 f"iteration {i}: nothing trained")
        return record

    def run(self) -> dict[str, Any]:
        """Run (or resume) every iteration and the final retraining; the summary (also in summary.json)."""
        feedback: str | None = None
        best: dict[str, Any] | None = None
        for i in range(self.config.iterations):
            record = self.iteration(i, feedback)
            if record["best"] and (best is None or record["best"]["score"] > best["score"]):
                best = record["best"]
            feedback = record["reflection"]
            if record["best"]:
                source = self.program(record["best"])
                feedback = f"The best reward function so far:\n```python\n{source}```\n\n{feedback}"
            if self.human_feedback is not None:
                extra = self.human_feedback(i, feedback)
                if extra:
                    feedback += f"\n\nHuman feedback: {extra.strip()}"
        if best is None:
            summary: dict[str, Any] = {"best": None, "final_score": None, "final_scores": []}
        else:
            source = self.program(best)
            final = self.run_dir / "final"
            final.mkdir(exist_ok=True)
            atomic_write_text(final / "best.py", source)
            seeds = [self.config.seed + 1000 + k for k in range(self.config.final_seeds)]
            self.say(f"final: retraining the best program on {len(seeds)} seed(s)")
            runs = self.train("final", {"best": source}, seeds, final / "runs")["best"]
            finals = [score_run(d)[0] for d in runs]
            summary = {"best": best, "final_scores": finals,
                       "final_score": float(np.mean(finals)) if finals else None}
            atomic_write_text(final / "score.json", json.dumps(summary, indent=1))
        atomic_write_text(self.run_dir / SUMMARY_FILE, json.dumps(summary, indent=1))
        return summary


def evolve(env_id: str, task: str, run_dir: str | Path, *, iterations: int = 2, samples_per_iteration: int = 2,
           client: ChatClient | None = None, **kwargs: Any) -> dict[str, Any]:
    """Evolve a reward program for ``task`` on ``env_id`` (see the module docstring); the summary.

    ``kwargs`` are :class:`EvolveConfig` fields (budget, seeds, env kwargs, ...) and the
    :class:`Evolution` options ``workers``, ``backend``, ``human_feedback`` and ``stream``.
    """
    options = {k: kwargs.pop(k) for k in ("workers", "backend", "human_feedback", "stream") if k in kwargs}
    config = EvolveConfig(env_id, task, iterations=iterations, samples=samples_per_iteration, **kwargs)
    return Evolution(config, run_dir, client, **options).run()
