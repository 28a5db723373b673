"""Vector envs for training: native gymnasium vector envs adapted to SB3, monitors, shapers.

The stack for one run, inner to outer::

    NativeVecEnvAdapter(gym.make_vec(id, vectorization_mode="vector_entry_point"))
        or DummyVecEnv([gym.make(id)] * n)         when the id has no vector entry point
    VecMonitor(..., info_keywords=("is_success",))  monitor.csv: extrinsic returns
    ShapedVecEnv(..., shapers, weights)             the learner sees the shaped reward

The monitor sits inside the shaper wrapper so that ``monitor.csv`` records the env's own
(extrinsic) returns, comparable across shapers.
"""
from __future__ import annotations

import functools
import inspect
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AsyncVectorEnv, AutoresetMode, SyncVectorEnv, VectorEnv
from stable_baselines3.common.monitor import ResultsWriter
from stable_baselines3.common.vec_env import (
    DummyVecEnv,
    VecEnv,
    VecEnvWrapper,
    VecMonitor,
)
from stable_baselines3.common.vec_env.base_vec_env import (
    VecEnvIndices,
    VecEnvObs,
    VecEnvStepReturn,
)

import agentenvs  # noqa: F401  (registers the ids)
from agentenvs.errors import ConfigError
from reward_plugins import ShaperSpec
from reward_plugins.wrappers.inputs import ENV_METHOD_INPUTS
from reward_plugins.wrappers.sb3 import KEEPS_TERMINAL_STATES

from .config import RunConfig

#: ``VectorEnv.metadata`` key by which a vector env declares that ``reset(options={"reset_mask": m})``
#: resets only the envs where ``m`` is true (gymnasium >= 1.1's partial reset).
SUPPORTS_RESET_MASK = "supports_reset_mask"

#: Info keys copied from episode-final infos into monitor.csv.
MONITOR_INFO_KEYWORDS = ("is_success",)


def has_vector_entry_point(env_id: str) -> bool:
    """Whether ``env_id`` registers a native vector env (``gym.make_vec(..., "vector_entry_point")``)."""
    try:
        spec = gym.spec(env_id)
    except gym.error.Error as exc:
        raise ConfigError(f"unknown env id {env_id!r}: {exc}. Registered agentenvs ids: "
                          f"{sorted(k for k in gym.registry if k.startswith('agentenvs/'))}") from None
    return spec.vector_entry_point is not None


def _split_infos(info: dict[str, Any], n: int) -> list[dict[str, Any]]:
    """Gymnasium's batched info (arrays + ``_key`` masks, nested dicts) -> SB3's list of dicts."""
    out: list[dict[str, Any]] = [{} for _ in range(n)]
    for key, value in info.items():
        if key.startswith("_"):
            continue
        mask = info.get("_" + key)
        rows = np.flatnonzero(mask) if mask is not None else range(n)
        per_env = _split_infos(value, n) if isinstance(value, dict) else value
        for i in rows:
            item = per_env[i]
            out[i][key] = item.item() if isinstance(item, np.generic) else item
    return out


def _take(obs: VecEnvObs, i: int) -> Any:
    if isinstance(obs, dict):
        return {k: np.array(v[i]) for k, v in obs.items()}
    return np.array(obs[i])


def _assign(obs: VecEnvObs, new: VecEnvObs, mask: np.ndarray) -> VecEnvObs:
    """A copy of ``obs`` (an array or a dict of arrays) whose rows in ``mask`` come from ``new``."""
    if isinstance(obs, dict) and isinstance(new, dict):
        return {k: _assign_rows(obs[k], new[k], mask) for k in obs}
    return _assign_rows(obs, new, mask)


def _assign_rows(obs: Any, new: Any, mask: np.ndarray) -> np.ndarray:
    out = np.array(obs)
    out[mask] = np.asarray(new)[mask]
    return out


