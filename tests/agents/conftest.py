"""Fixtures shared by the agent-facing tests."""
import pytest


@pytest.fixture
def closing():
    """Register envs to close when the test ends (even when it fails): ``env = closing(make(...))``."""
    envs = []
    yield lambda env: envs.append(env) or env
    for env in envs:
        env.close()
