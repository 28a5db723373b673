"""Gymnasium-side checks of a registered id: the API checker, seeding, rendering, vector envs, keys, info."""
from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.utils.env_checker import check_env as gym_check_env

from .common import TRANSITION_FIELDS, difference, equal, has_vector_entry_point, make_native_vec, require, rollout


def check_gymnasium_api(env_id: str) -> None:
    """Gymnasium's own ``check_env``, every declared render mode included."""
    env = gym.make(env_id, disable_env_checker=True).unwrapped
    try:
        gym_check_env(env, skip_render_check=False, skip_close_check=False)
    finally:
        env.close()


def check_determinism(env_id: str, steps: int = 200) -> None:
    """Same seed => identical trajectories, on two fresh envs and on a used env reset with that seed again.

    The second half catches a stochastic env that ignores its seed (one that draws from a
    generator it never reseeds replays differently). No rule asks different seeds to give
    different trajectories: an env with a fixed start and deterministic dynamics (FrozenLake
    without slipping) is right to ignore its seed, and under the same actions it looks exactly
    like an env that reseeds from a constant, so such a rule could only give false positives.
    """
    a, b = gym.make(env_id), gym.make(env_id)
    try:
        ta, tb = rollout(a, 7, steps), rollout(b, 7, steps)
        _require_same(ta, tb, f"{env_id}: two fresh envs with the same seed")
        _require_same(ta, rollout(a, 7, steps), f"{env_id}: one env reset with the same seed twice (it does not "
                                                "reseed its randomness from reset(seed=...))")
    finally:
        a.close()
        b.close()


def _require_same(ta: list[tuple], tb: list[tuple], what: str) -> None:
    for i, (x, y) in enumerate(zip(ta, tb)):
        require(equal(x, y), f"{what} diverged at transition {i}: {difference(x, y)}")
    require(len(ta) == len(tb), f"{what} gave different episode boundaries")


def check_render_modes(env_id: str) -> None:
    """Every declared render mode returns a valid frame or text; ``close()`` is idempotent."""
    modes = gym.make(env_id).metadata.get("render_modes", [])
    require(modes, f"{env_id}: declares no render modes")
    for mode in modes:
        env = gym.make(env_id, render_mode=mode)
        env.reset(seed=0)
        env.step(env.action_space.sample())
        out: Any = env.render()
        if mode == "rgb_array":
            require(isinstance(out, np.ndarray) and out.dtype == np.uint8, f"{env_id}: rgb_array gave {type(out)}")
            require(out.ndim == 3 and out.shape[2] == 3 and out.shape[0] > 0, f"{env_id}: rgb_array shape {out.shape}")
            require(out.std() > 0, f"{env_id}: rgb_array frame is blank")
        elif mode == "ansi":
            require(isinstance(out, str) and out.strip(), f"{env_id}: ansi gave {out!r}")
        elif mode == "human":
            require(out is None, f"{env_id}: human render should return None, got {type(out)}")
        env.close()
        env.close()


def check_make_vec(env_id: str, mode: str, num_envs: int = 3, steps: int = 30) -> None:
    """``gym.make_vec`` builds a working vector env whose batches fit its spaces."""
    venv = gym.make_vec(env_id, num_envs=num_envs, vectorization_mode=mode)
    try:
        require(venv.num_envs == num_envs, f"{env_id} ({mode}): num_envs is {venv.num_envs}, asked for {num_envs}")
        obs, _ = venv.reset(seed=0)
        require(venv.observation_space.contains(obs), f"{env_id} ({mode}): reset obs outside observation_space")
        venv.action_space.seed(0)
        for _ in range(steps):
            obs, rew, term, trunc, _ = venv.step(venv.action_space.sample())
            require(venv.observation_space.contains(obs), f"{env_id} ({mode}): obs outside observation_space")
            require(rew.shape == term.shape == trunc.shape == (num_envs,),
                    f"{env_id} ({mode}): rewards/flags of shapes {rew.shape}, {term.shape}, {trunc.shape}")
            require(term.dtype == np.bool_ and trunc.dtype == np.bool_, f"{env_id} ({mode}): flags are not bool")
    finally:
        venv.close()


