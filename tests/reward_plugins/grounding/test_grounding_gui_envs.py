"""The grounding shapers on the agentenvs GUI envs, driven by their oracles (no test fixture)."""
from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import agentenvs  # noqa: F401  (registers the ids)
from agentenvs.gui.oracle import GUICursorOracle, GUIGroundOracle
from reward_plugins import ShapedEnv


def play(env: gym.Env, oracle, seed: int) -> list[dict]:
    obs, info = env.reset(seed=seed)
    oracle.reset(env, obs, info)
    infos = []
    while True:
        obs, _, terminated, truncated, info = env.step(oracle.act(obs))
        infos.append(info)
        if terminated or truncated:
            return infos


@pytest.mark.parametrize("action_mode", ["discrete", "absolute", "text"])
def test_the_cursor_oracle_earns_a_correct_stop_and_a_telescoping_potential(action_mode):
    shapers = [{"name": "gui_cursor", "kwargs": {"device": "cpu"}},
               {"name": "gaussian_potential", "kwargs": {"gamma": 1.0, "device": "cpu"}}]
    env = ShapedEnv(gym.make("agentenvs/GUICursor-Small-v0", action_mode=action_mode), shapers)
    oracle = GUICursorOracle(env, seed=0)
    for seed in range(8):
        infos = play(env, oracle, seed)
        parts = [i["reward_components"] for i in infos]
        assert infos[-1]["is_success"] and parts[-1]["env"] == 1.0
        # a click in the box: 0.9 * (1 + 0.1 * centre) + 0.1 * (every action valid), centre in [0, 1]
        assert 0.9 + 0.1 <= parts[-1]["gui_cursor"] <= 0.9 * 1.1 + 0.1 + 1e-6
        assert all(p["gui_cursor"] == 0.0 for p in parts[:-1])
        # gamma = 1, G(s_0) = 0 and G(click) = 0: the potential's rewards sum to 0 over the episode
        assert sum(p["gaussian_potential"] for p in parts) == pytest.approx(0.0, abs=1e-5)


def test_the_ground_oracles_box_scores_point_plus_coverage_of_two():
    env = ShapedEnv(gym.make("agentenvs/GUIGround-Small-v0", action_mode="box"),
                    {"name": "gaussian_grounding", "kwargs": {"device": "cpu"}})
    oracle = GUIGroundOracle(env, seed=0)
    for seed in range(8):
        parts = play(env, oracle, seed)[-1]["reward_components"]
        # the box is the target's, normalised and scaled back: both terms 1 up to float32 rounding
        assert parts["gaussian_grounding"] == pytest.approx(2.0, abs=1e-3)
        assert parts["gaussian_grounding/gaussian_point"] == pytest.approx(1.0, abs=1e-3)


def test_a_point_off_the_target_scores_its_gaussian():
    env = ShapedEnv(gym.make("agentenvs/GUIGround-Small-v0"), {"name": "gaussian_point", "kwargs": {"device": "cpu"}})
    env.reset(seed=3)
    box = np.asarray(env.unwrapped.target_box, float)
    size = np.asarray(env.unwrapped.screen_size, float)
    point = np.array([box[2], (box[1] + box[3]) / 2])  # the middle of the right edge: half a width, one sigma off
    info = env.step((point / size).astype(np.float32))[4]
    assert info["reward_components"]["gaussian_point"] == pytest.approx(np.exp(-0.5), rel=1e-3)
