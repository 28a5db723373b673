"""The id table: what each row registers, how the table is validated, extras and oracles."""
import warnings
from pathlib import Path

import gymnasium as gym
import pytest
from gymnasium.envs.registration import load_env_creator
from gymnasium.wrappers import TimeLimit

import agentenvs
from agentenvs.errors import ConfigError
from agentenvs.gui.oracle import GUICursorOracle, GUIGroundOracle
from agentenvs.registration import (
    EXTRA_MODULES,
    GYM_ENVS,
    MULTI_AGENT_ENVS,
    EnvEntry,
    all_entries,
    get_entry,
    missing_extra,
    register_all,
    validate_entries,
)
from agentenvs.sokoban.oracle import SokobanOracle
from agentenvs.text.discrete import TextQuestDiscreteOracle
from agentenvs.text.quest.oracle import TextQuestOracle
from agentenvs.text.shop_oracle import TextShopOracle

tomllib = pytest.importorskip("tomllib", reason="reading pyproject.toml needs Python 3.11+")
PYPROJECT = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
CLIFF = "gymnasium.envs.toy_text.cliffwalking:CliffWalkingEnv"  # no time limit of its own


@pytest.fixture
def temporary_ids():
    """Ids registered by a test, removed from Gymnasium's registry afterwards."""
    ids: list[str] = []
    yield ids
    for id_ in ids:
        gym.registry.pop(id_, None)


def test_every_gym_entry_is_registered_with_its_row():
    for entry in GYM_ENVS:
        spec = gym.spec(entry.id)
        assert spec.kwargs == entry.kwargs
        assert spec.vector_entry_point == entry.vector_entry_point
        assert spec.max_episode_steps == entry.max_episode_steps
        assert spec.nondeterministic == entry.nondeterministic


def test_register_all_is_idempotent():
    before = {entry.id: gym.spec(entry.id) for entry in GYM_ENVS}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # gymnasium warns "Overriding environment ..." on re-registration
        register_all()
    assert all(gym.spec(id_) is spec for id_, spec in before.items())


def test_sokoban_keeps_its_own_step_limit_and_gets_no_time_limit_wrapper():
    env = gym.make("agentenvs/Sokoban-Tiny-v0", max_steps=5)
    wrapper, chain = env, []
    while isinstance(wrapper, gym.Wrapper):
        chain.append(type(wrapper))
        wrapper = wrapper.env
    assert TimeLimit not in chain
    for seed in range(20):  # the first seed where bumping into walls does not solve the level
        env.reset(seed=seed)
        steps = [env.step(0) for _ in range(5)]
        if not any(terminated for _, _, terminated, _, _ in steps):
            break
    assert [truncated for *_, truncated, _ in steps] == [False] * 4 + [True]
    env.close()


def test_max_episode_steps_adds_a_time_limit(temporary_ids):
    row = EnvEntry("agentenvs-test/Cliff-Limited-v0", CLIFF, "cliff walking, 7 steps", max_episode_steps=7,
                   nondeterministic=True)
    temporary_ids.append(row.id)
    register_all([row])
    assert gym.spec(row.id).nondeterministic
    env = gym.make(row.id)
    env.reset(seed=0)
    flags = [env.step(0)[3] for _ in range(7)]  # "up" from the start corner: never terminal
    assert flags == [False] * 6 + [True]


def test_a_duplicate_id_is_refused_naming_the_id():
    duplicate = EnvEntry(GYM_ENVS[0].id, MULTI_AGENT_ENVS[0].entry_point, "a second row with the same id")
    with pytest.raises(ConfigError, match=r"more than once: \['agentenvs/Sokoban-Tiny-v0'\]"):
        validate_entries(GYM_ENVS + MULTI_AGENT_ENVS + (duplicate,))
    validate_entries(all_entries())  # the shipped table passes


def test_an_unknown_extra_and_a_non_positive_limit_are_refused():
    with pytest.raises(ConfigError, match="unknown extra 'render'.*'web'"):
        validate_entries([EnvEntry("a/A-v0", CLIFF, "x", extra="render")])
    with pytest.raises(ConfigError, match="max_episode_steps must be >= 1"):
        validate_entries([EnvEntry("a/A-v0", CLIFF, "x", max_episode_steps=0)])


def test_missing_extra_names_the_extra_whose_module_is_absent():
    row = EnvEntry("agentenvs-test/Web-v0", CLIFF, "needs a browser", extra="web")
    assert missing_extra(row, {"web": ("json", "agentenvs_no_such_module")}) == "web"
    assert missing_extra(row, {"web": ("json",)}) is None
    assert missing_extra(EnvEntry("a/A-v0", CLIFF, "x")) is None
    assert all(missing_extra(entry) is None for entry in all_entries())  # Sokoban needs the core only


def test_every_extra_the_table_knows_is_an_extra_of_the_package():
    assert set(EXTRA_MODULES) <= set(PYPROJECT["project"]["optional-dependencies"])


def test_oracles_are_loaded_from_the_rows():
    oracles = {load_env_creator(e.oracle) for e in GYM_ENVS if e.oracle}
    assert {SokobanOracle, TextShopOracle, TextQuestOracle, TextQuestDiscreteOracle, GUICursorOracle,
            GUIGroundOracle} <= oracles
    assert all(isinstance(oracle, type) and hasattr(oracle, "act") for oracle in oracles)
    assert all(entry.oracle for entry in GYM_ENVS if entry.family in ("sokoban", "text", "gui"))
    assert get_entry("agentenvs/Sokoban-Multi-v0").oracle is None


def test_get_entry_finds_single_and_multi_agent_rows():
    assert get_entry("agentenvs/Sokoban-v0") is GYM_ENVS[2]
    assert get_entry("agentenvs/Sokoban-Multi-v0") is MULTI_AGENT_ENVS[0]
    assert get_entry("CartPole-v1") is None


def test_unknown_multi_agent_id_names_the_choices():
    with pytest.raises(ConfigError, match="Sokoban-Multi-v0"):
        agentenvs.make_multi_agent("agentenvs/Nope-v0")