def check_vector_determinism(env_id: str, num_envs: int = 4, steps: int = 200) -> None:
    """The native vector env replays identically under the same seed."""
    traces: list[list[Any]] = []
    for _ in range(2):
        venv = make_native_vec(env_id, num_envs)
        venv.action_space.seed(11)
        trace: list[Any] = [venv.reset(seed=11)]
        for _ in range(steps):
            trace.append(venv.step(venv.action_space.sample()))
        traces.append(trace)
        venv.close()
    for i, (x, y) in enumerate(zip(*traces)):
        fields = ("observation", "info") if i == 0 else TRANSITION_FIELDS
        require(equal(x, y),
                f"{env_id}: vector env with the same seed diverged at step {i}: {difference(x, y, fields)}")


def check_success_flag(env_id: str, steps: int = 400) -> None:
    """``info["is_success"]`` is a bool on every step, so SB3's Monitor and our evaluation can read it."""
    env = gym.make(env_id)
    env.reset(seed=1)
    env.action_space.seed(1)
    for _ in range(steps):
        *_, terminated, truncated, info = env.step(env.action_space.sample())
        require(isinstance(info.get("is_success"), (bool, np.bool_)),
                f"{env_id}: info['is_success'] missing or not bool")
        if terminated or truncated:
            break
    env.close()


def _observation_bytes(obs: Any) -> bytes:
    """The exact content of one observation: text, an array, or a Dict of them (fields in key order)."""
    if isinstance(obs, dict):
        return b"".join(k.encode() + b"\0" + _observation_bytes(obs[k]) for k in sorted(obs))
    return obs.encode() if isinstance(obs, str) else np.ascontiguousarray(obs).tobytes()


def check_state_key(env_id: str, steps: int = 300, num_envs: int = 4) -> None:
    """``state_key()`` is an exact key of the state.

    Across the single env and the native vector env, equal observations get equal int64 keys
    and different observations different keys, and the vector env's keys stay right when
    first asked for mid-episode and across autoresets.
    """
    by_obs: dict[bytes, int] = {}
    by_key: dict[int, bytes] = {}

    def record(obs: Any, key: Any, where: str) -> None:
        data = _observation_bytes(obs)
        require(isinstance(key, (int, np.integer)),
                f"{env_id}: {where} state_key() gave {type(key).__name__}, not an int")
        key = int(key)
        require(by_obs.setdefault(data, key) == key, f"{env_id}: {where}: one observation, two keys")
        require(by_key.setdefault(key, data) == data, f"{env_id}: {where}: two observations, one key")

    env = gym.make(env_id)
    base: Any = env.unwrapped
    env.action_space.seed(3)
    obs, _ = env.reset(seed=3)
    record(obs, base.state_key(), "single env")
    for _ in range(steps):
        obs, _, terminated, truncated, _ = env.step(env.action_space.sample())
        record(obs, base.state_key(), "single env")
        if terminated or truncated:
            obs, _ = env.reset()
            record(obs, base.state_key(), "single env")
    env.close()
    vector = has_vector_entry_point(env_id)
    if vector:
        venv = make_native_vec(env_id, num_envs, max_steps=9)
        vector_base: Any = venv.unwrapped
        venv.action_space.seed(3)
        venv.reset(seed=3)
        for t in range(steps):
            obs = venv.step(venv.action_space.sample())[0]
            if t >= 5:  # the first call starts key tracking mid-episode
                keys = vector_base.state_key()
                require(keys.dtype == np.int64 and keys.shape == (num_envs,),
                        f"{env_id}: vector state_key() is {keys.dtype} {keys.shape}")
                for row in range(num_envs):
                    row_obs = {k: v[row] for k, v in obs.items()} if isinstance(obs, dict) else obs[row]
                    record(row_obs, keys[row], f"vector env row {row} at step {t}")
        venv.close()
    # random actions of a Text action space are mostly invalid: a single env may only meet its resets
    least = 20 if vector else 1
    require(len(by_key) > least, f"{env_id}: the rollouts visited only {len(by_key)} states, too few to test keys")


def offers_state_key(env_id: str) -> bool:
    """Whether the id's envs offer ``state_key()`` (optional: the exact-key input of count bonuses)."""
    env = gym.make(env_id)
    try:
        return callable(getattr(env.unwrapped, "state_key", None))
    finally:
        env.close()
