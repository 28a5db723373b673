"""The id table, the registry and the ``agentenvs list`` command agree."""
import subprocess
import sys

import gymnasium as gym
import pytest

import agentenvs
from agentenvs.errors import ConfigError
from agentenvs.registration import GYM_ENVS, MULTI_AGENT_ENVS, register_all


def test_every_gym_entry_is_registered_with_its_kwargs():
    for entry in GYM_ENVS:
        spec = gym.spec(entry.id)
        assert spec.kwargs == entry.kwargs
        assert spec.vector_entry_point == entry.vector_entry_point


def test_register_all_is_idempotent():
    import warnings

    before = {entry.id: gym.spec(entry.id) for entry in GYM_ENVS}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # gymnasium warns "Overriding environment ..." on re-registration
        register_all()
    assert all(gym.spec(id_) is spec for id_, spec in before.items())


def test_unknown_multi_agent_id_names_the_choices():
    with pytest.raises(ConfigError, match="Sokoban-Multi-v0"):
        agentenvs.make_multi_agent("agentenvs/Nope-v0")


def test_cli_list_prints_every_id_with_a_description():
    out = subprocess.run([sys.executable, "-m", "agentenvs.cli", "list"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) == len(GYM_ENVS) + len(MULTI_AGENT_ENVS)
    for entry, line in zip(GYM_ENVS + MULTI_AGENT_ENVS, lines):
        assert line.startswith(entry.id) and entry.description in line
