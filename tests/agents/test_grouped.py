"""GroupedVectorEnv: groups of identical tasks, finished envs, statistics, failures and shaping.

Real envs in real workers (threads, forked processes); the failing env below crashes, raises or
hangs for real, and the tests kill real worker processes by their PID.
"""
import math
import multiprocessing
import os
import signal
import string
import time

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces

import agentenvs  # noqa: F401  (registers the ids)
from agentenvs.agents.grouped import GroupedVectorEnv, group_relative_advantages, pass_at_k
from agentenvs.errors import ConfigError, EnvWorkerError

SOKOBAN = "agentenvs/Sokoban-Text-v0"
BACKENDS = ("sync", "thread", "process")
MOVES = ("up", "right", "down", "left")


class ScriptedEnv(gym.Env):
    """A text env whose actions say what happens: ``"win"`` (reward 1, success), ``"lose"``,
    ``"raise"``, ``"die"`` (the process exits), ``"hang"`` (sleeps forever); anything else scores 0.25."""

    observation_space = spaces.Text(64, charset=string.printable)
    action_space = spaces.Text(16, charset=string.printable)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        self.start = int(self.np_random.integers(1000))
        return f"start {self.start}", {"success": False}

    def step(self, action):
        self.t += 1
        if action == "raise":
            raise RuntimeError("the env broke")
        if action == "die":
            os._exit(3)
        if action == "hang":
            while True:
                time.sleep(60)
        if action in ("win", "lose"):
            return f"{action} {self.start}", float(action == "win"), True, False, {"success": action == "win"}
        return f"at {self.start}/{self.t}", 0.25, False, self.t >= 4, {"success": False}


gym.register("agentenvs-test/Scripted-v0", entry_point=f"{__name__}:ScriptedEnv")
SCRIPTED = "agentenvs-test/Scripted-v0"


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("backend", BACKENDS)
def test_each_group_starts_from_its_task_as_a_single_env_would(backend, closing):
    env = closing(GroupedVectorEnv(SOKOBAN, num_groups=2, group_size=3, backend=backend))
    tasks = [{"seed": 11, "task_id": "a"}, {"seed": 12, "task_id": "b"}]
    obs, info = env.reset(tasks)
    single = gym.make(SOKOBAN)
    expected = [single.reset(seed=t["seed"], options=dict(t))[0] for t in tasks]
    assert all(isinstance(o, str) for o in obs)
    assert list(obs) == [expected[0]] * 3 + [expected[1]] * 3
    assert expected[0] != expected[1]
    assert info["group_id"].tolist() == [0, 0, 0, 1, 1, 1]
    assert env.single_observation_space == single.observation_space
    obs, rewards, terminated, truncated, info = env.step(["up", "down", "left", "right", "up", "up"])
    single.reset(seed=11)
    assert obs[1] == single.step("down")[0]
    assert obs[4] == obs[5] and info["action_is_valid"].all() and info["active_mask"].all()


def test_finished_envs_stay_finished_and_groups_are_summarised(closing):
    env = closing(GroupedVectorEnv(SCRIPTED, num_groups=2, group_size=2))
    env.reset(seed=5)
    obs, rewards, terminated, truncated, info = env.step(["win", "go", "lose", "lose"])
    assert terminated.tolist() == [True, False, True, True]
    assert env.active_mask.tolist() == [False, True, False, False]
    before = obs[0]
    obs, rewards, terminated, truncated, info = env.step(["win", "win", "win", "win"])
    # env 0 ignored its action: same observation, reward 0, flags repeated, not a transition
    assert obs[0] == before and rewards.tolist() == [0.0, 1.0, 0.0, 0.0]
    assert terminated.tolist() == [True, True, True, True]
    assert info["active_mask"].tolist() == [False, True, False, False]
    assert not env.active_mask.any()
    stats = env.episode_stats()
    assert stats["episodes"].tolist() == [2, 2]
    assert stats["success_rate"].tolist() == [1.0, 0.0]
    assert stats["mean_return"].tolist() == [1.125, 0.0]  # group 0: 1 and 0.25 + 1; group 1: 0 and 0
    assert stats["pass@2"].tolist() == [1.0, 0.0]
    assert env.episode_stats(k=1)["pass@1"].tolist() == [1.0, 0.0]


