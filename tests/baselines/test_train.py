"""train(): the run directory layout, resume after an interruption, algorithm selection."""
import json

import gymnasium as gym
import numpy as np
import pytest
import torch
import yaml
from gymnasium import spaces
from stable_baselines3 import PPO

from baselines.config import EVAL_FIELDS, RESOLVED_KEY, RESULT_FIELDS, RunConfig
from baselines.train import train

TINY = "agentenvs/Sokoban-Tiny-v0"
FAST = {"n_steps": 32, "batch_size": 64, "n_epochs": 1, "vector_kwargs": {"pool_size": 64}}


def _config(**overrides):
    base = dict(env_id=TINY, total_timesteps=512, n_envs=4, eval_freq=256, eval_episodes=4,
                checkpoint_freq=256, hyperparams=FAST, device="cpu")
    return RunConfig(**{**base, **overrides})


def _eval_steps(run_dir):
    return [json.loads(line)["timesteps"] for line in (run_dir / "eval.jsonl").read_text().splitlines()]


def test_train_writes_every_file_of_the_layout(tmp_path):
    config = _config()
    reports = []
    result = train(config, tmp_path, progress=lambda done, total: reports.append((done, total)))

    assert result["complete"] and result["timesteps"] >= 512 and set(RESULT_FIELDS) <= result.keys()
    assert json.loads((tmp_path / "result.json").read_text()) == result
    saved = yaml.safe_load((tmp_path / "config.yaml").read_text())
    assert saved[RESOLVED_KEY]["hyperparams"]["n_steps"] == 32
    assert saved[RESOLVED_KEY]["vec_env"] == "NativeVecEnvAdapter"
    assert RunConfig.load(tmp_path).run_name == config.run_name
    monitor = (tmp_path / "monitor.csv").read_text().splitlines()
    assert monitor[1] == "r,l,t,is_success" and len(monitor) > 2
    assert any((tmp_path / "tb").glob("events.out.tfevents.*"))
    records = [json.loads(line) for line in (tmp_path / "eval.jsonl").read_text().splitlines()]
    assert [r["timesteps"] for r in records] == [0, 256, 512]
    assert all(tuple(r) == EVAL_FIELDS and 0 <= r["success_rate"] <= 1 for r in records)
    assert records[-1] == result["final_eval"]
    checkpoints = tmp_path / "checkpoints"
    assert {p.name for p in checkpoints.glob("state_*.json")} == {"state_256.json", "state_512.json"}
    assert (checkpoints / "model_512.zip").exists() and not list(checkpoints.glob("*.tmp"))
    newest = max(p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file())
    assert (tmp_path / "result.json").stat().st_mtime_ns == newest
    assert reports[-1] == (512, 512)


def test_resume_after_interruption_reaches_the_budget_without_duplicates(tmp_path):
    config = _config(total_timesteps=1024)
    train(config, tmp_path, progress=lambda *_: None, keep_checkpoints=4)  # every checkpoint
    # Simulate a crash after step 512: no result, the last checkpoints lost, eval lines past it kept.
    (tmp_path / "result.json").unlink()
    for path in (tmp_path / "checkpoints").iterdir():
        if int(path.stem.split("_")[1]) > 512:
            path.unlink()

    result = train(config, tmp_path, progress=lambda *_: None)

    assert result["complete"] and result["timesteps"] >= 1024 and result["resumed_from"] == [512]
    steps = _eval_steps(tmp_path)
    assert steps == sorted(set(steps)) and steps[0] == 0 and steps[-1] == result["timesteps"]
    monitor = (tmp_path / "monitor.csv").read_text().splitlines()
    assert sum(line.startswith("#") for line in monitor) == 1 and monitor.count("r,l,t,is_success") == 1
    times = [float(row.split(",")[2]) for row in monitor[2:]]
    assert times == sorted(times)  # rows past the checkpoint were cut, the resume's rows follow
    assert train(config, tmp_path) == result  # complete: returned as is


def test_resume_false_starts_afresh(tmp_path):
    config = _config(total_timesteps=256, eval_freq=1000)
    train(config, tmp_path, progress=lambda *_: None)
    (tmp_path / "eval.jsonl").write_text('{"timesteps": 99999}\n')
    train(config, tmp_path, progress=lambda *_: None, resume=False)
    assert _eval_steps(tmp_path) == [0, 256]


def test_an_attempt_interrupted_before_its_first_checkpoint_starts_afresh(tmp_path):
    (tmp_path / "eval.jsonl").write_text('{"timesteps": 99999}\n')
    (tmp_path / "notes.txt").write_text("kept")
    train(_config(total_timesteps=256, eval_freq=1000), tmp_path, progress=lambda *_: None)
    assert _eval_steps(tmp_path) == [0, 256] and (tmp_path / "notes.txt").exists()


class _MaskedEnv(gym.Env):
    """Three actions, the last always invalid; five steps per episode."""

    observation_space = spaces.Box(0, 1, (2,), np.float32)
    action_space = spaces.Discrete(3)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        return np.zeros(2, np.float32), {}

    def step(self, action):
        assert action != 2, "a masked action was taken"
        self.t += 1
        return np.zeros(2, np.float32), float(action), self.t >= 5, False, {"is_success": True}

    def action_masks(self):
        return np.array([True, True, False])


