"""GroupedVectorEnv on Ray actors: one small local cluster for the module, envs as real actors."""
import os
import signal
import time

import pytest

ray = pytest.importorskip("ray")

import agentenvs  # noqa: E402,F401  (registers the ids)
from agentenvs.agents.grouped import GroupedVectorEnv  # noqa: E402

SOKOBAN = "agentenvs/Sokoban-Text-v0"
TASKS = [{"seed": 31, "task_id": "a"}, {"seed": 32, "task_id": "b"}]
SCRIPT = [["up", "left", "down", "right"], ["left", "left", "up", "up"], ["down", "right", "right", "up"]]


@pytest.fixture(scope="module")
def cluster():
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False,
             runtime_env={"env_vars": {"PYTHONPATH": os.environ.get("PYTHONPATH", "")}})
    yield
    ray.shutdown()


def trajectory(env):
    trace = [env.reset(TASKS)[0]]
    for actions in SCRIPT:
        obs, rewards, terminated, truncated, _ = env.step(actions)
        trace.append((obs, rewards.tolist(), terminated.tolist(), truncated.tolist()))
    return trace


def test_ray_actors_give_the_sync_trajectory_with_text_observations_and_survive_a_killed_actor(cluster):
    env = GroupedVectorEnv(SOKOBAN, num_groups=2, group_size=2, backend="ray", step_timeout=30)
    local = GroupedVectorEnv(SOKOBAN, num_groups=2, group_size=2, backend="sync")
    try:
        ours = trajectory(env)
        assert ours == trajectory(local)
        assert all(isinstance(o, str) for o in ours[0]) and ours[0][0] == ours[0][1] != ours[0][2]
        pids = env.worker_pids()
        assert len(set(pids)) == 4 and os.getpid() not in pids
        os.kill(pids[1], signal.SIGKILL)
        obs, rewards, terminated, truncated, info = env.step(["up"] * 4)
        assert truncated.tolist() == [False, True, False, False]
        assert "Actor" in info["env_error"][1]
        assert env.active_mask.tolist() == [True, False, True, True]
        env.reset(TASKS)  # a new actor replaces the killed one
        new = env.worker_pids()
        assert new[1] not in pids
        assert env.step(["up"] * 4)[4]["active_mask"].all()
    finally:
        env.close()
        local.close()
    assert wait_gone(pids + new)


def wait_gone(pids, seconds=20.0):
    """Whether every process in ``pids`` has exited within ``seconds`` (Ray reaps killed actors' workers)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(alive(pid) for pid in pids):
            return True
        time.sleep(0.2)
    return False


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
