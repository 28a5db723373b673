"""Reusable API checkers: any env id registered by agentenvs runs through all of them.

Each checker takes an env id (or a constructor) and raises ``AssertionError`` with a message
that names the id and the broken rule. The test modules beside this file parametrize them
over the registry, so a new env is checked the moment it registers.
"""
from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.utils.env_checker import check_env as gym_check_env

import agentenvs  # noqa: F401  (registers the ids)
from agentenvs.registration import GYM_ENVS, MULTI_AGENT_ENVS

GYM_IDS = [e.id for e in GYM_ENVS]
VECTOR_ENTRY_IDS = [e.id for e in GYM_ENVS if e.vector_entry_point]
MULTI_AGENT_IDS = [e.id for e in MULTI_AGENT_ENVS]


def _has_state_key(env_id: str) -> bool:
    env = gym.make(env_id)
    try:
        return callable(getattr(env.unwrapped, "state_key", None))
    finally:
        env.close()


#: Ids whose envs offer ``state_key()`` (the exact-key input of count bonuses).
STATE_KEY_IDS = [i for i in GYM_IDS if _has_state_key(i)]

_SB3_SPACES = (spaces.Box, spaces.Discrete, spaces.MultiDiscrete, spaces.MultiBinary)


def sb3_compatible(space: gym.Space) -> bool:
    """Whether SB3 accepts the space (flat Dicts of its basic spaces included)."""
    if isinstance(space, spaces.Dict):
        return all(isinstance(s, _SB3_SPACES) for s in space.spaces.values())
    return isinstance(space, _SB3_SPACES)


def sb3_ids() -> list[str]:
    """Ids whose observation and action spaces SB3 accepts."""
    out = []
    for env_id in GYM_IDS:
        env = gym.make(env_id)
        if sb3_compatible(env.observation_space) and sb3_compatible(env.action_space):
            out.append(env_id)
        env.close()
    return out


def equal(a: Any, b: Any) -> bool:
    """Deep equality over numpy arrays, dicts, sequences and scalars."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    if isinstance(a, (np.ndarray, np.generic)) or isinstance(b, (np.ndarray, np.generic)):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and a.dtype == b.dtype and bool(np.array_equal(a, b))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def check_gymnasium_api(env_id: str) -> None:
    """Gymnasium's own checker, every declared render mode included."""
    env = gym.make(env_id, disable_env_checker=True).unwrapped
    try:
        gym_check_env(env, skip_render_check=False, skip_close_check=False)
    finally:
        env.close()


def check_sb3_api(env_id: str) -> None:
    """Stable-Baselines3's checker (it insists on Python float rewards and bool flags)."""
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    env = gym.make(env_id)
    try:
        sb3_check_env(env, warn=True)
    finally:
        env.close()


def rollout(env: gym.Env, seed: int, steps: int) -> list[tuple]:
    """(obs, reward, terminated, truncated, info) for ``steps`` seeded random actions, resetting on done."""
    env.action_space.seed(seed)
    obs, info = env.reset(seed=seed)
    trace: list[tuple] = [(obs, 0.0, False, False, info)]
    for _ in range(steps):
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        trace.append((obs, reward, terminated, truncated, info))
        if terminated or truncated:
            obs, info = env.reset()
            trace.append((obs, 0.0, False, False, info))
    return trace


def check_determinism(env_id: str, steps: int = 200) -> None:
    """Same seed => identical trajectories; different seeds => different levels."""
    a, b = gym.make(env_id), gym.make(env_id)
    try:
        ta, tb = rollout(a, 7, steps), rollout(b, 7, steps)
        assert len(ta) == len(tb), f"{env_id}: same seed, different episode boundaries"
        for i, (x, y) in enumerate(zip(ta, tb)):
            assert equal(x, y), f"{env_id}: same seed diverged at transition {i}: {x[1:]} != {y[1:]}"
        firsts = {pickle.dumps(a.reset(seed=s)[0]) for s in range(5)}
        assert len(firsts) > 1, f"{env_id}: seeds 0..4 all gave the same first observation"
    finally:
        a.close()
        b.close()


def check_render_modes(env_id: str) -> None:
    """Every declared render mode returns a valid frame/string; close() is idempotent."""
    modes = gym.make(env_id).metadata.get("render_modes", [])
    assert modes, f"{env_id}: declares no render modes"
    for mode in modes:
        env = gym.make(env_id, render_mode=mode)
        env.reset(seed=0)
        env.step(env.action_space.sample())
        out = env.render()
        if mode == "rgb_array":
            assert isinstance(out, np.ndarray) and out.dtype == np.uint8, f"{env_id}: rgb_array gave {type(out)}"
            assert out.ndim == 3 and out.shape[2] == 3 and out.shape[0] > 0, f"{env_id}: rgb_array shape {out.shape}"
            assert out.std() > 0, f"{env_id}: rgb_array frame is blank"
        elif mode == "ansi":
            assert isinstance(out, str) and out.strip(), f"{env_id}: ansi gave {out!r}"
        elif mode == "human":
            assert out is None, f"{env_id}: human render should return None, got {type(out)}"
        env.close()
        env.close()


def check_pickle(env_id: str) -> None:
    """Envs survive pickling mid-episode (AsyncVectorEnv / SubprocVecEnv rely on it)."""
    env = gym.make(env_id)
    env.reset(seed=3)
    env.action_space.seed(3)
    actions = [env.action_space.sample() for _ in range(5)]
    for action in actions[:2]:
        env.step(action)
    clone = pickle.loads(pickle.dumps(env))
    for action in actions[2:]:
        x, y = env.step(action), clone.step(action)
        assert equal(x[:4], y[:4]), f"{env_id}: unpickled env diverged from the original"
    env.close()
    clone.close()


