"""``write_report``: complete runs -> learning curves, aggregate metrics, Markdown and LaTeX tables.

Scores. Each run's final evaluation gives one score per env: the success rate when the env
reports success, else the extrinsic return. It is normalised between the random policy (0) and
the oracle (1) of :func:`baselines.reference.reference_scores`, cached in
``RUNS_DIR/references.json``. An env without an oracle keeps its success rate as-is (already
in [0, 1]); an env with neither an oracle nor a success signal has no normalised score and is
left out of the aggregates (the report says so).
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from agentenvs.errors import AgentEnvsError

from . import plots, stats, tables
from .runs import Run, load_runs, method_names

log = logging.getLogger(__name__)

REFERENCES_FILE = "references.json"

ReferenceFn = Callable[[str, dict[str, Any]], dict[str, Any]]


class NoRunsError(AgentEnvsError, FileNotFoundError):
    """A report was asked of a folder without complete runs."""


@dataclass
class Report:
    """What :func:`write_report` wrote and the numbers behind it."""

    out_dir: Path
    markdown: str
    files: list[Path] = field(default_factory=list)
    incomplete: list[Path] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    aggregates: dict[str, dict[str, tuple[float, float, float]]] = field(default_factory=dict)


def _reference_key(env_id: str, env_kwargs: dict[str, Any]) -> str:
    return env_id + json.dumps(env_kwargs, sort_keys=True, default=str) if env_kwargs else env_id


def _default_reference_fn() -> ReferenceFn | None:
    try:
        from ..reference import reference_scores
    except ImportError:
        return None
    return reference_scores


def load_references(runs_dir: Path, envs: dict[str, tuple[str, dict[str, Any]]],
                    reference_fn: ReferenceFn | None) -> dict[str, dict[str, Any] | None]:
    """Random / oracle scores of each env, computed once and cached in ``RUNS_DIR/references.json``."""
    path = runs_dir / REFERENCES_FILE
    cache = json.loads(path.read_text()) if path.exists() else {}
    changed = False
    for key, (env_id, env_kwargs) in envs.items():
        if key in cache or reference_fn is None:
            continue
        try:
            cache[key] = reference_fn(env_id, env_kwargs)
        except Exception as exc:  # noqa: BLE001  (a report without references is still a report)
            log.warning("no reference scores for %s: %s", key, exc)
            continue
        changed = True
    if changed:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(cache, indent=1))
        tmp.replace(path)
    return {key: cache.get(key) for key in envs}


def _score(run: Run, refs: dict[str, Any] | None) -> tuple[float | None, str]:
    """The normalised score of one run and how it was obtained."""
    metric = "success_rate" if run.final("success_rate") is not None else "return_mean"
    value = run.final(metric)
    oracle = (refs or {}).get("oracle") or {}
    random = (refs or {}).get("random") or {}
    if value is not None and oracle.get(metric) is not None and random.get(metric) is not None:
        low, high = random[metric], oracle[metric]
        try:
            how = f"{metric.replace('_', ' ')} from random {low:.3g} to oracle {high:.3g}"
            return stats.normalise(value, low, high), how
        except ValueError:
            return None, (f"not normalised: the random and oracle policies score alike ({low:.3g}, {high:.3g}); "
                          "left out of the aggregates")
    if metric == "success_rate" and value is not None:
        return value, "success rate as-is (no oracle reference)"
    return None, "not normalised (no oracle and no success signal): left out of the aggregates"


def _slug(key: str, env_id: str) -> str:
    """A file-name part for an env key: the id's name, plus a short hash of its kwargs if any.

    The hash keeps two level files named alike in different folders from sharing a figure.
    """
    name = re.sub(r"[^A-Za-z0-9.-]+", "_", env_id.split("/")[-1]).strip("_")
    if key == env_id:
        return name
    return f"{name}_{hashlib.sha1(key.encode()).hexdigest()[:8]}"


def write_report(runs_dir: str | Path, out_dir: str | Path | None = None, *,
                 reference_fn: ReferenceFn | None | str = "default", reps: int = stats.DEFAULT_REPS,
                 seed: int = 0, include: Iterable[str] | None = None) -> Report:
    """Aggregate every complete run under ``runs_dir`` into ``out_dir`` (default ``RUNS_DIR/report``).

    Writes ``curves_<env>.png`` (success rate and return vs env steps, 95% bootstrap bands over
    seeds), ``performance_profile.png`` and ``aggregates.png`` (rliable, normalised scores),
    ``results.md`` and ``results.tex``. Incomplete runs (no result.json) are ignored and listed.

    Args:
        runs_dir: the folder holding the run directories.
        out_dir: where the report goes.
        reference_fn: ``fn(env_id, env_kwargs) -> {"random": {...}, "oracle": {...} | None}``;
            default :func:`baselines.reference.reference_scores`; ``None`` uses only the cache.
        reps: bootstrap replications.
        seed: seed of every bootstrap.
        include: only the runs with these directory names (default: every run under ``runs_dir``).

    Returns:
        What was written and the numbers behind it.
    """
    runs_dir = Path(runs_dir)
    out = Path(out_dir) if out_dir is not None else runs_dir / "report"
    runs, incomplete = _complete_runs(runs_dir, include)
    out.mkdir(parents=True, exist_ok=True)
    groups, env_keys, methods = _group_runs(runs)
    colors = plots.method_colors(methods)
    fn = _default_reference_fn() if reference_fn == "default" else reference_fn
    references = load_references(runs_dir, env_keys, fn)  # type: ignore[arg-type]

    report = Report(out, "", incomplete=incomplete)
    notes: dict[str, str] = {}
    scores: dict[str, dict[str, list[float]]] = defaultdict(dict)  # method -> env -> per-seed scores
    for key, by_method in groups.items():
        rows, notes[key], env_scores, curves = _summarise_env(key, by_method, references[key], reps, seed)
        report.rows += rows
        for name, values in env_scores.items():
            scores[name][key] = values
        path = out / f"curves_{_slug(key, env_keys[key][0])}.png"
        report.files.append(plots.plot_learning_curves(key, curves, colors, path, references[key]))
    tasks, n_runs = _aggregate(report, scores, list(groups), methods, colors, reps, seed)
    _write_tables(report, runs_dir, notes, tasks, n_runs)
    return report


def _complete_runs(runs_dir: Path, include: Iterable[str] | None) -> tuple[list[Run], list[Path]]:
    """The complete runs under ``runs_dir`` (the incomplete ones are logged and returned apart)."""
    if not runs_dir.is_dir():
        raise NoRunsError(f"{runs_dir} is not a directory; give the folder that holds the run directories")
    runs, incomplete = load_runs(runs_dir, include)
    if incomplete:
        log.warning("ignoring %d incomplete run(s) (no result.json): %s", len(incomplete),
                    ", ".join(p.name for p in incomplete))
    if not runs:
        raise NoRunsError(f"no complete run (a directory with config.yaml and result.json) under {runs_dir}"
                          + (f"; {len(incomplete)} incomplete: finish them with `agentenvs-baselines grid`"
                             if incomplete else ""))
    return runs, incomplete


def _group_runs(runs: list[Run]) -> tuple[dict[str, dict[str, list[Run]]], dict[str, tuple[str, dict[str, Any]]],
                                          list[str]]:
    """Runs by env key (id plus kwargs) then method, seeds in order; the methods, baseline first.

    Every table and legend lists the methods in that one order.
    """
    names = method_names(runs)
    groups: dict[str, dict[str, list[Run]]] = defaultdict(lambda: defaultdict(list))
    env_keys: dict[str, tuple[str, dict[str, Any]]] = {}
    for run in sorted(runs, key=lambda r: (r.env_id, r.config.seed)):
        key = _reference_key(run.env_id, run.config.env_kwargs)
        env_keys[key] = (run.env_id, run.config.env_kwargs)
        groups[key][names[run.path]].append(run)
    methods = sorted(dict.fromkeys(m for g in groups.values() for m in g), key=lambda m: not m.startswith("none"))
    ordered = {key: {m: by_method[m] for m in methods if m in by_method} for key, by_method in groups.items()}
    return ordered, env_keys, methods


def _summarise_env(key: str, by_method: dict[str, list[Run]], refs: dict[str, Any] | None, reps: int,
                   seed: int) -> tuple[list[dict[str, Any]], str, dict[str, list[float]], dict[str, dict[str, list]]]:
    """One env's table rows, score note, normalised scores and learning curves.

    Returns a row per method; how the env's scores are normalised; each method's normalised
    scores per seed (methods with a run lacking one are left out); the curves of each panel.
    """
    rows: list[dict[str, Any]] = []
    note = ""
    scores: dict[str, list[float]] = {}
    curves: dict[str, dict[str, list]] = {k: {} for k in plots.PANELS}
    for name, group in by_method.items():
        for panel in plots.PANELS:
            seeds = [c for c in (r.curve(panel) for r in group) if c is not None]
            if seeds:
                curves[panel][name] = seeds
        run_scores = [_score(r, refs) for r in group]
        note = run_scores[0][1]
        valid = [s for s, _ in run_scores if s is not None]
        if len(valid) == len(group):
            scores[name] = valid
        success = [r.final("success_rate") for r in group]
        returns = [r.final("return_mean") for r in group]
        rows.append({
            "env": key, "method": name, "seeds": len(group),
            "steps": float(np.mean([r.result.get("timesteps", r.config.total_timesteps) for r in group])),
            "success": _ci(success, reps, seed),
            "return": _ci(returns, reps, seed),
            "score_iqm": stats.iqm_ci(valid, reps, seed=seed) if len(valid) == len(group) else None,
        })
    return rows, note, scores, curves


def _ci(values: list[float | None], reps: int, seed: int) -> tuple[float, float, float] | None:
    """Mean and bootstrap CI over seeds; ``None`` when a run lacks the value."""
    present = [v for v in values if v is not None]
    return stats.bootstrap_ci(present, reps, seed=seed) if len(present) == len(values) else None


def _aggregate(report: Report, scores: dict[str, dict[str, list[float]]], envs: list[str], methods: list[str],
               colors: dict[str, Any], reps: int, seed: int) -> tuple[list[str], dict[str, int]]:
    """Aggregates over envs and their two figures, on the envs every method has a score for.

    One (runs x envs) matrix per method: rliable bootstraps each method on its own, so a matrix
    must be rectangular (the method's fewest seeds on any env), but methods may differ in their
    number of runs. Returns those envs and each method's number of runs.
    """
    tasks = [k for k in envs if all(k in scores[m] for m in methods)]
    if not tasks:
        return tasks, {}
    n_runs = {m: min(len(scores[m][k]) for k in tasks) for m in methods}
    matrices = {m: np.array([scores[m][k][:n_runs[m]] for k in tasks]).T for m in methods}
    report.aggregates = stats.aggregate_metrics(matrices, reps, seed=seed)
    high = max(1.0, max(float(x.max()) for x in matrices.values()))
    taus = np.linspace(min(0.0, min(float(x.min()) for x in matrices.values())), high, 81)
    profiles, cis = stats.performance_profiles(matrices, taus, reps, seed=seed)
    report.files.append(plots.plot_performance_profile(profiles, cis, taus, colors,
                                                       report.out_dir / "performance_profile.png", len(tasks)))
    report.files.append(plots.plot_aggregates(report.aggregates, colors, report.out_dir / "aggregates.png"))
    return tasks, n_runs


def _write_tables(report: Report, runs_dir: Path, notes: dict[str, str], tasks: list[str],
                  n_runs: dict[str, int]) -> None:
    """results.md (also kept in ``report.markdown``) and results.tex."""
    report.markdown = _markdown(report, runs_dir, notes, tasks, n_runs)
    (report.out_dir / "results.md").write_text(report.markdown)
    (report.out_dir / "results.tex").write_text(_latex(report, tasks, n_runs))
    report.files += [report.out_dir / "results.md", report.out_dir / "results.tex"]


RESULT_HEADER = ["Env", "Method", "Success rate [95% CI]", "Norm. score IQM [95% CI]", "Return [95% CI]", "Steps",
                 "Seeds"]
AGGREGATE_HEADER = ["Method", *stats.AGGREGATES]


def _result_rows(report: Report) -> list[list[str]]:
    return [[row["env"], row["method"], tables.fmt_ci(*row["success"]) if row["success"] else "-",
             tables.fmt_ci(*row["score_iqm"]) if row["score_iqm"] else "-",
             tables.fmt_ci(*row["return"]) if row["return"] else "-", tables.fmt_steps(row["steps"]), str(row["seeds"])]
            for row in report.rows]


def _aggregate_rows(report: Report) -> list[list[str]]:
    return [[m, *(tables.fmt_ci(*values[name]) for name in stats.AGGREGATES)]
            for m, values in report.aggregates.items()]


def _runs_text(n_runs: dict[str, int]) -> str:
    counts = sorted(set(n_runs.values()))
    if len(counts) == 1:
        return f"{counts[0]} run(s) per env"
    return "runs per env: " + ", ".join(f"{m} {n}" for m, n in n_runs.items())


def _markdown(report: Report, runs_dir: Path, notes: dict[str, str], tasks: list[str], n_runs: dict[str, int]) -> str:
    n = len(report.rows) and sum(r["seeds"] for r in report.rows)
    parts = [f"# Results: {runs_dir}", "",
             f"{n} complete runs. Final evaluation of each run; means with 95% percentile bootstrap CIs over seeds."]
    if report.incomplete:
        parts.append(f"Ignored {len(report.incomplete)} incomplete run(s) (no result.json): "
                     + ", ".join(f"`{p.name}`" for p in report.incomplete) + ".")
    parts += ["", "## Per environment", "", tables.markdown_table(RESULT_HEADER, _result_rows(report), left=2), "",
              "Normalised scores:"]
    parts += [f"- `{env}`: {note}" for env, note in notes.items()]
    if report.aggregates:
        parts += ["", f"## Aggregates over {len(tasks)} env(s), {_runs_text(n_runs)} (rliable)", "",
                  "Interquartile mean, mean, median and optimality gap of normalised scores; "
                  "95% stratified bootstrap CIs.",
                  "", tables.markdown_table(AGGREGATE_HEADER, _aggregate_rows(report))]
    else:
        parts += ["", "No aggregate metrics: no env has a normalised score for every method."]
    parts += ["", "## Figures", ""] + [f"![{p.stem}]({p.name})" for p in report.files if p.suffix == ".png"]
    return "\n".join(parts) + "\n"


def _latex(report: Report, tasks: list[str], n_runs: dict[str, int]) -> str:
    parts = ["% Generated by agentenvs-baselines report; needs \\usepackage{booktabs}.",
             tables.latex_table(RESULT_HEADER, _result_rows(report),
                                "Final success rate, normalised score (IQM) and extrinsic return per environment and "
                                "shaping method: means with 95% bootstrap confidence intervals over seeds.",
                                "tab:results", left=2)]
    if report.aggregates:
        parts.append(tables.latex_table(AGGREGATE_HEADER, _aggregate_rows(report),
                                        f"Aggregate normalised scores over {len(tasks)} environment(s), "
                                        f"{_runs_text(n_runs)} (rliable; 95% stratified bootstrap confidence "
                                        "intervals).",
                                        "tab:aggregates"))
    return "\n\n".join(parts) + "\n"
