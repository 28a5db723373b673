"""Eureka's reward evolution: sample reward programs, train a short run on each, reflect, repeat.

Each iteration asks the LLM for ``samples`` programs (:func:`reward_plugins.codegen.generate_rewards`:
extraction, the critic on random and oracle reward states, repairs), trains one short run per
accepted program through the grid machinery (process pool or Ray, the same as YAML grids; the
program's reward, run in the sandbox by the ``code`` shaper, is added to the env's own), scores
each run by its best evaluated task success (its best return when the env reports no success),
and feeds the best program back with Eureka's reward reflection (each component and the task
score at ten points over training), Auto MC-Reward's trajectory analysis of the best run (its final
policy played on the evaluation levels: :mod:`baselines.analyser`) and, optionally, human feedback
(Text2Reward's refinement).
The best program over all iterations is retrained on ``final_seeds`` seeds for the final score.

Everything goes under the run directory::

    RUN_DIR/evolve.json                 the configuration (a resume must match it)
    RUN_DIR/llm_cache/                  the client's response cache (replays need no server)
    RUN_DIR/iter_00/feedback.txt        the feedback the iteration's prompt carried (absent in the first)
    RUN_DIR/iter_00/candidates.json     prompts, replies, programs and critic reports of every attempt
    RUN_DIR/iter_00/program_<k>.py      each accepted program
    RUN_DIR/iter_00/runs/               the training runs (grid run directories: eval.jsonl, result.json, ...)
    RUN_DIR/iter_00/analysis.txt        the trajectory analysis of the best program's run (unless turned off)
    RUN_DIR/iter_00/iteration.json      scores, curves, the best program, the reflection, the analysis (written last)
    RUN_DIR/final/best.py               the best program
    RUN_DIR/final/runs/                 its retraining on the final seeds
    RUN_DIR/summary.json                the outcome (written last)

A killed evolve resumes where it stopped: finished iterations are read back, generated programs
are read back from ``candidates.json`` (not asked for again), the grid skips finished runs, and
an ``analysis.txt`` on disk is read back rather than recomputed.
"""
from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import IO, Any

import numpy as np

from agentenvs.errors import ConfigError
from reward_plugins.codegen import generate_rewards, reward_reflection
from reward_plugins.llm import ChatClient

from .analyser import analyse_run
from .callbacks import read_eval_lines
from .config import EVAL_FILE
from .grid import load_spec, run_grid
from .grid.runner import atomic_write_text
from .reward_cli import (
    CANDIDATES_FILE,
    critic_states,
    describe,
    llm_name,
    require_reward_state,
    sandbox_runner,
    write_candidates,
)

CONFIG_FILE = "evolve.json"
ITERATION_FILE = "iteration.json"
FEEDBACK_FILE = "feedback.txt"
ANALYSIS_FILE = "analysis.txt"
SUMMARY_FILE = "summary.json"
CACHE_DIR = "llm_cache"
#: The grid label of an evolved program's reward (its components are logged as ``code/<name>``).
CODE_LABEL = "code"

#: ``human_feedback(iteration, machine_feedback) -> text or None``, asked after each iteration.
HumanFeedback = Callable[[int, str], "str | None"]