def check_make_vec(env_id: str, mode: str, num_envs: int = 3, steps: int = 30) -> None:
    """``gym.make_vec`` builds a working vector env whose batches fit its spaces."""
    venv = gym.make_vec(env_id, num_envs=num_envs, vectorization_mode=mode)
    try:
        assert venv.num_envs == num_envs
        obs, info = venv.reset(seed=0)
        assert venv.observation_space.contains(obs), f"{env_id} ({mode}): reset obs outside observation_space"
        venv.action_space.seed(0)
        for _ in range(steps):
            obs, rew, term, trunc, info = venv.step(venv.action_space.sample())
            assert venv.observation_space.contains(obs), f"{env_id} ({mode}): obs outside observation_space"
            assert rew.shape == (num_envs,) and term.shape == (num_envs,) and trunc.shape == (num_envs,)
            assert term.dtype == np.bool_ and trunc.dtype == np.bool_
    finally:
        venv.close()


def check_vector_determinism(env_id: str, num_envs: int = 4, steps: int = 200) -> None:
    """The native vector env replays identically under the same seed."""
    traces = []
    for _ in range(2):
        venv = gym.make_vec(env_id, num_envs=num_envs, vectorization_mode="vector_entry_point")
        venv.action_space.seed(11)
        trace = [venv.reset(seed=11)]
        for _ in range(steps):
            trace.append(venv.step(venv.action_space.sample()))
        traces.append(trace)
        venv.close()
    for i, (x, y) in enumerate(zip(*traces)):
        assert equal(x, y), f"{env_id}: vector env with the same seed diverged at step {i}"


def check_reward_state(env_id: str) -> None:
    """The shaper contract: reward_state() of named arrays and a reward_state_doc naming each field."""
    env = gym.make(env_id)
    env.reset(seed=0)
    state = env.unwrapped.reward_state()
    doc = env.unwrapped.reward_state_doc
    assert isinstance(state, dict) and state, f"{env_id}: reward_state() must be a non-empty dict"
    for key, value in state.items():
        assert isinstance(value, np.ndarray), f"{env_id}: reward_state()[{key!r}] is {type(value)}, not np.ndarray"
        assert key in doc, f"{env_id}: reward_state_doc does not describe field {key!r}"
    env.close()


def check_state_key(env_id: str, steps: int = 300, num_envs: int = 4) -> None:
    """``state_key()`` is an exact key of the state: across the single env and the native vector
    env, equal observations get equal int64 keys and different observations different keys, and
    the vector env's keys stay right when first asked for mid-episode and across autoresets."""
    by_obs: dict[bytes, int] = {}
    by_key: dict[int, bytes] = {}

    def record(obs: Any, key: Any, where: str) -> None:
        data = obs.encode() if isinstance(obs, str) else np.ascontiguousarray(obs).tobytes()
        assert isinstance(key, (int, np.integer)), f"{env_id}: {where} state_key() gave {type(key).__name__}, not an int"
        key = int(key)
        assert by_obs.setdefault(data, key) == key, f"{env_id}: {where}: one observation, two keys"
        assert by_key.setdefault(key, data) == data, f"{env_id}: {where}: two observations, one key"

    env = gym.make(env_id)
    env.action_space.seed(3)
    obs, _ = env.reset(seed=3)
    record(obs, env.unwrapped.state_key(), "single env")
    for _ in range(steps):
        obs, _, terminated, truncated, _ = env.step(env.action_space.sample())
        record(obs, env.unwrapped.state_key(), "single env")
        if terminated or truncated:
            obs, _ = env.reset()
            record(obs, env.unwrapped.state_key(), "single env")
    env.close()
    if gym.spec(env_id).vector_entry_point is None:
        return
    venv = gym.make_vec(env_id, num_envs=num_envs, vectorization_mode="vector_entry_point", max_steps=9)
    venv.action_space.seed(3)
    venv.reset(seed=3)
    for t in range(steps):
        obs = venv.step(venv.action_space.sample())[0]
        if t >= 5:  # the first call starts key tracking mid-episode
            keys = venv.unwrapped.state_key()
            assert keys.dtype == np.int64 and keys.shape == (num_envs,), f"{env_id}: vector state_key() is {keys.dtype} {keys.shape}"
            for row in range(num_envs):
                record(obs[row], keys[row], f"vector env row {row} at step {t}")
    venv.close()
    assert len(by_key) > 20, f"{env_id}: the rollouts visited only {len(by_key)} states"


def check_success_flag(env_id: str, steps: int = 400) -> None:
    """``info["is_success"]`` is a bool on every step, so SB3's Monitor and our evaluation can read it."""
    env = gym.make(env_id)
    env.reset(seed=1)
    env.action_space.seed(1)
    for _ in range(steps):
        *_, terminated, truncated, info = env.step(env.action_space.sample())
        assert isinstance(info.get("is_success"), (bool, np.bool_)), f"{env_id}: info['is_success'] missing or not bool"
        if terminated or truncated:
            break
    env.close()


def check_pettingzoo(make: Callable[..., Any]) -> None:
    """PettingZoo's API, parallel API and seed tests on a parallel env constructor."""
    from pettingzoo.test import api_test, parallel_api_test, parallel_seed_test, seed_test
    from pettingzoo.utils.conversions import parallel_to_aec

    parallel_api_test(make(), num_cycles=300)
    api_test(parallel_to_aec(make()), num_cycles=300)
    parallel_seed_test(make, num_cycles=100)
    seed_test(lambda: parallel_to_aec(make()), num_cycles=100)
