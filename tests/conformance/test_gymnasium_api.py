"""Every registered Gymnasium id through every Gymnasium-side checker."""
import pytest
from checkers import (
    GYM_IDS,
    STATE_KEY_IDS,
    VECTOR_ENTRY_IDS,
    check_determinism,
    check_gymnasium_api,
    check_make_vec,
    check_pickle,
    check_render_modes,
    check_reward_state,
    check_state_key,
    check_success_flag,
    check_vector_determinism,
)


@pytest.mark.parametrize("env_id", GYM_IDS)
def test_gymnasium_check_env(env_id):
    check_gymnasium_api(env_id)


@pytest.mark.parametrize("env_id", GYM_IDS)
def test_same_seed_same_trajectory(env_id):
    check_determinism(env_id)


@pytest.mark.parametrize("env_id", GYM_IDS)
def test_render_modes_and_close(env_id):
    check_render_modes(env_id)


@pytest.mark.parametrize("env_id", GYM_IDS)
def test_pickle_round_trip(env_id):
    check_pickle(env_id)


@pytest.mark.parametrize("env_id", GYM_IDS)
def test_make_vec_sync(env_id):
    check_make_vec(env_id, "sync")


@pytest.mark.parametrize("env_id", VECTOR_ENTRY_IDS)
def test_make_vec_vector_entry_point(env_id):
    check_make_vec(env_id, "vector_entry_point", num_envs=5)


@pytest.mark.parametrize("env_id", VECTOR_ENTRY_IDS)
def test_vector_env_determinism(env_id):
    check_vector_determinism(env_id)


@pytest.mark.parametrize("env_id", GYM_IDS)
def test_reward_state_contract(env_id):
    check_reward_state(env_id)


@pytest.mark.parametrize("env_id", STATE_KEY_IDS)
def test_state_key_is_an_exact_key_of_the_state(env_id):
    check_state_key(env_id)


def test_every_sokoban_id_offers_state_keys():
    assert {i for i in GYM_IDS if "Sokoban" in i} <= set(STATE_KEY_IDS)


@pytest.mark.parametrize("env_id", GYM_IDS)
def test_is_success_in_info(env_id):
    check_success_flag(env_id)


def test_make_with_module_prefix_imports_package():
    """``gym.make("agentenvs:agentenvs/...")`` works in a fresh interpreter that never imported agentenvs."""
    import subprocess
    import sys

    code = "import gymnasium as gym; env = gym.make('agentenvs:agentenvs/Sokoban-Tiny-v0'); env.reset(seed=0); print('ok')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
