"""Shaping for a ``gymnasium.vector.VectorEnv``: the ``B`` sub-envs form the batch."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, cast

import gymnasium as gym
import numpy as np
from gymnasium.vector import AsyncVectorEnv, AutoresetMode, SyncVectorEnv, VectorEnv

from ..errors import MissingInputError
from ..spec import ShaperLike
from .core import ENV_COMPONENT, STALE_STATE_KEY, ShapingWrapperMixin, env_terms
from .inputs import copy_obs, method_sources, pick, replace_rows


def _env_method_sources(env: VectorEnv) -> dict[str, Callable[[], Any]]:
    """Batched sources of the env-method inputs.

    Native vector envs (e.g. ``SokobanVectorEnv``) answer with one call; Sync/Async vector envs
    ask each sub-env.
    """
    base = env.unwrapped
    if not isinstance(base, (SyncVectorEnv, AsyncVectorEnv)):
        return method_sources(base, lambda name: None)

    calls: Any = env  # Sync/Async vector envs (or wrappers of them) have call()

    def per_env(name: str) -> Callable[[], list[Any]] | None:
        if not all(calls.call("has_wrapper_attr", name)):
            return None
        return lambda: list(calls.call(name))

    return method_sources(None, per_env)


class ShapedVectorEnv(ShapingWrapperMixin, gym.vector.VectorWrapper, gym.utils.RecordConstructorArgs):
    """Adds weighted shaped rewards to a vector env's rewards, for all sub-envs in one batch.

    Changes: ``rewards`` become ``r_env + sum_i w_i(t) * r_i`` (float64 ``[B]``), and ``infos``
    gains ``infos["reward_components"]``: ``{"env": r_env, label_i: r_i, ...}``, each an
    **unweighted** float32 array ``[B]`` (multiply by :attr:`current_weights` for what was added),
    with the mask ``infos["_reward_components"]`` (true on real transitions). Nothing else changes.

    Autoreset (read from ``metadata["autoreset_mode"]``, default ``NEXT_STEP``):

    - ``NEXT_STEP``: the step after a sub-env's done only resets it; that row is not a transition.
      Shapers see it with ``batch.valid`` false, and its shaped reward is 0.
    - ``SAME_STEP``: ``next_obs`` of a done row is ``infos["final_obs"]``; ``frames`` rendered and
      ``reward_state`` read after the step describes the reset state of such rows (pixel
      observations give the true final frame); ``state_key`` is refused, for the same reason.
    - ``DISABLED``: every row is a transition.

    Works on ``SyncVectorEnv``, ``AsyncVectorEnv`` and native vector envs; ``reward_state`` and
    ``state_key`` come from the vector env's own batched method when it has one, else from each
    sub-env.
    Parameters are those of :class:`~reward_plugins.wrappers.ShapedEnv`; shapers get
    ``setup(single_observation_space, single_action_space, num_envs)``.
    """

    def __init__(
        self,
        env: VectorEnv,
        shapers: ShaperLike | Iterable[ShaperLike],
        weights: Any = None,
        *,
        on_nonfinite: str = "raise",
        update_every: int = 1,
        resume_env_steps: int = 0,
        text_from_info: bool = False,
    ) -> None:
        gym.vector.VectorWrapper.__init__(self, env)
        self.autoreset_mode = AutoresetMode(env.metadata.get("autoreset_mode", AutoresetMode.NEXT_STEP))
        withheld = {}
        if self.autoreset_mode == AutoresetMode.SAME_STEP:
            withheld["state_key"] = STALE_STATE_KEY.format(
                where="under SAME_STEP autoreset finished envs reset within the step",
                fix="use NEXT_STEP autoreset (Gymnasium's default)")
        self._init_shaping(
            shapers,
            weights,
            observation_space=env.single_observation_space,
            action_space=env.single_action_space,
            num_envs=env.num_envs,
            sources=_env_method_sources(env),
            withheld=withheld,
            render_mode=env.render_mode,
            on_nonfinite=on_nonfinite,
            update_every=update_every,
            resume_env_steps=resume_env_steps,
            text_from_info=text_from_info,
        )
        gym.utils.RecordConstructorArgs.__init__(
            self,
            shapers=self.core.recorded_shapers,
            weights=self.core.recorded_weights,
            on_nonfinite=on_nonfinite,
            update_every=update_every,
            text_from_info=text_from_info,
        )
        self._obs: Any = None
        self._pending_reset = np.zeros(env.num_envs, dtype=bool)

    def reset(
        self, *, seed: int | list[int] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        mask = None
        if options is not None and "reset_mask" in options:
            mask = np.asarray(options["reset_mask"], dtype=bool).copy()
        obs, info = self.env.reset(seed=cast(Any, seed), options=options)  # Sync/Async envs take lists
        mask = np.ones(self.num_envs, dtype=bool) if mask is None else mask
        if self.core.needs("obs"):
            self._obs = copy_obs(obs)
        self._pending_reset[mask] = False
        self.core.reset_episodes(mask)
        return obs, info

    def step(self, actions: Any) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        obs, rewards, terminations, truncations, infos = self.env.step(actions)
        core = self.core
        done = np.logical_or(terminations, truncations)
        valid = None
        if self.autoreset_mode == AutoresetMode.NEXT_STEP and self._pending_reset.any():
            valid = ~self._pending_reset
        next_obs = obs
        needs_next_obs = bool(core.requires & {"next_obs", "frames", "text"})
        if self.autoreset_mode == AutoresetMode.SAME_STEP and done.any() and needs_next_obs:
            rows = np.flatnonzero(done)
            next_obs = replace_rows(obs, rows, [infos["final_obs"][i] for i in rows])
        view = {
            "obs": self._obs,
            "next_obs": next_obs,
            "action": actions,
            "reward": rewards,
            "done": done,
            "terminated": terminations,
            **self._sources,
            "frames": lambda: self._frames(next_obs),
            "text": lambda: self._text_of(next_obs, infos),
        }
        try:
            shaped, components = core.step(view, done, valid)
        finally:  # a refused step (non-finite input) still moves the wrapper to the env's new state
            if core.needs("obs"):
                self._obs = copy_obs(obs)
            if self.autoreset_mode == AutoresetMode.NEXT_STEP:
                self._pending_reset = done
        env_rewards = np.asarray(rewards)
        infos = dict(infos)
        infos["reward_components"] = {ENV_COMPONENT: env_rewards.astype(np.float32),
                                      **env_terms(infos.get("reward_components")), **components}
        infos["_reward_components"] = np.ones(self.num_envs, dtype=bool) if valid is None else valid
        return obs, np.add(env_rewards, shaped, dtype=np.float64), terminations, truncations, infos

    def _frames(self, next_obs: Any) -> np.ndarray:
        if self._image is not None:
            return np.asarray(pick(next_obs, self._image))
        frames = self.env.render()
        return np.stack(frames) if isinstance(frames, (tuple, list)) else np.asarray(frames)

    def _text_of(self, next_obs: Any, infos: dict[str, Any]) -> list[str]:
        if self._text is not None:
            return [str(t) for t in pick(next_obs, self._text)]
        if "text" not in infos:
            raise MissingInputError(
                f"{type(self).__name__}(text_from_info=True) found no infos['text'] in this step's infos"
            )
        return [str(t) for t in infos["text"]]
