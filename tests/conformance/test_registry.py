"""Every registered id through every conformance check of :mod:`agentenvs.testing`, one test per (id, check)."""
import subprocess
import sys

import pytest

from agentenvs.registration import GYM_ENVS, MULTI_AGENT_ENVS
from agentenvs.testing import checks_for, skipped_checks
from agentenvs.testing.sb3_checks import sb3_installed

IDS = [entry.id for entry in GYM_ENVS + MULTI_AGENT_ENVS]
CASES = [(env_id, name) for env_id in IDS for name in checks_for(env_id)]
SKIPPED = [(env_id, name, reason) for env_id in IDS for name, reason in skipped_checks(env_id).items()]


@pytest.mark.parametrize(("env_id", "check"), CASES, ids=[f"{i}:{c}" for i, c in CASES])
def test_conformance(env_id, check):
    checks_for(env_id)[check]()


def test_checks_that_do_not_apply_say_why():
    """Each id's inapplicable checks are named with a reason that points the user somewhere."""
    assert all(reason.strip() for _, _, reason in SKIPPED)
    text_skips = skipped_checks("agentenvs/Sokoban-Text-v0")
    assert set(text_skips) == {"sb3_api", "vector_entry_point"}
    assert "FlattenForSB3" in text_skips["sb3_api"]
    expected = {} if sb3_installed() else {"sb3_api": "needs agentenvs[baselines] (stable-baselines3)"}
    assert skipped_checks("agentenvs/Sokoban-Tiny-v0") == expected


def test_every_sokoban_id_offers_state_keys_and_reward_state():
    sokoban = [e.id for e in GYM_ENVS if e.family == "sokoban"]
    assert sokoban and all({"state_key", "reward_state", "instruction"} <= set(checks_for(i)) for i in sokoban)


def test_most_ids_pass_sb3_check_env():
    assert sum("sb3_api" in checks_for(i) for i in IDS) >= 5


def test_every_multi_agent_id_runs_the_pettingzoo_and_reward_state_checks():
    for env_id in (e.id for e in MULTI_AGENT_ENVS):
        assert {"pettingzoo_api", "multi_agent_reward_state", "multi_agent_copies"} <= set(checks_for(env_id))


def test_make_with_module_prefix_imports_package():
    """``gym.make("agentenvs:agentenvs/...")`` works in a fresh interpreter that never imported agentenvs."""
    code = ("import gymnasium as gym; env = gym.make('agentenvs:agentenvs/Sokoban-Tiny-v0'); env.reset(seed=0); "
            "print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