def test_ppo_becomes_maskable_ppo_when_the_env_exposes_action_masks(tmp_path):
    gym.register("test/Masked-v0", entry_point=_MaskedEnv)
    try:
        config = RunConfig(env_id="test/Masked-v0", total_timesteps=128, n_envs=2, eval_freq=64, eval_episodes=2,
                           checkpoint_freq=64, hyperparams=FAST, device="cpu")
        result = train(config, tmp_path, progress=lambda *_: None)
    finally:
        del gym.registry["test/Masked-v0"]
    assert result["algo_class"].endswith("MaskablePPO")
    assert result["final_eval"]["success_rate"] == 1.0


def test_hyperparameters_are_checked_against_the_algorithm_that_runs(tmp_path):
    from agentenvs.errors import ConfigError

    gym.register("test/Masked-v0", entry_point=_MaskedEnv)
    try:
        config = RunConfig(env_id="test/Masked-v0", total_timesteps=128, n_envs=2, hyperparams={"use_sde": False},
                           device="cpu")
        with pytest.raises(ConfigError, match="unknown hyperparameter 'use_sde' for MaskablePPO"):
            train(config, tmp_path / "run")  # PPO takes use_sde; the MaskablePPO it becomes does not
    finally:
        del gym.registry["test/Masked-v0"]
    assert not (tmp_path / "run").exists()


def test_shaped_runs_report_reward_components_and_save_shaper_state(tmp_path):
    from baselines.config import ShaperSpec

    config = _config(total_timesteps=256, shapers=[ShaperSpec("count", {}, 0.1)])
    result = train(config, tmp_path, progress=lambda *_: None)
    components = result["final_eval"]["reward_components"]
    assert set(components) == {"env", "count"} and components["count"] > 0
    assert components["env"] == pytest.approx(result["final_eval"]["return_mean"])  # sparse reward: env = return
    assert (tmp_path / "checkpoints" / "shapers_256.pt").exists()


@pytest.mark.parametrize("obs_mode", ["onehot", "rgb"])
def test_per_env_extractor_defaults_do_not_break_other_observation_modes(tmp_path, obs_mode, caplog):
    # ppo.yaml's Sokoban-Tiny entry sets SmallGridCNN kwargs; onehot / rgb observations get other extractors
    result = train(_config(env_kwargs={"obs_mode": obs_mode}, total_timesteps=128, eval_freq=128, checkpoint_freq=128),
                   tmp_path)
    assert result["complete"]
    assert "do not apply to" in caplog.text


def test_class_names_in_policy_kwargs_are_imported(tmp_path):
    from baselines.hyperparams import algo_kwargs

    kwargs = algo_kwargs({"policy_kwargs": {"activation_fn": "torch.nn.Tanh", "optimizer_class": "AdamW"}})
    assert kwargs["policy_kwargs"]["activation_fn"] is torch.nn.Tanh
    assert kwargs["policy_kwargs"]["optimizer_class"] is torch.optim.AdamW
    hp = {**FAST, "policy_kwargs": {"activation_fn": "Tanh", "net_arch": [8]}}
    result = train(_config(hyperparams=hp, total_timesteps=128, eval_freq=128, checkpoint_freq=128), tmp_path)
    assert result["complete"]


def test_text_envs_are_refused_with_a_pointer_to_array_observations(tmp_path):
    from agentenvs.errors import ConfigError

    with pytest.raises(ConfigError, match="SB3 agents cannot use .*obs_mode='grid'"):
        train(_config(env_id="agentenvs/Sokoban-Text-v0"), tmp_path)


def test_only_the_latest_checkpoints_and_the_best_evaluated_one_are_kept(tmp_path):
    from baselines.callbacks import evaluate
    from baselines.envs import add_monitor, make_base_vec_env
    from baselines.train import EVAL_SEED

    # CartPole: deterministic evaluations whose returns differ from one checkpoint to the next
    hp = {"n_steps": 32, "batch_size": 64, "n_epochs": 1}
    config = _config(env_id="CartPole-v1", hyperparams=hp, total_timesteps=1280, eval_freq=128, checkpoint_freq=128)
    train(config, tmp_path, progress=lambda *_: None, keep_checkpoints=2)  # ten checkpoints written

    records = {r["timesteps"]: r for r in map(json.loads, (tmp_path / "eval.jsonl").read_text().splitlines())}
    assert sorted(records) == list(range(0, 1281, 128))
    # the best: highest return, the earliest on ties; step 0 (the untrained policy) never counts
    best = min((s for s in records if s > 0), key=lambda s: (-records[s]["return_mean"], s))
    kept = {1152, 1280, best}
    files = {p.name for p in (tmp_path / "checkpoints").iterdir()}
    assert files == {f"{kind}_{s}.{ext}" for s in kept for kind, ext in (("model", "zip"), ("state", "json"))}

    # the kept best model is the one that was evaluated: it scores the recorded return again
    model = PPO.load(tmp_path / "checkpoints" / f"model_{best}.zip", device="cpu")
    again = evaluate(model, add_monitor(make_base_vec_env("CartPole-v1", {}, 4, EVAL_SEED)), 4, EVAL_SEED)
    assert again["return_mean"] == records[best]["return_mean"]
