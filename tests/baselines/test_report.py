"""write_report on run directories laid out as ``train`` writes them (config.yaml, eval.jsonl,
monitor.csv, result.json last), with the reference scores cache pre-filled."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from baselines.config import EVAL_FILE, MONITOR_FILE, RESULT_FILE, RunConfig, ShaperSpec
from baselines.report import REFERENCES_FILE, load_runs, write_report

ENV = "agentenvs/Sokoban-Tiny-v0"
OTHER = "CartPole-v1"  # no success signal, no oracle: left out of the aggregates
TOTAL = 1000


def make_run(runs_dir: Path, config: RunConfig, finals: list[float], returns: list[float], *, complete: bool = True,
             eval_lines: bool = True) -> Path:
    """A run directory whose evaluations at 0, 250, ..., 1000 steps have these success rates and returns."""
    run_dir = runs_dir / config.run_name
    config.save(run_dir)
    records = [{"timesteps": i * TOTAL // 4, "success_rate": s, "return_mean": r, "return_std": 0.0,
                "ep_len_mean": 10.0, "reward_components": {}, "wall_time": float(i)}
               for i, (s, r) in enumerate(zip(finals, returns))]
    if eval_lines:
        (run_dir / EVAL_FILE).write_text("".join(json.dumps(r) + "\n" for r in records))
    else:  # monitor.csv only: 40 episodes of 25 steps, successes in the second half
        rows = "".join(f"{float(i >= 20)},25,{i},{i >= 20}\n" for i in range(40))
        (run_dir / MONITOR_FILE).write_text('#{"t_start": 0, "env_id": "x"}\nr,l,t,is_success\n' + rows)
    if complete:
        result = {"complete": True, "run_name": config.run_name, "timesteps": TOTAL, "total_timesteps": TOTAL,
                  "final_eval": records[-1] if eval_lines else None, "train_success_rate": finals[-1],
                  "train_return_mean": returns[-1]}
        (run_dir / RESULT_FILE).write_text(json.dumps(result))
    return run_dir


@pytest.fixture()
def runs_dir(tmp_path):
    count = [ShaperSpec("count", {}, 0.1)]
    final = {"none": [0.2, 0.4, 0.6], "count": [0.5, 0.7, 0.9]}
    for label, shapers in (("none", []), ("count", count)):
        for seed, sr in enumerate(final[label]):
            cfg = RunConfig(ENV, seed=seed, total_timesteps=TOTAL, shapers=shapers)
            make_run(tmp_path, cfg, [0.0, sr / 4, sr / 2, sr * 3 / 4, sr], [-1.0, 0.0, 1.0, 2.0, 10 * sr])
            cfg = RunConfig(OTHER, seed=seed, total_timesteps=TOTAL, shapers=shapers)
            make_run(tmp_path, cfg, [None] * 5, [10.0, 20.0, 30.0, 40.0, 50.0 + seed])
    make_run(tmp_path, RunConfig(ENV, seed=9, total_timesteps=TOTAL), [0.0] * 5, [0.0] * 5, complete=False)
    references = {ENV: {"random": {"success_rate": 0.1, "return_mean": -1.0},
                        "oracle": {"success_rate": 0.9, "return_mean": 10.0}},
                  OTHER: {"random": {"success_rate": None, "return_mean": 20.0}, "oracle": None}}
    (tmp_path / REFERENCES_FILE).write_text(json.dumps(references))
    return tmp_path


def test_load_runs_separates_complete_from_incomplete(runs_dir):
    runs, incomplete = load_runs(runs_dir)
    assert len(runs) == 12
    assert [p.name for p in incomplete] == [RunConfig(ENV, seed=9, total_timesteps=TOTAL).run_name]


def test_report_tables_hold_the_bootstrap_and_normalised_numbers(runs_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    report = write_report(runs_dir, out, reference_fn=None, reps=500)
    rows = {(r["env"], r["method"]): r for r in report.rows}
    assert set(rows) == {(ENV, "none"), (ENV, "count"), (OTHER, "none"), (OTHER, "count")}
    none = rows[(ENV, "none")]
    assert none["seeds"] == 3 and none["steps"] == TOTAL
    mean, low, high = none["success"]
    assert mean == pytest.approx(0.4) and low <= mean <= high and 0.2 <= low and high <= 0.6
    # normalised (sr - 0.1) / (0.9 - 0.1): count's seeds score 0.5, 0.75, 1.0 (IQM of 3 runs trims nothing)
    assert rows[(ENV, "count")]["score_iqm"][0] == pytest.approx(0.75)
    assert rows[(OTHER, "none")]["success"] is None and rows[(OTHER, "none")]["score_iqm"] is None
    assert rows[(OTHER, "none")]["return"][0] == pytest.approx(51.0)
    # aggregates only over the env with normalised scores: one task, three runs
    assert set(report.aggregates) == {"none", "count"}
    iqm, lo, hi = report.aggregates["count"]["IQM"]
    assert iqm == pytest.approx(0.75) and lo <= iqm <= hi
    assert report.aggregates["none"]["Mean"][0] == pytest.approx(np.mean([0.125, 0.375, 0.625]))
    assert report.aggregates["none"]["Optimality gap"][0] == pytest.approx(1 - np.mean([0.125, 0.375, 0.625]))

    md = (out / "results.md").read_text()
    assert "Ignored 1 incomplete run(s)" in md and "Sokoban-Tiny-v0__none__ppo__s9" in md
    assert f"| {ENV} | none | 0.40 [" in md and "| 1k | 3 |" in md
    assert "success rate from random 0.1 to oracle 0.9" in md
    assert f"`{OTHER}`: not normalised" in md
    assert "| count | 0.75 [" in md
    tex = (out / "results.tex").read_text()
    assert r"\toprule" in tex and r"Sokoban-Tiny-v0 & none & 0.40 [" in tex and r"\label{tab:aggregates}" in tex
    for name in ("curves_Sokoban-Tiny-v0.png", "curves_CartPole-v1.png", "performance_profile.png", "aggregates.png"):
        assert (out / name).stat().st_size > 10_000, name
        assert f"]({name})" in md


def test_reference_scores_are_computed_once_and_cached(tmp_path):
    cfg = RunConfig(ENV, seed=0, total_timesteps=TOTAL)
    make_run(tmp_path, cfg, [0.0, 0.1, 0.2, 0.3, 0.5], [0.0] * 5)
    calls = []

    def reference_fn(env_id, env_kwargs):
        calls.append(env_id)
        return {"random": {"success_rate": 0.0, "return_mean": 0.0},
                "oracle": {"success_rate": 0.5, "return_mean": 1.0}}

    first = write_report(tmp_path, reference_fn=reference_fn, reps=200)
    second = write_report(tmp_path, reference_fn=reference_fn, reps=200)
    assert calls == [ENV]
    assert json.loads((tmp_path / REFERENCES_FILE).read_text())[ENV]["oracle"]["success_rate"] == 0.5
    assert first.rows[0]["score_iqm"][0] == second.rows[0]["score_iqm"][0] == pytest.approx(1.0)
    assert first.out_dir == tmp_path / "report"


def test_monitor_csv_is_the_curve_fallback(tmp_path):
    cfg = RunConfig(ENV, seed=0, total_timesteps=TOTAL)
    make_run(tmp_path, cfg, [0.0, 0.0, 0.0, 0.0, 0.8], [0.0] * 5, eval_lines=False)
    (run,), _ = load_runs(tmp_path)
    steps, success = run.curve("success_rate")
    assert steps.tolist() == [500.0, 1000.0]  # blocks of 20 episodes of 25 steps
    assert success.tolist() == [0.0, 1.0]
    assert run.final("success_rate") == 0.8  # no final_eval: the training episodes' rate


def test_no_complete_run_is_an_error(tmp_path):
    make_run(tmp_path, RunConfig(ENV), [0.0] * 5, [0.0] * 5, complete=False)
    with pytest.raises(FileNotFoundError, match="no complete run"):
        write_report(tmp_path, reference_fn=None)
    assert not (tmp_path / "report").exists()  # nothing is created for a report that cannot be made


def _filled(runs_dir: Path, config_of, finals: dict[str, list[float]], references: dict) -> None:
    for label, values in finals.items():
        for seed, sr in enumerate(values):
            make_run(runs_dir, config_of(label, seed), [0.0, sr, sr, sr, sr], [0.0] * 5)
    (runs_dir / REFERENCES_FILE).write_text(json.dumps(references))


def test_runs_trained_differently_are_different_methods(tmp_path):
    lr = {"fast": 1e-3, "slow": 1e-4}
    _filled(tmp_path, lambda label, seed: RunConfig(ENV, seed=seed, total_timesteps=TOTAL,
                                                     hyperparams={"learning_rate": lr[label]}),
            {"fast": [0.9, 0.9], "slow": [0.1, 0.1]},
            {ENV: {"random": {"success_rate": 0.0}, "oracle": {"success_rate": 1.0}}})
    report = write_report(tmp_path, reference_fn=None, reps=200)
    rows = {r["method"]: (r["seeds"], r["success"][0]) for r in report.rows}
    assert rows == {"none (learning_rate=0.001)": (2, pytest.approx(0.9)),
                    "none (learning_rate=0.0001)": (2, pytest.approx(0.1))}


def test_env_variants_get_their_own_figure_and_equal_references_are_not_normalised(tmp_path):
    variants = {"a": "levels/easy/set.xsb", "b": "levels/hard/set.xsb"}
    config_of = lambda label, seed: RunConfig(OTHER, seed=seed, total_timesteps=TOTAL,  # noqa: E731
                                              env_kwargs={"levels": variants[label]})
    flat = {"random": {"success_rate": 0.5}, "oracle": {"success_rate": 0.5}}
    _filled(tmp_path, config_of, {"a": [0.5], "b": [0.7]},
            {OTHER + json.dumps({"levels": v}): flat for v in variants.values()})
    report = write_report(tmp_path, reference_fn=None, reps=200)
    curves = [p.name for p in report.files if p.name.startswith("curves_")]
    assert len(curves) == len(set(curves)) == 2
    assert "random and oracle policies score alike" in report.markdown and not report.aggregates


def test_default_references_come_from_the_real_random_and_oracle_policies(tmp_path):
    for seed, sr in enumerate([0.7, 0.9]):
        make_run(tmp_path, RunConfig(ENV, seed=seed, total_timesteps=TOTAL), [0.0, sr, sr, sr, sr], [0.0] * 5)
    report = write_report(tmp_path, reps=200)  # reference_fn: baselines.reference.reference_scores
    refs = json.loads((tmp_path / REFERENCES_FILE).read_text())[ENV]
    assert refs["oracle"]["success_rate"] == 1.0 and 0.5 < refs["random"]["success_rate"] < 0.8
    low = refs["random"]["success_rate"]
    (row,) = report.rows
    assert row["score_iqm"][0] == pytest.approx(np.mean([(sr - low) / (1 - low) for sr in (0.7, 0.9)]))
