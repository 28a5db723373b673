"""Shaping for a Stable-Baselines3 ``VecEnv`` (imports stable_baselines3)."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..base import TransitionBatch
from ..errors import MissingDependencyError, MissingInputError
from .core import ENV_COMPONENT, STALE_STATE_KEY, ShaperSpec, ShapingWrapperMixin, to_tensor
from .inputs import copy_obs, method_sources, pick, replace_rows

try:
    from stable_baselines3.common.vec_env import VecEnv, VecEnvWrapper
except ImportError as e:  # pragma: no cover - depends on the environment
    raise MissingDependencyError(
        "ShapedVecEnv needs stable-baselines3: pip install 'agentenvs[baselines]' (or stable-baselines3)"
    ) from e


def _env_method_sources(venv: VecEnv) -> dict[str, Callable[[], Any]]:
    """Batched ``reward_state`` / ``state_key`` of the base VecEnv if it has them, else each sub-env's, stacked."""
    return method_sources(venv.unwrapped, lambda name: (lambda: venv.env_method(name)) if venv.has_attr(name) else None)


class ShapedVecEnv(ShapingWrapperMixin, VecEnvWrapper):
    """Adds weighted shaped rewards to an SB3 ``VecEnv``'s rewards, for all envs in one batch.

    Changes: rewards become ``r_env + sum_i w_i(t) * r_i`` (float32 ``[B]``) and every
    ``infos[j]`` gains ``infos[j]["reward_components"]``: ``{"env": r_env, label_i: r_i, ...}``
    with **unweighted** floats. Nothing else changes.

    SB3 resets a done env within the same step and returns the real last observation in
    ``infos[j]["terminal_observation"]``; that is used as ``next_obs`` (and as the frame, with
    pixel observations). ``terminated`` is ``done and not infos[j]["TimeLimit.truncated"]``.
    Frames from ``get_images()`` describe the reset state of done envs, and so does
    ``reward_state`` read after the step, unless the base VecEnv's batched methods keep the
    terminal states (it then sets ``keeps_terminal_states = True``, as
    ``baselines.envs.NativeVecEnvAdapter`` does). ``state_key`` is only offered by such VecEnvs. Parameters are
    those of :class:`~reward_plugins.wrappers.ShapedEnv`.
    """

    def __init__(
        self,
        venv: VecEnv,
        shapers: ShaperSpec | Iterable[ShaperSpec],
        weights: Any = None,
        *,
        on_nonfinite: str = "raise",
        update_every: int = 1,
        text_from_info: bool = False,
    ) -> None:
        super().__init__(venv)
        withheld = {}
        if not getattr(venv.unwrapped, "keeps_terminal_states", False):
            withheld["state_key"] = STALE_STATE_KEY.format(
                where=f"{type(venv.unwrapped).__name__} resets finished envs within step_wait (SB3's convention)",
                fix="wrap a VecEnv that keeps terminal states (baselines.envs.NativeVecEnvAdapter, used for native "
                "vector envs such as Sokoban's)")
        self._init_shaping(
            shapers,
            weights,
            observation_space=venv.observation_space,
            action_space=venv.action_space,
            num_envs=venv.num_envs,
            sources=_env_method_sources(venv),
            withheld=withheld,
            render_mode=venv.render_mode,
            on_nonfinite=on_nonfinite,
            update_every=update_every,
            text_from_info=text_from_info,
        )
        self._obs: Any = None
        self._actions: Any = None

    def reset(self) -> Any:
        obs = self.venv.reset()
        if self.core.needs("obs"):
            self._obs = copy_obs(obs)
        self.core.reset_episodes(np.ones(self.num_envs, dtype=bool))
        return obs

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = actions
        self.venv.step_async(actions)

    def step_wait(self) -> tuple[Any, np.ndarray, np.ndarray, list[dict[str, Any]]]:
        obs, rewards, dones, infos = self.venv.step_wait()
        core = self.core
        dones = np.asarray(dones, dtype=bool)
        rows = np.flatnonzero(dones)
        next_obs = obs
        if rows.size and core.requires & {"next_obs", "frames", "text"}:
            next_obs = replace_rows(obs, rows, [infos[i]["terminal_observation"] for i in rows])
        terminated = dones.copy()
        for i in rows:
            terminated[i] = not infos[i].get("TimeLimit.truncated", False)
        batch = TransitionBatch(
            obs=to_tensor(self._obs) if core.needs("obs") else None,
            next_obs=to_tensor(next_obs) if core.needs("next_obs") else None,
            action=to_tensor(np.asarray(self._actions)) if core.needs("action") else None,
            reward=to_tensor(np.asarray(rewards, dtype=np.float32)) if core.needs("reward") else None,
            done=to_tensor(dones) if core.needs("done") else None,
            terminated=to_tensor(terminated) if core.needs("terminated") else None,
            reward_state=to_tensor(self._sources["reward_state"]()) if core.needs("reward_state") else None,
            state_key=to_tensor(self._sources["state_key"]()) if core.needs("state_key") else None,
            frames=to_tensor(self._frames(next_obs)) if core.needs("frames") else None,
            text=self._text_of(next_obs, infos) if core.needs("text") else None,
        )
        shaped, components = core.score(batch, dones, None)
        if core.needs("obs"):
            self._obs = copy_obs(obs)
        components = {ENV_COMPONENT: np.asarray(rewards, dtype=np.float32), **components}
        columns = {k: v.tolist() for k, v in components.items()}
        for j, info in enumerate(infos):
            info["reward_components"] = {k: col[j] for k, col in columns.items()}
        return obs, (np.asarray(rewards, dtype=np.float64) + shaped).astype(np.float32), dones, infos

    def _frames(self, next_obs: Any) -> np.ndarray:
        if self._image is not None:
            return np.asarray(pick(next_obs, self._image))
        return np.stack(self.venv.get_images())

    def _text_of(self, next_obs: Any, infos: list[dict[str, Any]]) -> list[str]:
        if self._text is not None:
            return [str(t) for t in pick(next_obs, self._text)]
        if any("text" not in info for info in infos):
            raise MissingInputError(f"{type(self).__name__}(text_from_info=True) found an info without 'text'")
        return [str(info["text"]) for info in infos]
