"""The vlm_clip grid and demo: PPO on Sokoban-Visual with CLIP from a local folder (here the tiny random one)."""
import json
from dataclasses import replace

import pytest

pytest.importorskip("stable_baselines3")

from baselines.grid import parse_spec, validate_names  # noqa: E402
from baselines.train import train  # noqa: E402
from baselines.vlm_demo import VLM_SPEC, vlm_spec  # noqa: E402

FAST = {"n_steps": 16, "batch_size": 32, "n_epochs": 1, "vector_kwargs": {"pool_size": 2}}


def test_the_grid_trains_ppo_with_and_without_vlm_clip(tmp_path, tiny_clip):
    assert VLM_SPEC.exists()
    spec = parse_spec(vlm_spec(str(tiny_clip), steps=32, seeds=1, n_envs=2, hyperparams=FAST))
    runs = spec.runs()
    validate_names(runs)
    assert [run.env_id for run in runs] == ["agentenvs/Sokoban-Visual-v0"] * 2
    shaped = next(run for run in runs if run.shapers)
    assert shaped.shapers[0].name == "vlm_clip" and shaped.shapers[0].kwargs["model"] == str(tiny_clip)
    config = replace(shaped, eval_episodes=1, env_kwargs={"max_steps": 10}, device="cpu")  # short episodes
    result = train(config, tmp_path)
    assert result["complete"] and result["timesteps"] >= 32
    final = [json.loads(line) for line in (tmp_path / "eval.jsonl").read_text().splitlines()][-1]
    assert any("vlm_clip" in name for name in final["reward_components"])
