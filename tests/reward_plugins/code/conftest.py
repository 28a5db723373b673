"""One sandbox worker shared by the tests of this folder that are not about a worker's death."""
import pytest

from reward_plugins.code import Sandbox, SandboxLimits


@pytest.fixture(scope="session")
def sandbox():
    with Sandbox(SandboxLimits(timeout_s=20.0)) as box:
        yield box