class NativeVecEnvAdapter(VecEnv):
    """SB3 ``VecEnv`` over a gymnasium ``VectorEnv`` (one batched env, not N Python envs).

    SB3 expects same-step autoreset: when env ``i`` finishes, the returned observation is
    already the first of its next episode and ``infos[i]["terminal_observation"]`` holds the last
    one. Gymnasium vector envs default to next-step autoreset (the reset happens on the *next*
    ``step`` call, whose action is ignored). For ``NEXT_STEP`` and ``DISABLED`` modes the adapter
    resets finished envs at once with ``reset(options={"reset_mask": done})``; for ``SAME_STEP``
    it reads ``info["final_obs"]`` / ``info["final_info"]``. ``TimeLimit.truncated`` is set so
    SB3 bootstraps truncated episodes.

    Vector-level methods (``action_masks()`` returning ``[N, A]``) are split per env for
    ``env_method``, so sb3-contrib's MaskablePPO works unchanged.

    :param venv: the gymnasium vector env.
    """

    #: SB3 infers ``dict[str, list]`` from its ``{"render_modes": [...]}``; metadata holds any value.
    metadata: dict[str, Any]

    def __init__(self, venv: VectorEnv) -> None:
        self.venv = venv
        self.autoreset_mode = AutoresetMode(venv.metadata.get("autoreset_mode", AutoresetMode.NEXT_STEP))
        self._actions: np.ndarray | None = None
        self._seed: int | None = None
        self.spec = getattr(venv, "spec", None)
        super().__init__(venv.num_envs, venv.single_observation_space, venv.single_action_space)
        # reward_state() / state_key() / instruction() after a step describe finished envs' terminal
        # states (read before the adapter resets them; a SAME_STEP env has reset them already)
        self.metadata[KEEPS_TERMINAL_STATES] = self.autoreset_mode != AutoresetMode.SAME_STEP
        #: name -> value of each state method, read before the adapter reset finished envs.
        self._final: dict[str, Any] = {}
        self._state_methods = [name for name in ENV_METHOD_INPUTS if callable(getattr(venv, name, None))]
        for name in self._state_methods:  # only envs that have them offer them
            setattr(self, name, functools.partial(self._state_after_step, name))

    def _state_after_step(self, name: str) -> Any:
        """The vector env's batched state method ``name`` after the last step.

        For envs that finished in it: the state before the adapter reset them (the state of
        ``terminal_observation``).
        """
        if name in self._final:
            return self._final[name]
        return getattr(self.venv, name)()

    def reset(self) -> VecEnvObs:
        self._final = {}
        obs, info = self.venv.reset(seed=self._seed)
        self._seed = None
        self.reset_infos = _split_infos(info, self.num_envs)
        return obs

    def seed(self, seed: int | None = None) -> Sequence[int | None]:
        """Seed the next reset: env ``i`` gets ``seed + i`` (gymnasium's convention)."""
        self._seed = seed
        return [None if seed is None else seed + i for i in range(self.num_envs)]

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = actions

    def step_wait(self) -> VecEnvStepReturn:
        obs, rewards, terminated, truncated, info = self.venv.step(self._actions)
        dones = np.logical_or(terminated, truncated)
        self._final = {}
        if self.autoreset_mode == AutoresetMode.SAME_STEP:
            infos = _split_infos(info, self.num_envs)
            for i in np.flatnonzero(dones).tolist():
                final = infos[i].get("final_info", {})
                final["terminal_observation"] = infos[i]["final_obs"]
                infos[i] = final
        else:
            infos = _split_infos(info, self.num_envs)
            if dones.any():
                for i in np.flatnonzero(dones).tolist():
                    infos[i]["terminal_observation"] = _take(obs, i)
                self._final = {name: getattr(self.venv, name)() for name in self._state_methods}
                reset_obs, reset_info = self.venv.reset(options={"reset_mask": dones})
                obs = _assign(obs, reset_obs, dones)
                for i, item in enumerate(_split_infos(reset_info, self.num_envs)):
                    if dones[i]:
                        self.reset_infos[i] = item
        for i, info in enumerate(infos):
            info["TimeLimit.truncated"] = bool(truncated[i] and not terminated[i])
        return obs, np.asarray(rewards, dtype=np.float32), dones, infos

    def close(self) -> None:
        self.venv.close()

    def _indices(self, indices: VecEnvIndices) -> list[int]:
        return list(self._get_indices(indices))

    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        value = getattr(self.venv, attr_name)  # raises AttributeError, as SB3's has_attr expects
        return [value for _ in self._indices(indices)]

    def set_attr(self, attr_name: str, value: Any, indices: VecEnvIndices = None) -> None:
        setattr(self.venv, attr_name, value)

    def env_method(
        self, method_name: str, *method_args: Any, indices: VecEnvIndices = None, **method_kwargs: Any
    ) -> list[Any]:
        """Call a vector-level method; a result with a leading ``num_envs`` axis is split per env."""
        # methods the adapter redefines (reward_state, which keeps terminal states) come first
        method = self.__dict__.get(method_name) or getattr(self.venv, method_name)
        result = method(*method_args, **method_kwargs)
        rows = self._indices(indices)

        def batched(value: Any) -> bool:
            return isinstance(value, np.ndarray) and value.ndim >= 1 and value.shape[0] == self.num_envs

        if batched(result):
            return [result[i] for i in rows]
        if isinstance(result, dict) and result and all(map(batched, result.values())):
            return [{k: v[i] for k, v in result.items()} for i in rows]
        return [result for _ in rows]

    def env_is_wrapped(self, wrapper_class: type[gym.Wrapper], indices: VecEnvIndices = None) -> list[bool]:
        return [False for _ in self._indices(indices)]

    def get_images(self) -> Sequence[np.ndarray | None]:
        frames = self.venv.render() if self.venv.render_mode == "rgb_array" else None
        return [np.asarray(frame) for frame in frames] if frames is not None else [None] * self.num_envs


