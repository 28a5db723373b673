"""The agentenvs-baselines command line, and its forwarding from the agentenvs command."""
from __future__ import annotations

import argparse
import json
import re

import pytest
import yaml

from agentenvs.cli import main as agentenvs_main
from baselines.cli import CLIError, build_parser, build_run_config, main, parse_overrides, parse_shaper
from baselines.config import RESULT_FILE, ShaperSpec
from reward_plugins.errors import ShaperConfigError


def test_shaper_and_override_parsing():
    assert parse_shaper("count") == ShaperSpec("count", {}, 1.0)
    assert parse_shaper("rnd:0.05") == ShaperSpec("rnd", {}, 0.05)
    assert parse_shaper("{name: count, kwargs: {beta: 0.5}, weight: 0.1}") == ShaperSpec("count", {"beta": 0.5}, 0.1)
    with pytest.raises(CLIError, match="must be a number"):
        parse_shaper("rnd:lots")
    with pytest.raises(ShaperConfigError, match=r"--shaper '\{nme: count\}': a shaper dict must have a 'name'"):
        parse_shaper("{nme: count}")
    assert parse_overrides(["learning_rate=lin_3e-4", "n_steps=64", "policy_kwargs.net_arch=[64, 64]"]) == {
        "learning_rate": "lin_3e-4", "n_steps": 64, "policy_kwargs": {"net_arch": [64, 64]}}
    with pytest.raises(CLIError, match="key=value"):
        parse_overrides(["gamma"])


def _train_args(*extra: str) -> argparse.Namespace:
    return build_parser().parse_args(["train", "--env", "CartPole-v1", *extra])


def test_train_arguments_build_the_run_config():
    args = _train_args("--algo", "a2c", "--shaper", "count:0.01", "--shaper", "rnd",
                       "--shaper-kwargs", '{"hash": "exact"}',
                       "--seed", "4", "--steps", "999", "--hp", "gamma=0.9", "--n-envs", "2", "--device", "cpu")
    config = build_run_config(args)
    assert config.env_id == "CartPole-v1" and config.algo == "a2c" and config.seed == 4
    assert config.total_timesteps == 999 and config.n_envs == 2 and config.device == "cpu"
    assert config.shapers == [ShaperSpec("count", {"hash": "exact"}, 0.01), ShaperSpec("rnd", {}, 1.0)]
    assert config.hyperparams == {"gamma": 0.9}


