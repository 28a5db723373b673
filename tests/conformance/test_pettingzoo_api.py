"""Every multi-agent env through PettingZoo's API, parallel API and seed tests."""
import functools

import pytest
from checkers import MULTI_AGENT_IDS, check_pettingzoo

from agentenvs import make_multi_agent


@pytest.mark.parametrize("env_id", MULTI_AGENT_IDS)
def test_pettingzoo_conformance(env_id):
    check_pettingzoo(functools.partial(make_multi_agent, env_id))


@pytest.mark.parametrize("env_id", MULTI_AGENT_IDS)
def test_aec_version_from_registry(env_id):
    env = make_multi_agent(env_id, aec=True)
    env.reset(seed=0)
    assert env.agent_selection in env.agents
    env.close()