@dataclass
class EvolveConfig:
    """What to evolve and with how much compute (Eureka's own runs use 5 iterations x 16 samples).

    ``total_timesteps`` is each run's PPO budget; ``hyperparams`` override the algorithm's tuned ones
    (e.g. a small ``n_steps`` for tiny budgets); ``critic_episodes`` random and oracle episodes give the
    critic's reward states; the trajectory analyser plays ``analysis_episodes`` episodes of each
    iteration's best policy (0 turns it off).
    """

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
    hyperparams: dict[str, Any] = field(default_factory=dict)
    repair_rounds: int = 2
    temperature: float = 1.0
    examples: list[str] = field(default_factory=list)
    critic_episodes: int = 4
    analysis_episodes: int = 8

    def __post_init__(self) -> None:
        for name in ("iterations", "samples", "total_timesteps", "n_envs", "eval_freq", "eval_episodes",
                     "final_seeds", "critic_episodes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name} must be an int >= 1, got {value!r}")
        for name in ("repair_rounds", "analysis_episodes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigError(f"{name} must be an int >= 0, got {value!r}")
        if not isinstance(self.task, str) or not self.task.strip():
            raise ConfigError(f"task must be a non-empty description of what to learn, got {self.task!r}")

    def budget(self) -> dict[str, Any]:
        """The grid budget of every run (one checkpoint, at the end: short runs restart rather than resume)."""
        return {"total_timesteps": self.total_timesteps, "n_envs": self.n_envs, "eval_freq": self.eval_freq,
                "eval_episodes": self.eval_episodes, "checkpoint_freq": self.total_timesteps, "device": "cpu"}


@dataclass
class ProgramScore:
    """One trained program: where it is, its score and the curves the reflection shows."""

    iteration: int
    index: int
    score: float
    success: list[float]
    components: dict[str, list[float]]
    program: str
    """The program's file name in its iteration folder."""
    run: str
    """Its training run's directory, relative to its iteration folder."""


def score_run(run_dir: Path) -> tuple[float, list[float], dict[str, list[float]]]:
    """A run's score (best evaluated success, else best return), its task-score curve and its program's components.

    Components are the program's terms as the shaping wrapper logs them (``code/<name>``, per-episode
    sums averaged over evaluation episodes), keyed by ``<name>``.
    """
    records = read_eval_lines(run_dir / EVAL_FILE)
    if not records:
        raise ConfigError(f"{run_dir} has no evaluations ({EVAL_FILE}); the run did not train")
    has_success = records[-1]["success_rate"] is not None
    curve = [float(r["success_rate"] if has_success else r["return_mean"]) for r in records]
    components: dict[str, list[float]] = {}
    for record in records:
        for name, value in (record.get("reward_components") or {}).items():
            if name.startswith(CODE_LABEL + "/"):
                components.setdefault(name.split("/", 1)[1], []).append(float(value))
    return max(curve), curve, components


def file_feedback(path: str | Path) -> HumanFeedback:
    """Human feedback read from ``path`` after each iteration (edit the file while evolve runs; absent: none)."""
    def read(iteration: int, machine: str) -> str | None:
        try:
            return Path(path).read_text().strip() or None
        except FileNotFoundError:
            return None
    return read


class Evolution:
    """One evolve run in ``run_dir`` (see the module docstring); :meth:`run` does it, resuming if begun.

    Args:
        config: what to evolve.
        run_dir: where everything goes.
        client: the LLM client; default a :class:`~reward_plugins.llm.ChatClient` from the
            ``AGENTENVS_LLM_*`` variables with its cache in ``run_dir/llm_cache``.
        workers: runs trained at once.
        backend: the grid's ``"pool"`` or ``"ray"``.
        human_feedback: asked after each iteration (but the last) for text the next prompt carries.
        stream: where progress goes (default stderr).
    """

    def __init__(self, config: EvolveConfig, run_dir: str | Path, client: ChatClient | None = None, *,
                 workers: int = 2, backend: str = "pool", human_feedback: HumanFeedback | None = None,
                 stream: IO[str] | None = None) -> None:
        self.config = config
        self.run_dir = Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        saved = self.run_dir / CONFIG_FILE
        if saved.exists():
            if json.loads(saved.read_text()) != json.loads(json.dumps(asdict(config))):
                raise ConfigError(f"{self.run_dir} holds an evolve run with another configuration ({saved}); "
                                  "use a new run directory, or the same arguments to resume it")
        else:
            atomic_write_text(saved, json.dumps(asdict(config), indent=1))
        self.client = client if client is not None else ChatClient(cache_dir=self.run_dir / CACHE_DIR)
        self.workers, self.backend = workers, backend
        self.human_feedback = human_feedback
        self.stream = stream if stream is not None else sys.stderr
        self._states: dict[str, Any] | None = None
        self._env_doc: str | None = None

    def say(self, text: str) -> None:
        """One progress line."""
        print(f"[evolve] {text}", file=self.stream, flush=True)

    def folder(self, iteration: int) -> Path:
        return self.run_dir / f"iter_{iteration:02d}"

    # -- pieces ----------------------------------------------------------------------------------
    def env_doc(self) -> str:
        """The env's ``reward_state_doc`` (what the prompt shows)."""
        if self._env_doc is None:
            import gymnasium as gym

            env = gym.make(self.config.env_id, **self.config.env_kwargs)
            try:
                doc = require_reward_state(env, self.config.env_id)
            finally:
                env.close()
            if not doc:
                raise ConfigError(f"{self.config.env_id} documents no reward state (reward_state_doc); "
                                  "the prompt needs it")
            self._env_doc = doc
        return self._env_doc

    def critic_states(self) -> dict[str, Any]:
        """Reward states of random and oracle episodes: what the critic runs each program on."""
        if self._states is None:
            self._states = critic_states(self.config.env_id, self.config.env_kwargs, self.config.critic_episodes,
                                         self.config.seed)
        return self._states

    def generate(self, iteration: int, feedback: str | None) -> dict[str, str]:
        """Ask for the iteration's programs (or read them back); program label -> accepted source."""
        folder = self.folder(iteration)
        done = folder / CANDIDATES_FILE
        if done.exists():
            records = json.loads(done.read_text())
            self.say(f"iteration {iteration}: programs read back from {done}")
        else:
            self.say(f"iteration {iteration}: asking {llm_name(self.client)} for {self.config.samples} program(s)")
            candidates = generate_rewards(
                self.client, self.env_doc(), self.config.task, self.critic_states(), sandbox_runner,
                samples=self.config.samples, repair_rounds=self.config.repair_rounds,
                examples=self.config.examples, feedback=feedback, temperature=self.config.temperature,
                seed=self.config.seed + iteration)
            records = write_candidates(folder, candidates)
        for record in records:
            self.say(f"iteration {iteration}: {describe(record)}")
        accepted = {f"program_{r['index']}": r["attempts"][-1]["source"] for r in records if r["ok"]}
        self.say(f"iteration {iteration}: {len(accepted)} of {len(records)} program(s) accepted by the critic "
                 f"after {sum(r['repairs'] for r in records)} repair(s)")
        return accepted

    def train(self, name: str, programs: Mapping[str, str], seeds: list[int], runs_dir: Path) -> dict[str, list[Path]]:
        """Train every program (label -> source) on ``seeds`` as one grid; label -> its finished run directories."""
        spec = load_spec({
            "name": name,
            "envs": [{"id": self.config.env_id, "env_kwargs": self.config.env_kwargs}],
            "shapers": [{"label": label, "shapers": [{"name": CODE_LABEL, "kwargs": {"source": source}}]}
                        for label, source in programs.items()],
            "algos": [{"name": self.config.algo, "hyperparams": self.config.hyperparams}],
            "seeds": seeds, "budget": self.config.budget(),
        })
        result = run_grid(spec, runs_dir, workers=self.workers, backend=self.backend, stream=self.stream, tty=False)
        for run in result.failed:
            self.say(f"run {run} failed: {result.errors.get(run, '?').strip().splitlines()[-1]}")
        out: dict[str, list[Path]] = {label: [] for label in programs}
        for config in spec.runs():
            if result.states.get(config.run_name) in ("done", "skipped"):
                out[str(config.label)].append(runs_dir / config.run_name)
        return out

    def program(self, score: Mapping[str, Any]) -> str:
        """The source of a scored program (a :class:`ProgramScore` as a dict)."""
        return (self.folder(int(score["iteration"])) / score["program"]).read_text()

    def analyse(self, best: ProgramScore) -> str | None:
        """The trajectory analysis of ``best``'s run (read back from ``analysis.txt`` when there); ``None`` when off."""
        if not self.config.analysis_episodes:
            return None
        path = self.folder(best.iteration) / ANALYSIS_FILE
        if path.exists():
            self.say(f"iteration {best.iteration}: trajectory analysis read back from {path}")
            return path.read_text()
        self.say(f"iteration {best.iteration}: analysing program_{best.index}'s policy on "
                 f"{self.config.analysis_episodes} evaluation episode(s)")
        text = analyse_run(self.folder(best.iteration) / best.run, self.program(asdict(best)),
                           self.config.analysis_episodes)
        atomic_write_text(path, text)
        return text

    # -- the loop --------------------------------------------------------------------------------
    def iteration(self, i: int, feedback: str | None) -> dict[str, Any]:
        """Generate, train and score iteration ``i`` (read back when finished before); its record."""
        folder = self.folder(i)
        done = folder / ITERATION_FILE
        if done.exists():
            self.say(f"iteration {i}: finished before, read back from {done}")
            return dict(json.loads(done.read_text()))
        folder.mkdir(parents=True, exist_ok=True)
        if feedback:
            atomic_write_text(folder / FEEDBACK_FILE, feedback)
        accepted = self.generate(i, feedback)
        scores: list[ProgramScore] = []
        if accepted:
            self.say(f"iteration {i}: training {len(accepted)} program(s) for {self.config.total_timesteps} steps each")
            for label, dirs in self.train(f"iter_{i:02d}", accepted, [self.config.seed], folder / "runs").items():
                if dirs:
                    score, curve, components = score_run(dirs[0])
                    scores.append(ProgramScore(i, int(label.split("_")[1]), score, curve, components, f"{label}.py",
                                               str(dirs[0].relative_to(folder))))
        best = max(scores, key=lambda s: s.score, default=None)
        analysis = None
        if best is None:
            reflection = "No reward function was accepted and trained. Follow the rules and the signature exactly."
        else:
            reflection = (f"The best reward function of the last iteration:\n```python\n{self.program(asdict(best))}"
                          f"```\n{reward_reflection(best.components, best.success)}")
            analysis = self.analyse(best)
        record = {"iteration": i, "scores": [asdict(s) for s in scores], "best": asdict(best) if best else None,
                  "reflection": reflection, "analysis": analysis}
        atomic_write_text(done, json.dumps(record, indent=1))
        self.say(f"iteration {i}: best score {best.score:.3f} (program_{best.index})" if best else
                 f"iteration {i}: no program trained")
        return record

    def run(self) -> dict[str, Any]:
        """Run (or resume) every iteration and the final retraining; the summary (also in summary.json)."""
        feedback: str | None = None
        best: dict[str, Any] | None = None
        history = []
        for i in range(self.config.iterations):
            record = self.iteration(i, feedback)
            history.append(record["best"]["score"] if record["best"] else None)
            if record["best"] and (best is None or record["best"]["score"] > best["score"]):
                best = record["best"]
            feedback = "\n\n".join(text for text in (record["reflection"], record.get("analysis")) if text)
            if self.human_feedback is not None and i + 1 < self.config.iterations:
                extra = self.human_feedback(i, feedback)
                if extra and extra.strip():
                    feedback += f"\n\nHuman feedback on the last iteration: {extra.strip()}"
        summary: dict[str, Any] = {"env_id": self.config.env_id, "task": self.config.task,
                                   "iteration_scores": history, "best": best}
        if best is None:
            summary.update(best_program=None, final_scores=[], final_score=None)
            self.say("no program was accepted and trained in any iteration")
        else:
            final = self.run_dir / "final"
            final.mkdir(exist_ok=True)
            atomic_write_text(final / "best.py", self.program(best))
            seeds = [self.config.seed + 1000 + k for k in range(self.config.final_seeds)]
            self.say(f"final: retraining the best program (iteration {best['iteration']}, "
                     f"program_{best['index']}) on {len(seeds)} seed(s)")
            runs = self.train("final", {"best": self.program(best)}, seeds, final / "runs")["best"]
            finals = [score_run(d)[0] for d in runs]
            summary.update(best_program=str(Path("final") / "best.py"), final_scores=finals,
                           final_score=float(np.mean(finals)) if finals else None)
            self.say(f"final score {summary['final_score']} over {len(finals)} seed(s); summary in "
                     f"{self.run_dir / SUMMARY_FILE}")
        atomic_write_text(self.run_dir / SUMMARY_FILE, json.dumps(summary, indent=1))
        return summary


def evolve(env_id: str, task: str, iterations: int = 2, samples_per_iteration: int = 2, budget: int = 20_000, *,
           run_dir: str | Path, client: ChatClient | None = None, **kwargs: Any) -> dict[str, Any]:
    """Evolve a reward program for ``task`` on ``env_id`` into ``run_dir`` (see the module docstring); the summary.

    ``budget`` is each training run's timesteps. ``kwargs`` are further :class:`EvolveConfig` fields
    (``final_seeds``, ``n_envs``, ``hyperparams``, ...) and the :class:`Evolution` options
    ``workers``, ``backend``, ``human_feedback`` and ``stream``. Calling it again with the same
    arguments resumes (or, when finished, just reads back) the run.
    """
    options = {k: kwargs.pop(k) for k in ("workers", "backend", "human_feedback", "stream") if k in kwargs}
    unknown = sorted(set(kwargs) - {f.name for f in fields(EvolveConfig)})
    if unknown:
        raise ConfigError(f"evolve() got unknown settings {unknown}; EvolveConfig has "
                          f"{[f.name for f in fields(EvolveConfig)]}")
    config = EvolveConfig(env_id, task, iterations=iterations, samples=samples_per_iteration,
                          total_timesteps=budget, **kwargs)
    return Evolution(config, run_dir, client, **options).run()