def test_autoreset_replays_the_group_task_on_the_next_step(closing):
    env = closing(GroupedVectorEnv(SCRIPTED, num_groups=1, group_size=2, autoreset=True))
    first, _ = env.reset(seed=3)
    env.step(["win", "go"])
    obs, rewards, terminated, truncated, info = env.step(["ignored", "lose"])
    assert obs[0] == first[0] and rewards[0] == 0.0 and not terminated[0]
    assert info["active_mask"].tolist() == [False, True]
    assert env.active_mask.tolist() == [True, True]
    obs, *_ = env.step(["win", "go"])
    stats = env.episode_stats()
    assert stats["episodes"].tolist() == [3] and stats["success_rate"][0] == pytest.approx(2 / 3)


def test_pass_at_k_and_group_advantages_match_their_closed_forms():
    assert pass_at_k(5, 2, 2) == pytest.approx(1 - 3 / 10)
    assert pass_at_k(4, 0, 2) == 0.0 and pass_at_k(4, 4, 1) == 1.0
    assert math.isnan(pass_at_k(1, 1, 2))
    adv = group_relative_advantages([[1.0, 0.0, 0.0, 1.0], [2.0, 2.0, 2.0, 2.0]])
    np.testing.assert_allclose(adv, [[1, -1, -1, 1], [0, 0, 0, 0]], atol=1e-5)
    with pytest.raises(ConfigError, match="num_groups, group_size"):
        group_relative_advantages([1.0, 2.0])


def test_sync_and_process_backends_give_identical_trajectories(closing):
    tasks = [{"seed": 21}, {"seed": 22}, {"seed": 23}]
    rng = np.random.default_rng(0)
    script = [[MOVES[m] for m in rng.integers(4, size=6)] for _ in range(40)]
    runs = []
    for backend in ("sync", "process"):
        env = closing(GroupedVectorEnv(SOKOBAN, num_groups=3, group_size=2, backend=backend))
        trace = [env.reset(tasks)[0]]
        for actions in script:
            obs, rewards, terminated, truncated, _ = env.step(actions)
            trace.append((obs, rewards.tolist(), terminated.tolist(), truncated.tolist()))
        runs.append(trace)
    assert runs[0] == runs[1]
    assert len({step[0] for step in runs[0][1:]}) > 1  # the script moved the players


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_env_that_raises_is_truncated_with_its_error_and_the_rest_go_on(backend, closing):
    env = closing(GroupedVectorEnv(SCRIPTED, num_groups=1, group_size=3, backend=backend))
    env.reset(seed=0)
    obs, rewards, terminated, truncated, info = env.step(["go", "raise", "go"])
    assert truncated.tolist() == [False, True, False] and not terminated.any()
    assert info["_env_error"].tolist() == [False, True, False]
    assert "RuntimeError: the env broke" in info["env_error"][1]
    assert env.active_mask.tolist() == [True, False, True]
    obs, rewards, *_ = env.step(["go", "go", "win"])
    assert rewards.tolist() == [0.25, 0.0, 1.0]
    stats = env.episode_stats()
    assert stats["errors"].tolist() == [1] and stats["episodes"].tolist() == [2]
    env.reset(seed=0)  # a new worker replaces the failed one
    assert env.step(["go", "go", "go"])[1].tolist() == [0.25, 0.25, 0.25]


def test_a_killed_worker_process_comes_back_truncated_and_is_replaced(closing):
    env = closing(GroupedVectorEnv(SOKOBAN, num_groups=2, group_size=2, backend="process", step_timeout=20))
    env.reset(seed=1)
    pids = env.worker_pids()
    assert len(set(pids)) == 4 and os.getpid() not in pids
    os.kill(pids[2], signal.SIGKILL)
    obs, rewards, terminated, truncated, info = env.step(["up"] * 4)
    assert truncated.tolist() == [False, False, True, False]
    assert f"worker process {pids[2]} exited" in info["env_error"][2]
    assert env.active_mask.tolist() == [True, True, False, True]
    assert env.step(["down"] * 4)[4]["active_mask"].tolist() == [True, True, False, True]
    env.reset(seed=1)
    new = env.worker_pids()
    assert new[2] not in pids and new[:2] == pids[:2]
    env.close()
    assert not any(alive(pid) for pid in pids + new)


@pytest.mark.parametrize("action", ["hang", "die"])
def test_a_hung_or_dead_env_is_stopped_within_the_step_timeout(action, closing):
    env = closing(GroupedVectorEnv(SCRIPTED, num_groups=2, group_size=2, backend="process", step_timeout=1.0))
    env.reset(seed=0)
    pids = env.worker_pids()
    start = time.monotonic()
    obs, rewards, terminated, truncated, info = env.step(["go", action, "go", "win"])
    assert time.monotonic() - start < 6.0  # the timeout (1 s) plus killing the worker, not forever
    assert truncated.tolist() == [False, True, False, False] and terminated.tolist() == [False, False, False, True]
    assert ("timeout" if action == "hang" else "exited (exit code 3)") in info["env_error"][1]
    assert not alive(pids[1])
    assert env.step(["go"] * 4)[1].tolist() == [0.25, 0.0, 0.25, 0.0]
    env.close()
    assert not any(alive(pid) for pid in pids)