def supports_adapter(venv: VectorEnv) -> bool:
    """Whether :class:`NativeVecEnvAdapter` can drive ``venv``.

    It can with same-step autoreset, or a ``reset`` that honours ``options["reset_mask"]``, which a
    native vector env declares with
    ``metadata["supports_reset_mask"] = True`` (:data:`SUPPORTS_RESET_MASK`; agentenvs' native
    vector envs do, Sync/Async vector envs always honour it; others, such as gymnasium's
    ``CartPoleVectorEnv``, ignore it and reset every env).
    """
    if isinstance(venv, (SyncVectorEnv, AsyncVectorEnv)):
        return True
    if venv.metadata.get("autoreset_mode") == AutoresetMode.SAME_STEP:
        return True
    return bool(venv.metadata.get(SUPPORTS_RESET_MASK, False))


def make_base_vec_env(env_id: str, env_kwargs: dict[str, Any], n_envs: int, seed: int | None,
                      *, native: bool = True, vector_kwargs: dict[str, Any] | None = None) -> VecEnv:
    """``n_envs`` copies of ``env_id`` as an SB3 VecEnv, seeded.

    Native (one batched env behind :class:`NativeVecEnvAdapter`) when the id has a vector entry
    point that the adapter supports (:func:`supports_adapter`), else (or with ``native=False``)
    SB3's ``DummyVecEnv`` of single envs. ``vector_kwargs`` go to the native vector env only.
    """
    venv: VecEnv | None = None
    if native and has_vector_entry_point(env_id):
        vector_env = gym.make_vec(env_id, num_envs=n_envs, vectorization_mode="vector_entry_point",
                                  **env_kwargs, **(vector_kwargs or {}))
        check_sb3_spaces(env_id, vector_env.single_observation_space, vector_env.single_action_space)
        if supports_adapter(vector_env):
            venv = NativeVecEnvAdapter(vector_env)
        else:
            vector_env.close()
    if venv is None:
        first = gym.make(env_id, **env_kwargs)
        check_sb3_spaces(env_id, first.observation_space, first.action_space)
        venv = DummyVecEnv([lambda: first] + [lambda: gym.make(env_id, **env_kwargs) for _ in range(n_envs - 1)])
    venv.seed(seed)
    return venv


