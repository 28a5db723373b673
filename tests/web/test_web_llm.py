"""The web text ids as LLM-facing envs: completions in, terminal score out (the conformance suite checks the rest)."""
from __future__ import annotations

import os
import signal

import pytest

from agentenvs.agents import make
from agentenvs.registration import llm_facing_ids
from agentenvs.web.browser import missing_browser
from agentenvs.web.oracle import WebOracle

pytestmark = pytest.mark.skipif(missing_browser() is not None, reason=str(missing_browser()))


def test_every_text_web_id_is_llm_facing_and_the_discrete_one_is_not():
    ids = set(llm_facing_ids())
    assert {"agentenvs/Web-click-button-v0", "agentenvs/Web-web-shop-v0", "agentenvs/Web-click-xy-v0"} <= ids
    assert "agentenvs/Web-click-button-Discrete-v0" not in ids


@pytest.mark.parametrize("env_id", ["agentenvs/Web-login-user-v0", "agentenvs/Web-web-shop-v0"])
def test_the_oracle_through_completions_scores_one_and_a_wrong_click_scores_zero(env_id):
    env = make(env_id)
    try:
        obs, info = env.reset(seed=5)
        oracle = WebOracle(env, 0)
        oracle.reset(env, obs, info)
        for _ in range(20):
            obs, reward, terminated, truncated, info = env.step(f"I will act.\n<answer>{oracle.act(obs)}</answer>")
            assert info["action_is_valid"] and info["action_error"] is None
            if terminated or truncated:
                break
        assert terminated and info["success"] and info["score"] == 1.0
        if env_id.endswith("login-user-v0"):  # pressing Login with empty fields is a wrong end: score 0, reward -1
            env.reset(seed=5)
            button = env.unwrapped.view.ref("button", "Login")
            _, reward, terminated, _, info = env.step(f"<answer>click({button})</answer>")
            assert terminated and reward == -1.0 and info["score"] == 0.0 and not info["success"]
    finally:
        env.close()


def test_a_killed_browser_comes_back_as_env_error_and_the_next_reset_plays_on():
    env = make("agentenvs/Web-click-button-v0")
    try:
        env.reset(seed=3)
        old = env.unwrapped.browser_pids()
        for pid in old:
            os.kill(pid, signal.SIGKILL)
        _, _, terminated, truncated, info = env.step("<answer>click(2)</answer>")
        assert truncated and not terminated
        assert info["truncation_reason"] == "env_error" and info["env_error"] and info["score"] == 0.0
        env.reset(seed=3)
        assert set(env.unwrapped.browser_pids()).isdisjoint(old)
        target = env.unwrapped.view.ref("button", env.unwrapped.instance["target"])
        _, reward, terminated, _, info = env.step(f"<answer>click({target})</answer>")
        assert terminated and reward == 1.0 and info["success"] and "env_error" not in info
    finally:
        env.close()