@pytest.mark.parametrize("extra, message", [
    (["--env", "agentenvs/Nope-v0"], "unknown env id 'agentenvs/Nope-v0'; agentenvs ids: .*Sokoban-Tiny-v0"),
    (["--algo", "sac9"], "unknown algorithm 'sac9'; choose one of .*'ppo'"),
    (["--shaper", "curiosityy"], "unknown shaper 'curiosityy'; registered shapers: .*'count'"),
    (["--shaper", "count", "--shaper-kwargs", '{"bta": 1}'], r"shaper 'count' takes no argument\(s\) \['bta'\]"),
    (["--shaper", "count", "--shaper-kwargs", "[1]"], r"kwargs must be a mapping"),
    (["--shaper", "count", "--shaper-kwargs", "{oops"], "is not JSON"),
    (["--shaper-kwargs", "{}"], "1 --shaper-kwargs for 0 --shaper"),
])
def test_bad_train_arguments_exit_2_naming_the_choices(extra, message, capsys):
    assert main(["train", "--env", "CartPole-v1", *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert re.search(message, err), err


def test_bad_grid_spec_exits_2(tmp_path, capsys):
    spec = tmp_path / "bad.yaml"
    spec.write_text(yaml.safe_dump({"envs": ["CartPole-v1"], "shapers": ["count", "nope_shaper"]}))
    assert main(["grid", str(spec), "--runs-dir", str(tmp_path / "runs")]) == 2
    assert "unknown shaper 'nope_shaper'" in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()  # validated before anything is written
    assert main(["grid", str(tmp_path / "missing.yaml")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_shapers_lists_the_registry_through_both_commands(capsys):
    assert agentenvs_main(["shapers"]) == 0
    lines = capsys.readouterr().out.splitlines()
    names = [line.split()[0] for line in lines]
    assert {"count", "rnd", "e3b"} <= set(names)
    assert all(len(line.split(maxsplit=1)) == 2 for line in lines)  # each name has a description


@pytest.mark.slow
def test_train_then_report_from_the_command_line(tmp_path, capsys):
    run_dir = tmp_path / "runs" / "one"
    code = agentenvs_main(["train", "--env", "CartPole-v1", "--steps", "256", "--n-envs", "2", "--eval-freq", "128",
                           "--eval-episodes", "1", "--checkpoint-freq", "128", "--device", "cpu", "--hp", "n_steps=64",
                           "--hp", "batch_size=64", "--hp", "n_epochs=1", "--out", str(run_dir)])
    assert code == 0
    result = json.loads((run_dir / RESULT_FILE).read_text())
    assert result["timesteps"] == 256
    assert str(run_dir) in capsys.readouterr().out
    assert main(["report", str(tmp_path / "runs"), "--out", str(tmp_path / "report")]) == 0
    out = capsys.readouterr().out
    assert "| CartPole-v1 | none | - | - |" in out  # no success signal, no oracle reference
    assert (tmp_path / "report" / "curves_CartPole-v1.png").exists()


def test_demo_arguments_go_to_the_demo(capsys):
    with pytest.raises(SystemExit) as exit_info:
        agentenvs_main(["demo", "--help"])
    assert exit_info.value.code == 0
    assert "--steps" in capsys.readouterr().out


def test_demo_grid_is_valid_and_resizable():
    from baselines.demo import demo_spec
    from baselines.grid import parse_spec, validate_names

    runs = parse_spec(demo_spec()).runs()
    validate_names(runs)
    assert {r.env_id for r in runs} == {"agentenvs/Sokoban-Tiny-v0"} and {r.algo for r in runs} == {"ppo"}
    assert [r.shaper_label for r in runs[::3]] == ["none", "count", "rnd"] and len(runs) == 9
    small = parse_spec(demo_spec(steps=2000, seeds=1)).runs()
    assert len(small) == 3
    assert all(r.total_timesteps == 2000 and r.eval_freq == 500 and r.checkpoint_freq == 1000 for r in small)


def test_demo_gui_grid_compares_the_three_cursor_rewards():
    from baselines.demo import DEMO_GRIDS, GUI_SPEC, demo_spec
    from baselines.grid import parse_spec, validate_names

    assert list(DEMO_GRIDS) == ["sokoban", "gui"] and DEMO_GRIDS["gui"] == (GUI_SPEC, "gui")
    runs = parse_spec(demo_spec(path=GUI_SPEC)).runs()
    validate_names(runs)
    assert {r.env_id for r in runs} == {"agentenvs/GUICursor-Small-v0"} and len(runs) == 9
    assert [r.shaper_label for r in runs[::3]] == ["none", "gaussian_potential", "gui_cursor"]
    assert all(r.env_kwargs == {"obs_size": [48, 48]} and r.hyperparams["eval_deterministic"] is False for r in runs)
    small = parse_spec(demo_spec(steps=512, seeds=1, path=GUI_SPEC)).runs()
    assert len(small) == 3 and all(r.total_timesteps == 512 and r.eval_freq == 128 for r in small)


def test_train_accepts_none_and_refuses_ambiguous_arguments():
    assert build_run_config(_train_args("--shaper", "none")).shapers == []
    with pytest.raises(CLIError, match="path separator"):
        build_run_config(_train_args("--label", "a/b"))
    with pytest.raises(CLIError, match="was already given a value"):
        parse_overrides(["policy_kwargs=1", "policy_kwargs.net_arch=[8]"])


def test_scientific_notation_is_a_number_everywhere(tmp_path):
    assert parse_overrides(["learning_rate=3e-4", "n_steps=64"]) == {"learning_rate": 3e-4, "n_steps": 64}
    spec = tmp_path / "sci.yaml"
    spec.write_text("envs: [CartPole-v1]\nshapers: [[{name: count, weight: 5e-3}]]\nbudget: {total_timesteps: 2e3}\n")
    from baselines.grid import load_spec

    (run,) = load_spec(spec).runs()
    assert run.shapers[0].weight == 5e-3 and run.total_timesteps == 2000


def test_bad_demo_arguments_exit_2_with_one_line(tmp_path, capsys):
    assert main(["demo", "--steps", "-5", "--out", str(tmp_path / "demo")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "total_timesteps must be a positive whole number" in err
    assert "Traceback" not in err and not (tmp_path / "demo").exists()
    assert main(["demo", "--grids", "gui", "--seeds", "0", "--out", str(tmp_path / "demo")]) == 2  # the GUI grid too
    assert "seeds" in capsys.readouterr().err and not (tmp_path / "demo").exists()