def check_sb3_spaces(env_id: str, observation_space: gym.Space, action_space: gym.Space) -> None:
    """Raise a :class:`ConfigError` for spaces SB3 agents cannot use (``Text``, ``Graph``, ...)."""
    def unsupported(space: gym.Space) -> list[str]:
        if isinstance(space, gym.spaces.Dict):
            return [name for sub in space.spaces.values() for name in unsupported(sub)]
        ok = (gym.spaces.Box, gym.spaces.Discrete, gym.spaces.MultiDiscrete, gym.spaces.MultiBinary)
        return [] if isinstance(space, ok) else [type(space).__name__]

    bad = unsupported(observation_space) + unsupported(action_space)
    if bad:
        raise ConfigError(f"{env_id} has {' and '.join(sorted(set(bad)))} spaces, which SB3 agents cannot use "
                          "(Text spaces are for LLM agents); train on an array observation, e.g. "
                          "agentenvs/Sokoban-Small-v0, or obs_mode='grid' (train --env-kwarg obs_mode=grid; "
                          "env_kwargs: {obs_mode: grid} in a grid YAML)")


class _FillMissingInfo(VecEnvWrapper):
    """Give episode-final infos a ``None`` for each monitored key the env does not report.

    SB3's ``VecMonitor`` raises ``KeyError`` for a missing info keyword; envs without a notion
    of success (CartPole) get an empty ``is_success`` cell instead.
    """

    def __init__(self, venv: VecEnv, keys: Sequence[str]) -> None:
        super().__init__(venv)
        self.keys = tuple(keys)

    def reset(self) -> VecEnvObs:
        return self.venv.reset()

    def step_wait(self) -> VecEnvStepReturn:
        obs, rewards, dones, infos = self.venv.step_wait()
        for i in np.flatnonzero(dones):
            for key in self.keys:
                infos[i].setdefault(key, None)
        return obs, rewards, dones, infos


def add_monitor(
    venv: VecEnv, path: Path | None = None, truncate_at: int | None = None, elapsed: float = 0.0
) -> VecMonitor:
    """Wrap in SB3's ``VecMonitor`` recording ``is_success``; with ``path``, write monitor.csv.

    :param truncate_at: resume an existing file: keep its first ``truncate_at`` bytes (what a
        checkpoint saw) and append, instead of starting a new file.
    :param elapsed: seconds of training before the resume, so the ``t`` column stays monotonic.
    """
    monitor = VecMonitor(_FillMissingInfo(venv, MONITOR_INFO_KEYWORDS), None, info_keywords=MONITOR_INFO_KEYWORDS)
    if path is None:
        return monitor
    path = Path(path)
    appending = truncate_at is not None and path.exists()
    if appending:
        with open(path, "r+b") as f:
            f.truncate(truncate_at)
        monitor.t_start = time.time() - elapsed
    spec = getattr(venv, "spec", None)  # NativeVecEnvAdapter carries its env's EnvSpec; SB3's VecEnvs have none
    env_id = spec.id if spec is not None else None
    monitor.results_writer = ResultsWriter(
        os.fspath(path), header={"t_start": monitor.t_start, "env_id": str(env_id)},
        extra_keys=MONITOR_INFO_KEYWORDS, override_existing=not appending,
    )
    return monitor