def test_a_hung_thread_env_is_abandoned_within_the_step_timeout(closing):
    env = closing(GroupedVectorEnv(SCRIPTED, num_groups=1, group_size=2, backend="thread", step_timeout=0.5))
    env.reset(seed=0)
    obs, rewards, terminated, truncated, info = env.step(["hang", "go"])
    assert truncated.tolist() == [True, False] and "timeout" in info["env_error"][0]
    assert env.step(["go", "win"])[1].tolist() == [0.0, 1.0]


def test_shapers_wrap_it_unchanged_with_raw_and_shaped_rewards_in_info(closing):
    from reward_plugins.wrappers import ShapedVectorEnv

    base = GroupedVectorEnv(SOKOBAN, num_groups=2, group_size=2, backend="thread", max_steps=3)
    env = closing(ShapedVectorEnv(base, [{"name": "episodic_count", "kwargs": {"input": "text"}},
                                         {"name": "count", "kwargs": {"input": "state_key"}}], weights=0.5))
    obs, info = env.reset(options={"tasks": [{"seed": 4}, {"seed": 5}]})
    assert info["group_id"].tolist() == [0, 0, 1, 1]
    for t in range(4):
        obs, rewards, terminated, truncated, info = env.step(["up", "up", "left", "wall"])
        parts = info["reward_components"]
        shaped = 0.5 * (parts["episodic_count"] + parts["count"])
        np.testing.assert_allclose(rewards, parts["env"] + shaped, rtol=1e-6)
        if t == 0:  # first visits: each env's state is new in its episode; envs 0 and 1 (same task, same
            # move) share theirs, so the run-wide count saw it twice; envs 2 and 3 ("left", an invalid "wall")
            # are in two different states
            np.testing.assert_allclose(parts["episodic_count"], 1.0)
            np.testing.assert_allclose(parts["count"], [2 ** -0.5, 2 ** -0.5, 1.0, 1.0], rtol=1e-6)
        if t == 3:  # the episodes ended at step 3 (max_steps): no transition, nothing shaped
            assert not info["active_mask"].any() and not info["_reward_components"].any()
            assert rewards.tolist() == [0.0] * 4
    assert truncated.all()


def test_bad_input_gets_specific_errors(closing):
    with pytest.raises(ConfigError, match="backend must be one of"):
        GroupedVectorEnv(SOKOBAN, 1, 1, backend="gpu")
    with pytest.raises(ConfigError, match="group_size must be an int >= 1"):
        GroupedVectorEnv(SOKOBAN, 1, 0)
    with pytest.raises(EnvWorkerError, match="failed to start.*NameNotFound|failed to start.*doesn't exist"):
        GroupedVectorEnv("agentenvs/NoSuchEnv-v0", 1, 2, backend="process")
    assert not multiprocessing.active_children()  # the workers that started were stopped
    env = closing(GroupedVectorEnv(SOKOBAN, 2, 2))
    with pytest.raises(EnvWorkerError, match="reset"):
        env.step(["up"] * 4)
    with pytest.raises(ConfigError, match="sequence of 2 task mappings"):
        env.reset([{"seed": 1}])
    with pytest.raises(ConfigError, match="int 'seed'"):
        env.reset([{"seed": 1}, {"task_id": "x"}])
    with pytest.raises(ConfigError, match="reset needs tasks"):
        env.reset()
    env.reset(seed=0)
    with pytest.raises(ConfigError, match="needs 4 actions"):
        env.step(["up"])
    assert env.step(["up"] * 4)[4]["active_mask"].all()  # the refused calls left the env usable


def make_prefixed(env_id, prefix):
    """A maker: the registered env, its observations prefixed (a stand-in for a text-agent wrapper)."""
    return gym.wrappers.TransformObservation(gym.make(env_id), lambda obs: prefix + obs, ScriptedEnv.observation_space)


def test_a_maker_builds_each_worker_env(closing):
    env = closing(GroupedVectorEnv(SCRIPTED, 1, 2, backend="process", maker=f"{__name__}:make_prefixed", prefix="> "))
    obs, _ = env.reset(seed=0)
    assert obs[0].startswith("> start ") and obs[0] == obs[1]
    assert env.step(["go", "win"])[0][1].startswith("> win ")
