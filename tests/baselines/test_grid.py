"""Grid specs, the process-pool runner, per-run locks and the progress display.

The runner is given ``write_run`` (below) instead of ``train``: a real, tiny run function that
fills a valid run directory in a fraction of a second. ``train`` itself is exercised by
test_grid_crash.py.
"""
from __future__ import annotations

import io
import json
import threading
import time
from pathlib import Path

import pytest
import yaml

from baselines.config import EVAL_FILE, RESULT_FILE, RunConfig, ShaperSpec
from baselines.grid import GridSpecError, load_spec, parse_spec, run_grid, run_lock, validate_names
from baselines.grid.progress import GridProgress, RunProgress, estimate_eta, format_duration

CALLS_FILE = "calls.txt"


def write_run(config: RunConfig, run_dir: Path, *, progress=None, resume: bool = True) -> dict:
    """A run function with ``train``'s contract: config.yaml, eval.jsonl, result.json last."""
    run_dir = Path(run_dir)
    if config.hyperparams.get("fail"):
        raise RuntimeError(f"planned failure of seed {config.seed}")
    with open(run_dir / CALLS_FILE, "a") as f:
        f.write("call\n")
    config.save(run_dir)
    total = config.total_timesteps
    with open(run_dir / EVAL_FILE, "w") as f:
        for step in range(0, total + 1, total // 4):
            if progress is not None:
                progress(step, total)
            line = {"timesteps": step, "success_rate": step / total, "return_mean": float(config.seed)}
            f.write(json.dumps(line) + "\n")
            time.sleep(config.hyperparams.get("sleep", 0.0))
    result = {"complete": True, "run_name": config.run_name, "timesteps": total, "total_timesteps": total}
    tmp = run_dir / "result.json.tmp"
    tmp.write_text(json.dumps(result))
    tmp.replace(run_dir / RESULT_FILE)
    return result


SPEC = {
    "name": "tiny",
    "envs": ["CartPole-v1"],
    "shapers": ["none", {"label": "none-again", "shapers": []}],
    "algos": ["ppo"],
    "seeds": 2,
    "budget": {"total_timesteps": 400},
}


def test_spec_expands_the_product_with_shared_and_own_settings():
    spec = parse_spec({
        "envs": ["CartPole-v1", {"id": "agentenvs/Sokoban-Tiny-v0", "env_kwargs": {"max_steps": 50}}],
        "shapers": ["none", "count", [{"name": "rnd", "kwargs": {"lr": 0.01}, "weight": 0.5}],
                    {"label": "mix", "shapers": [{"name": "rnd", "weight": 0.1}, "count"]}],
        "algos": ["ppo", {"name": "a2c", "hyperparams": {"n_steps": 5}}],
        "seeds": [3, 7],
        "budget": {"total_timesteps": 1234, "n_envs": 2},
        "env_kwargs": {"shared": 1},
        "hyperparams": {"gamma": 0.9},
    })
    runs = spec.runs()
    assert len(runs) == 2 * 4 * 2 * 2
    assert [s.label for s in spec.shapers] == ["none", "count", "rnd", "mix"]
    assert {r.seed for r in runs} == {3, 7}
    assert all(r.total_timesteps == 1234 and r.n_envs == 2 for r in runs)
    sokoban = [r for r in runs if r.env_id.startswith("agentenvs/")]
    assert all(r.env_kwargs == {"shared": 1, "max_steps": 50} for r in sokoban)
    a2c = [r for r in runs if r.algo == "a2c"]
    assert all(r.hyperparams == {"gamma": 0.9, "n_steps": 5} for r in a2c)
    mix = [r for r in runs if r.label == "mix"]
    assert mix[0].shapers == [ShaperSpec("rnd", {}, 0.1), ShaperSpec("count", {}, 1.0)]
    rnd = next(r for r in runs if r.shaper_label == "rnd")
    assert rnd.label is None and rnd.shapers[0].kwargs == {"lr": 0.01} and rnd.shapers[0].weight == 0.5
    assert len({r.run_name for r in runs}) == len(runs)
    assert parse_spec(spec.to_dict()).runs() == runs  # the written spec round-trips


def test_spec_file_name_defaults_to_the_stem(tmp_path):
    path = tmp_path / "my_grid.yaml"
    path.write_text(yaml.safe_dump({k: v for k, v in SPEC.items() if k != "name"}))
    spec = load_spec(path)
    assert spec.name == "my_grid"
    assert [r.seed for r in spec.runs()] == [0, 1, 0, 1]


@pytest.mark.parametrize("change, message", [
    ({"shapers": ["count", [{"name": "count"}]]}, "share a label"),
    ({"seeds": 0}, "seeds must be"),
    ({"seeds": [1, 1]}, "repeat a seed"),
    ({"budget": {"steps": 10}}, "unknown budget keys"),
    ({"envs": []}, "non-empty 'envs'"),
    ({"shapers": [[{"weight": 1}]]}, "must have a 'name'"),
    ({"colour": "red"}, "unknown spec keys"),
])
def test_spec_errors_say_what_is_wrong(change, message):
    with pytest.raises(GridSpecError, match=message):
        parse_spec({**SPEC, **change})


@pytest.mark.parametrize("change, message", [
    ({"envs": ["agentenvs/Sokoban-Huge-v9"]}, r"unknown env id .*Sokoban-Huge-v9.*agentenvs/Sokoban-Tiny-v0"),
    ({"algos": ["sac9"]}, r"unknown algorithm 'sac9'.*'ppo'"),
    ({"shapers": ["no_such_shaper"]}, r"unknown shaper 'no_such_shaper'; registered shapers"),
])
def test_validation_names_the_valid_choices(change, message):
    with pytest.raises(GridSpecError, match=message):
        validate_names(parse_spec({**SPEC, **change}).runs())


def test_missing_spec_file_is_a_spec_error(tmp_path):
    with pytest.raises(GridSpecError, match="does not exist"):
        load_spec(tmp_path / "nope.yaml")


def test_pool_runs_every_run_once_and_a_rerun_skips_them(tmp_path):
    log = io.StringIO()
    result = run_grid(SPEC, tmp_path, workers=2, run_fn=write_run, stream=log, tty=False)
    names = [c.run_name for c in load_spec(SPEC).runs()]
    assert result.ok and sorted(result.states) == sorted(names)
    assert set(result.states.values()) == {"done"}
    for name in names:
        assert (tmp_path / name / CALLS_FILE).read_text() == "call\n"
        assert json.loads((tmp_path / name / RESULT_FILE).read_text())["run_name"] == name
    status = json.loads((tmp_path / "tiny.grid.json").read_text())
    assert {r["state"] for r in status["runs"].values()} == {"done"}
    assert all(r["steps"] == r["total"] == 400 for r in status["runs"].values())
    assert (tmp_path / "tiny.grid.yaml").exists()
    text = log.getvalue()
    assert "running" in text and "finished: done 4 | running 0 | failed 0 | pending 0" in text

    again = run_grid(SPEC, tmp_path, workers=2, run_fn=write_run, stream=io.StringIO(), tty=False)
    assert set(again.states.values()) == {"skipped"} and again.ok
    assert all((tmp_path / n / CALLS_FILE).read_text() == "call\n" for n in names)


def test_a_failing_run_is_reported_and_the_others_finish(tmp_path):
    spec = {**SPEC, "shapers": ["none"], "algos": ["ppo", {"name": "a2c", "hyperparams": {"fail": True}}]}
    result = run_grid(spec, tmp_path, workers=2, run_fn=write_run, stream=io.StringIO(), tty=False)
    failed = [n for n in result.states if "__a2c__" in n]
    assert sorted(result.failed) == sorted(failed) and len(failed) == 2
    assert not result.ok
    assert all("planned failure" in result.errors[n] for n in failed)
    assert all(not (tmp_path / n / RESULT_FILE).exists() for n in failed)
    assert all(s == "done" for n, s in result.states.items() if n not in failed)
    status = json.loads((tmp_path / "tiny.grid.json").read_text())
    assert "planned failure" in status["runs"][failed[0]]["error"]


def test_a_run_locked_by_another_process_is_not_trained_twice(tmp_path):
    """While a run's lock is held elsewhere, the grid waits; when the holder completes the run,
    the grid takes its result instead of training it again."""
    configs = load_spec(SPEC).runs()
    held = configs[0]
    held_dir = tmp_path / held.run_name
    held_dir.mkdir()
    locked = threading.Event()
    log = io.StringIO()

    def other_driver():
        with run_lock(held_dir):
            locked.set()
            deadline = time.monotonic() + 120  # hold the lock until the grid says it waits for it
            while f"waiting  {held.run_name}" not in log.getvalue() and time.monotonic() < deadline:
                time.sleep(0.05)
            write_run(held, held_dir)

    thread = threading.Thread(target=other_driver)
    thread.start()
    locked.wait()
    result = run_grid(SPEC, tmp_path, workers=2, run_fn=write_run, stream=log, tty=False)
    thread.join()
    assert result.states[held.run_name] == "skipped"
    assert (held_dir / CALLS_FILE).read_text() == "call\n"  # only the other driver trained it
    assert f"waiting  {held.run_name}" in log.getvalue()
    assert all(result.states[c.run_name] == "done" for c in configs[1:])


def test_eta_uses_finished_durations_then_step_rates():
    now = 1000.0
    runs = {
        "a": RunProgress(state="done", duration=100.0),
        "b": RunProgress(state="running", steps=50, total=100, started=now - 50),
        "c": RunProgress(state="pending"),
        "d": RunProgress(state="pending"),
    }
    # pending 2 x 100 s + running half left 50 s, over 2 workers
    assert estimate_eta(runs, workers=2, now=now) == pytest.approx(125.0)
    early = {"b": RunProgress(state="running", steps=25, total=100, started=now - 10), "c": RunProgress()}
    # b runs at 40 s per run and has 30 s left; c needs 40 s; 2 workers
    assert estimate_eta(early, workers=2, now=now) == pytest.approx(35.0)
    assert estimate_eta({"c": RunProgress()}, workers=2, now=now) is None
    assert estimate_eta({"a": RunProgress(state="done", duration=5.0)}, workers=2, now=now) == 0.0
    assert format_duration(3725) == "1h02m" and format_duration(65) == "1m05s" and format_duration(None) == "?"


def test_terminal_display_draws_a_grid_bar_and_a_bar_per_running_run():
    stream = io.StringIO()
    display = GridProgress(["run-a", "run-b"], workers=2, stream=stream, tty=True)
    display.set_state("run-a", "running")
    display.set_steps("run-a", 50, 100)
    assert "run-a" in stream.getvalue() and "50/100" in stream.getvalue()
    display.set_state("run-a", "done", duration=3.0)
    display.set_state("run-b", "failed", duration=1.0, error="Traceback...\nRuntimeError: boom")
    display.close()
    text = stream.getvalue()
    assert "2/2" in text and "failed 1" in text
    assert "[grid] failed   run-b (1s): RuntimeError: boom" in text


@pytest.mark.parametrize("change, message", [
    ({"budget": {"total_timesteps": "lots"}}, "budget.total_timesteps must be a positive whole number"),
    ({"budget": {"n_envs": 0}}, "budget.n_envs must be a positive whole number"),
    ({"seeds": [0, -1]}, "list of ints >= 0"),
    ({"envs": ["CartPole-v1", "CartPole-v1"]}, "envs lists the same entry twice"),
    ({"algos": ["ppo", {"name": "ppo"}]}, "algos lists the same entry twice"),
    ({"shapers": [{"label": "rnd/count", "shapers": ["rnd", "count"]}]}, "contains a path separator"),
])
def test_malformed_grids_are_refused_before_any_run(change, message):
    with pytest.raises(GridSpecError, match=message):
        parse_spec({**SPEC, **change})


def test_yaml_scientific_notation_budgets_are_numbers():
    spec = parse_spec(yaml.safe_load("envs: [CartPole-v1]\nbudget: {total_timesteps: 1e5, n_envs: 4}"))
    assert spec.runs()[0].total_timesteps == 100_000 and spec.runs()[0].n_envs == 4


#: config.yaml as runs written before reward_plugins.ShaperSpec existed saved it, with the run
#: name the old code gave it (its hash names the run directory, so a resume must reproduce it).
OLD_CONFIG = """\
env_id: agentenvs/Sokoban-Tiny-v0
algo: ppo
seed: 0
total_timesteps: 50000
env_kwargs: {}
shapers:
- name: count
  kwargs:
    beta: 0.5
  weight: 0.01
- name: running_norm
  kwargs:
    shaper:
      name: rnd
      kwargs:
        seed: 3
  weight:
    schedule: linear
    start: 1.0
    end: 0.0
    steps: 100
policy: null
hyperparams: {}
n_envs: 8
eval_freq: 5000
eval_episodes: 20
checkpoint_freq: 10000
device: auto
label: null
"""


def test_config_yaml_of_existing_runs_loads_with_the_same_run_name(tmp_path):
    (tmp_path / "config.yaml").write_text(OLD_CONFIG)
    config = RunConfig.load(tmp_path)
    assert config.run_name == "Sokoban-Tiny-v0__count+running_norm__ppo__s0__5a3717ca"
    assert config.shapers[0] == ShaperSpec("count", {"beta": 0.5}, 0.01)
    config.save(tmp_path / "again")
    assert (tmp_path / "again" / "config.yaml").read_text() == OLD_CONFIG


def test_grid_shaper_entries_take_every_form_of_reward_plugins_specs():
    spec = parse_spec({**SPEC, "shapers": [{"label": "a", "shapers": [{"name": "count", "simhash_bits": 16}]},
                                           {"label": "b", "shapers": [["count", {"simhash_bits": 16}]]},
                                           {"name": "count", "kwargs": {"simhash_bits": 16}}]})
    assert [e.shapers for e in spec.shapers] == [[ShaperSpec("count", {"simhash_bits": 16})]] * 3
    with pytest.raises(GridSpecError, match=r"count: shapers\[0\]: shaper 'count' takes no argument\(s\) \['bta'\]"):
        validate_names(parse_spec({**SPEC, "shapers": [[{"name": "count", "bta": 0.5}]]}).runs())
    from reward_plugins.errors import ShaperConfigError

    with pytest.raises(ShaperConfigError, match=r"shapers\[1\]\[0\]\.kwargs must be a mapping"):
        parse_spec({**SPEC, "shapers": ["count", [{"name": "rnd", "kwargs": 3}]]})
