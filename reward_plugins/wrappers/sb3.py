"""Shaping for a Stable-Baselines3 ``VecEnv`` (imports stable_baselines3)."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, cast

import numpy as np

from ..errors import MissingDependencyError, MissingInputError
from ..spec import ShaperLike
from .core import ENV_COMPONENT, STALE_STATE_KEY, ShapingWrapperMixin, env_terms
from .inputs import copy_obs, method_sources, pick, replace_rows

try:
    from stable_baselines3.common.vec_env import VecEnv, VecEnvWrapper
except ImportError as e:  # pragma: no cover - depends on the environment
    raise MissingDependencyError(
        "ShapedVecEnv needs stable-baselines3: pip install 'agentenvs[baselines]' (or stable-baselines3)"
    ) from e


#: Key of ``VecEnv.metadata`` by which a base VecEnv declares that its batched env methods
#: (``reward_state()``, ``state_key()``, ``instruction()``) answer, right after ``step_wait``,
#: for the states its finished envs ended in (read before it reset them), as
#: ``baselines.envs.NativeVecEnvAdapter`` does. SB3's own VecEnvs reset first and do not.
KEEPS_TERMINAL_STATES = "keeps_terminal_states"


def keeps_terminal_states(venv: VecEnv) -> bool:
    """Whether the base of ``venv`` declares :data:`KEEPS_TERMINAL_STATES`."""
    return bool(venv.unwrapped.metadata.get(KEEPS_TERMINAL_STATES, False))


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
    ``reward_state`` / ``instruction`` read after the step, unless the base VecEnv declares
    ``metadata["keeps_terminal_states"] = True`` (:data:`KEEPS_TERMINAL_STATES`, as
    ``baselines.envs.NativeVecEnvAdapter`` does). ``state_key`` is only offered by such VecEnvs.
    Parameters are those of :class:`~reward_plugins.wrappers.ShapedEnv`.
    """

    def __init__(
        self,
        venv: VecEnv,
        shapers: ShaperLike | Iterable[ShaperLike],
        weights: Any = None,
        *,
        on_nonfinite: str = "raise",
        update_every: int = 1,
        resume_env_steps: int = 0,
        text_from_info: bool = False,
    ) -> None:
        super().__init__(venv)
        withheld = {}
        if not keeps_terminal_states(venv):
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
            resume_env_steps=resume_env_steps,
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
        view = {
            "obs": self._obs,
            "next_obs": next_obs,
            "action": lambda: np.asarray(self._actions),
            "reward": rewards,
            "done": dones,
            "terminated": terminated,
            **self._sources,
            "frames": lambda: self._frames(next_obs),
            "text": lambda: self._text_of(next_obs, infos),
        }
        try:
            shaped, components = core.step(view, dones, None)
        finally:  # a refused step (non-finite input) still moves the wrapper to the env's new state
            if core.needs("obs"):
                self._obs = copy_obs(obs)
        components = {ENV_COMPONENT: np.asarray(rewards, dtype=np.float32), **components}
        columns = {k: v.tolist() for k, v in components.items()}
        for j, info in enumerate(infos):
            info["reward_components"] = {ENV_COMPONENT: columns[ENV_COMPONENT][j],
                                         **env_terms(info.get("reward_components")),
                                         **{k: col[j] for k, col in columns.items()}}
        return obs, (np.asarray(rewards, dtype=np.float64) + shaped).astype(np.float32), dones, infos

    def _frames(self, next_obs: Any) -> np.ndarray:
        if self._image is not None:
            return np.asarray(pick(next_obs, self._image))
        return np.stack(cast(list[np.ndarray], self.venv.get_images()))

    def _text_of(self, next_obs: Any, infos: list[dict[str, Any]]) -> list[str]:
        if self._text is not None:
            return [str(t) for t in pick(next_obs, self._text)]
        if any("text" not in info for info in infos):
            raise MissingInputError(f"{type(self).__name__}(text_from_info=True) found an info without 'text'")
        return [str(info["text"]) for info in infos]