def make_shapers(specs: Sequence[ShaperSpec], device: str = "auto", seed: int | None = None) -> list[Any]:
    """Build each :class:`~reward_plugins.ShaperSpec` through the shaper registry.

    ``device`` (unless ``"auto"``) and ``seed`` are passed to shapers whose constructor takes
    them and whose spec does not set them, so a run's seed also seeds its shapers.
    """
    return [ShaperSpec(spec.name, _with_run_settings(spec, device, seed)).build(f"shapers[{i}]")
            for i, spec in enumerate(specs)]


#: Constructor arguments of compositions that hold child shaper specs.
CHILD_ARGS = ("shaper", "shapers", "potential")


def _with_run_settings(spec: ShaperSpec, device: str, seed: int | None) -> dict[str, Any]:
    """``spec.kwargs`` with the run's ``device`` and ``seed`` filled in.

    They are filled in where the shaper takes them and the spec leaves them out, down through the
    child specs of compositions (``weighted_sum``,
    ``running_norm``, ...): children get ``seed + 1``, ``seed + 2``, ... so they differ.
    """
    from reward_plugins import shaper_class

    spec.check()
    accepted = inspect.signature(shaper_class(spec.name).__init__).parameters
    out = dict(spec.kwargs)
    if device != "auto" and "device" in accepted:
        out.setdefault("device", device)
    if seed is not None and "seed" in accepted:
        out.setdefault("seed", seed)
    counter = iter(range(1, 1 << 16))

    def child(item: Any) -> Any:
        if callable(item) and not isinstance(item, str):
            return item  # an instance or a callable potential: built by the user, left alone
        inner = ShaperSpec.parse(item, f"{spec.name}'s child")
        kwargs = _with_run_settings(inner, device, None if seed is None else seed + next(counter))
        return {"name": inner.name, "kwargs": kwargs, "weight": inner.weight}

    for key in CHILD_ARGS:
        if key in out and key in accepted:
            value = out[key]
            out[key] = [child(v) for v in value] if isinstance(value, (list, tuple)) else child(value)
    return out


def add_shapers(venv: VecEnv, shapers: Sequence[Any], specs: Sequence[ShaperSpec], *, update_every: int = 1,
                env_steps: int = 0) -> VecEnv:
    """Wrap in ``reward_plugins.wrappers.ShapedVecEnv`` (no-op without shapers).

    :param update_every: wrapper steps between shaper updates (0: never, for evaluation envs).
    :param env_steps: env steps already taken (a resume), so weight schedules continue.
    """
    if not shapers:
        return venv
    from reward_plugins.wrappers import ShapedVecEnv

    return ShapedVecEnv(venv, list(shapers), [spec.weight for spec in specs], update_every=update_every,
                        resume_env_steps=env_steps)


def make_vec_env(
    config: RunConfig,
    *,
    n_envs: int | None = None,
    seed: int | None = None,
    monitor_path: Path | None = None,
    shapers: Sequence[Any] | None = None,
) -> VecEnv:
    """The full training stack of one run: base vec env, ``VecMonitor``, shapers.

    :param config: env id, env kwargs, ``n_envs``, ``seed``, shaper specs and (through the
        hyperparameter tables) the native vector env's ``vector_kwargs`` come from here.
    :param n_envs: override ``config.n_envs`` (evaluation envs).
    :param seed: override ``config.seed``.
    :param monitor_path: where to write monitor.csv; ``None`` keeps episode stats in infos only.
    :param shapers: shaper modules to use (e.g. restored from a checkpoint); default: built
        fresh from ``config.shapers``.
    """
    from .hyperparams import resolve_hyperparams

    vector_kwargs = resolve_hyperparams(config.algo, config.env_id, config.hyperparams).get("vector_kwargs")
    venv = make_base_vec_env(config.env_id, config.env_kwargs, n_envs or config.n_envs,
                             config.seed if seed is None else seed, vector_kwargs=vector_kwargs)
    venv = add_monitor(venv, monitor_path)
    if shapers is None:
        shapers = make_shapers(config.shapers, config.device, config.seed)
    return add_shapers(venv, shapers, config.shapers)
