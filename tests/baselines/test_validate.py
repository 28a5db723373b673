"""Run configs are validated before anything is written, by train() and the CLI alike."""
from __future__ import annotations

import pytest
import torch

from agentenvs.errors import ConfigError
from baselines.cli import main
from baselines.config import RunConfig
from baselines.grid import GridSpecError, parse_spec
from baselines.train import train

TINY = "agentenvs/Sokoban-Tiny-v0"


def _config(**overrides):
    base = dict(env_id=TINY, total_timesteps=256, n_envs=2, eval_freq=128, eval_episodes=2, checkpoint_freq=128,
                hyperparams={"n_steps": 32, "batch_size": 64, "n_epochs": 1}, device="cpu")
    return RunConfig(**{**base, **overrides})


@pytest.mark.parametrize("overrides, message", [
    ({"seed": -1}, r"seed must be a whole number in \[0, 2\*\*32\), got -1"),
    ({"seed": 2**32}, r"seed must be a whole number in \[0, 2\*\*32\), got 4294967296"),
    ({"seed": 1.5}, r"seed must be a whole number .*got 1.5"),
    ({"total_timesteps": -5}, r"total_timesteps \(--steps\) must be a whole number >= 1, got -5"),
    ({"total_timesteps": 0}, r"total_timesteps \(--steps\) must be a whole number >= 1, got 0"),
    ({"n_envs": 0}, r"n_envs \(--n-envs\) must be a whole number >= 1, got 0"),
    ({"eval_freq": -1}, r"eval_freq \(--eval-freq\) must be"),
    ({"hyperparams": {"nosuch": 1}}, r"unknown hyperparameter 'nosuch' for PPO; known: .*'n_steps'"),
    ({"hyperparams": {"n_step": 8}}, r"unknown hyperparameter 'n_step' for PPO \(did you mean 'n_steps'\?\)"),
    ({"algo": "maskable_ppo", "hyperparams": {"use_sde": False}}, r"unknown hyperparameter 'use_sde' for MaskablePPO"),
    ({"env_id": "agentenvs/Nope-v0"}, r"unknown env id 'agentenvs/Nope-v0'"),
    ({"algo": "sac9"}, r"unknown algorithm 'sac9'; choose one of .*'ppo'"),
    ({"device": "cuda:99"}, r"device 'cuda:99' is not usable here.*available: \['auto', 'cpu'"),
    ({"device": "gpu"}, r"device 'gpu' is not a torch device.*available: \['auto', 'cpu'"),
    ({"env_id": "agentenvs/Sokoban-Text-v0"}, r"SB3 agents cannot use"),
])
def test_invalid_configs_are_refused_before_any_file_is_written(tmp_path, overrides, message):
    run_dir = tmp_path / "run"
    with pytest.raises(ConfigError, match=message):
        train(_config(**overrides), run_dir)
    assert not run_dir.exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without a GPU")
def test_cuda_without_a_gpu_is_refused_naming_what_is_available(tmp_path):
    with pytest.raises(ConfigError, match=r"device 'cuda' is not usable here: torch sees no CUDA GPU; "
                                          r"available: \['auto', 'cpu'\]"):
        train(_config(device="cuda"), tmp_path / "run")
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("extra, message", [
    (["--seed", "-1"], "seed must be a whole number"),
    (["--steps", "-5"], r"total_timesteps \(--steps\) must be a whole number >= 1, got -5"),
    (["--steps", "0"], r"total_timesteps \(--steps\) must be"),
    (["--hp", "nosuch=1"], "unknown hyperparameter 'nosuch' for PPO"),
    (["--device", "cuda:99"], "device 'cuda:99' is not usable here"),
])
def test_bad_train_values_exit_2_with_one_line_and_no_files(tmp_path, capsys, extra, message):
    import re

    out = tmp_path / "run"
    assert main(["train", "--env", "CartPole-v1", "--out", str(out), *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert re.search(message, err), err
    assert not out.exists()


def test_grids_and_train_share_the_seed_rule():
    with pytest.raises(GridSpecError, match="seeds must be"):
        parse_spec({"envs": ["CartPole-v1"], "seeds": [0, 2**32]})
    assert parse_spec({"envs": ["CartPole-v1"], "seeds": [0, 2**32 - 1]}).seeds == [0, 2**32 - 1]


def test_keeping_no_checkpoint_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="keep_checkpoints must be a whole number >= 1"):
        train(_config(), tmp_path / "run", keep_checkpoints=0)
    assert not (tmp_path / "run").exists()
