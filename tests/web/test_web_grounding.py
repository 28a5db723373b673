"""The Gaussian grounding shapers on Web-click-xy's ``reward_state`` (cursor and target_box in screen pixels)."""
from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import agentenvs  # noqa: F401  (registers the ids)
from reward_plugins import ShapedEnv


def test_gaussian_point_scores_a_click_xy_by_its_closed_form():
    env = ShapedEnv(gym.make("agentenvs/Web-click-xy-v0"), {"name": "gaussian_point", "kwargs": {"device": "cpu"}})
    try:
        env.reset(seed=4)
        x1, y1, x2, y2 = (float(v) for v in env.unwrapped.reward_state()["target_box"])
        cx, cy, r = (x1 + x2) / 2, (y1 + y2) / 2, (x2 - x1) / 2
        _, _, terminated, _, info = env.step(f"click_xy({int(cx)}, {int(cy)})")
        assert terminated and info["is_success"]
        assert info["reward_components"]["gaussian_point"] == pytest.approx(1.0, abs=1e-3)
        # sigma = alpha * width = 0.5 * 2r = r: a click 2r right of the centre is two sigmas off, exp(-2)
        env.reset(seed=4)
        x = int(cx + 2 * r)
        info = env.step(f"click_xy({x}, {int(cy)})")[4]
        assert not info["is_success"] and env.unwrapped.reward_state()["cursor"].tolist() == [x, int(cy)]
        want = np.exp(-0.5 * ((x - cx) / r) ** 2 - 0.5 * ((int(cy) - cy) / r) ** 2)
        assert info["reward_components"]["gaussian_point"] == pytest.approx(want, rel=1e-4)
        assert info["reward_components"]["gaussian_point"] == pytest.approx(np.exp(-2.0), rel=0.05)
    finally:
        env.close()
