"""Every registered id refuses an argument it does not take with ConfigError naming it."""
import gymnasium as gym
import pytest

import agentenvs
from agentenvs.errors import ConfigError
from agentenvs.registration import GYM_ENVS, MULTI_AGENT_ENVS, missing_extra


@pytest.mark.parametrize("entry", [e for e in GYM_ENVS if not missing_extra(e)], ids=lambda e: e.id)
def test_gym_make_refuses_unknown_arguments(entry):
    with pytest.raises(ConfigError, match=r"unknown argument\(s\) \['nosuch'\]; it takes \[.*'render_mode'"):
        gym.make(entry.id, nosuch=1)
    if entry.vector_entry_point:
        with pytest.raises(ConfigError, match=r"\['nosuch'\]"):
            gym.make_vec(entry.id, num_envs=2, vectorization_mode="vector_entry_point", nosuch=1)


@pytest.mark.parametrize("entry", MULTI_AGENT_ENVS, ids=lambda e: e.id)
def test_make_multi_agent_refuses_unknown_arguments(entry):
    first = next(iter(entry.kwargs), "render_mode")  # every row's default arguments are among those it takes
    with pytest.raises(ConfigError, match=rf"unknown argument\(s\) \['nosuch'\]; it takes \[.*'{first}'"):
        agentenvs.make_multi_agent(entry.id, nosuch=1)
