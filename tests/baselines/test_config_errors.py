"""Bad hyperparameter values, env kwargs and shaper arguments: one ConfigError, exit 2, no files."""
from __future__ import annotations

import json
import re

import pytest
import yaml
from stable_baselines3 import DQN, PPO

from agentenvs.errors import ConfigError
from baselines.cli import main
from baselines.config import CONFIG_FILE, RESULT_FILE, RunConfig
from baselines.grid import GridSpecError, run_grid
from baselines.train import train

TINY = "agentenvs/Sokoban-Tiny-v0"


@pytest.mark.parametrize("extra, message", [
    (["--hp", "learning_rate=abc"], r"hyperparameter learning_rate='abc' must be a number > 0 or 'lin_<float>'"),
    (["--hp", "learning_rate=0"], r"hyperparameter learning_rate=0 must be a number > 0"),
    (["--hp", "n_steps=-1"], r"hyperparameter n_steps=-1 must be a whole number >= 1"),
    (["--hp", "batch_size=abc"], r"hyperparameter batch_size='abc' must be a whole number >= 1"),
    (["--hp", "n_epochs=0"], r"hyperparameter n_epochs=0 must be a whole number >= 1"),
    (["--hp", "gamma=2"], r"hyperparameter gamma=2 must be a number in \[0, 1\]"),
    (["--hp", "gae_lambda=-0.5"], r"hyperparameter gae_lambda=-0.5 must be a number in \[0, 1\]"),
    (["--hp", "policy=Nosuch"], r"hyperparameter policy='Nosuch' .*'MlpPolicy'"),
    (["--hp", "policy_kwargs.net_arch=abc"], r"PPO rejected the hyperparameters .*net_arch.*: "),
    (["--shaper", "clip"], r"shaper 'clip'.*shaper"),
    (["--env-kwarg", "nosuch=1"], r"env agentenvs/Sokoban-Tiny-v0 rejected env_kwargs \{'nosuch': 1\}: .*nosuch"),
])
def test_bad_values_exit_2_with_one_line_and_no_files(tmp_path, capsys, extra, message):
    out = tmp_path / "run"
    assert main(["train", "--env", TINY, "--steps", "64", "--n-envs", "2", "--device", "cpu",
                 "--out", str(out), *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    assert re.search(message, err), err
    assert not out.exists()


def test_a_failure_before_training_keeps_an_existing_directory_and_its_files(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="gamma"):
        train(RunConfig(env_id=TINY, total_timesteps=64, n_envs=2, device="cpu", hyperparams={"gamma": 1.5}), out)
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_value_rules_by_hand():
    from baselines.validate import check_hyperparam_values

    check_hyperparam_values(PPO, {"gamma": 1, "gae_lambda": 0.0, "learning_rate": "lin_3e-4", "n_epochs": 1,
                                  "clip_range": 0.2, "policy": "CnnPolicy", "ent_coef": 0.0})
    check_hyperparam_values(DQN, {"exploration_final_eps": 0.05, "buffer_size": 1000, "learning_starts": 0})
    for algo, bad in [(PPO, {"gamma": True}), (PPO, {"learning_rate": "lin_x"}), (PPO, {"clip_range": -0.1}),
                      (PPO, {"ent_coef": -1}), (DQN, {"exploration_final_eps": 1.5}), (DQN, {"buffer_size": 0}),
                      (DQN, {"learning_starts": -1}), (PPO, {"batch_size": 2.0})]:
        with pytest.raises(ConfigError, match=f"hyperparameter {next(iter(bad))}="):
            check_hyperparam_values(algo, bad)


@pytest.mark.parametrize("extra, message", [
    ({"hyperparams": {"gamma": 2}}, r"gamma=2 must be a number in \[0, 1\]"),
    ({"env_kwargs": {"nosuch": 1}}, r"rejected env_kwargs \{'nosuch': 1\}"),
])
def test_grids_check_hyperparameter_values_and_env_kwargs_up_front(tmp_path, extra, message):
    runs = tmp_path / "runs"
    with pytest.raises(GridSpecError, match=message):
        run_grid({"envs": [TINY], "seeds": [0, 1], "budget": {"total_timesteps": 64}, **extra}, runs)
    assert not runs.exists()  # refused before any run started


def _fast(**overrides):
    base = dict(env_id=TINY, n_envs=2, eval_freq=64, eval_episodes=1, checkpoint_freq=64, device="cpu",
                hyperparams={"n_steps": 32, "batch_size": 64, "n_epochs": 1})
    return RunConfig(**{**base, **overrides})


def test_resuming_with_fewer_steps_than_trained_is_refused(tmp_path):
    out = tmp_path / "run"
    train(_fast(total_timesteps=128), out)
    (out / RESULT_FILE).unlink()  # an unfinished run with a checkpoint at step 128
    before = (out / CONFIG_FILE).read_text()
    with pytest.raises(ConfigError, match=r"already trained 128 steps.*64.*--fresh"):
        train(_fast(total_timesteps=64), out)
    assert (out / CONFIG_FILE).read_text() == before and not (out / RESULT_FILE).exists()


def test_the_budget_rounded_up_to_whole_rollouts_is_said_and_recorded(tmp_path, caplog):
    out = tmp_path / "run"
    assert main(["train", "--env", TINY, "--steps", "65", "--n-envs", "2", "--device", "cpu", "--eval-freq", "64",
                 "--eval-episodes", "1", "--hp", "n_steps=32", "--hp", "batch_size=64", "--hp", "n_epochs=1",
                 "--out", str(out)]) == 0
    said = "total_timesteps 65 (--steps) is rounded up to 128: whole rollouts of n_steps x n_envs = 32 x 2 = 64 steps"
    assert said in caplog.text, caplog.text  # the CLI prints it (logging's last-resort handler: stderr)
    assert json.loads((out / RESULT_FILE).read_text())["timesteps"] == 128
    assert yaml.safe_load((out / CONFIG_FILE).read_text())["resolved"]["timesteps_planned"] == 128


def test_the_text_env_error_names_the_cli_flag(tmp_path, capsys):
    assert main(["train", "--env", "agentenvs/Sokoban-Text-v0", "--out", str(tmp_path / "run")]) == 2
    assert "--env-kwarg obs_mode=grid" in capsys.readouterr().err


def test_a_complete_run_is_not_returned_for_another_budget(tmp_path):
    out = tmp_path / "run"
    first = train(_fast(total_timesteps=64), out)
    assert train(_fast(total_timesteps=64), out) == first  # the same budget: the stored result
    with pytest.raises(ConfigError, match=r"complete run of 64 steps \(total_timesteps 64\).*128.*--fresh"):
        train(_fast(total_timesteps=128), out)
    assert json.loads((out / RESULT_FILE).read_text()) == first
