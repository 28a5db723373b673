"""Shaping for one ``gymnasium.Env``: every step is a batch of 1."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, SupportsFloat

import gymnasium as gym
import numpy as np

from ..errors import MissingInputError
from ..spec import ShaperLike
from .core import ENV_COMPONENT, ShapingWrapperMixin, env_terms
from .inputs import ENV_METHOD_INPUTS, batch_one, pick


class ShapedEnv(ShapingWrapperMixin, gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Adds weighted shaped rewards to a single env's reward.

    Changes: the reward becomes ``r_env + sum_i w_i(t) * r_i`` (a Python float), and each step's
    info gains ``info["reward_components"]``: ``{"env": r_env, label_i: r_i, ...}`` with
    **unweighted** floats ``r_i`` (multiply by :attr:`current_weights` to get what was added).
    Nothing else changes: spaces, observations, termination and the rest of info are untouched.

    Every step, the inputs the shapers declare are gathered once as a batch of 1 and moved to
    each shaper device once; shapers are updated every ``update_every`` steps and reset when the
    episode ends (and on :meth:`reset`).

    :param env: the env to shape.
    :param shapers: one or more shapers: instances, registry names, ``{"name": ..., "kwargs":
        {...}, "weight": ...}`` dicts, ``(name, kwargs)`` pairs or
        :class:`~reward_plugins.spec.ShaperSpec` s. Give names or dicts for ``env.spec`` to
        round-trip through ``gym.make``.
    :param weights: ``None`` (each spec's ``weight``, else 1), one weight for all shapers, a list
        (one per shaper) or a dict label -> weight; each a float, a
        :class:`~reward_plugins.schedules.Schedule` or a schedule dict, stepped by env steps.
    :param on_nonfinite: on a NaN/inf input or shaped reward, ``"raise"``
        :class:`~reward_plugins.errors.NonFiniteInputError` (before any shaper sees the input) or
        :class:`~reward_plugins.errors.NonFiniteRewardError`; or ``"warn"``: log a warning and
        give 0 for that step.
    :param update_every: call ``shaper.update`` every this many steps; 0 never.
    :param resume_env_steps: env steps already taken by the run this one resumes, so weight
        schedules and ``update_every`` continue.
    :param text_from_info: read the ``text`` input from ``info["text"]`` instead of a Text
        observation.
    :raises MissingInputError: at wrap time, when a shaper needs an input this env lacks.
    """

    def __init__(
        self,
        env: gym.Env,
        shapers: ShaperLike | Iterable[ShaperLike],
        weights: Any = None,
        *,
        on_nonfinite: str = "raise",
        update_every: int = 1,
        resume_env_steps: int = 0,
        text_from_info: bool = False,
    ) -> None:
        gym.Wrapper.__init__(self, env)
        self._init_shaping(
            shapers,
            weights,
            observation_space=env.observation_space,
            action_space=env.action_space,
            num_envs=1,
            sources={name: env.get_wrapper_attr(name) for name in ENV_METHOD_INPUTS if env.has_wrapper_attr(name)},
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

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
        obs, info = self.env.reset(seed=seed, options=options)
        if self.core.needs("obs"):
            self._obs = batch_one(obs)
        self.core.reset_episodes(np.ones(1, dtype=bool))
        return obs, info

    def step(self, action: Any) -> tuple[Any, SupportsFloat, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        done = np.array([bool(terminated or truncated)])
        core = self.core
        next_obs = batch_one(obs) if core.requires & {"obs", "next_obs"} else None
        view = {
            "obs": self._obs,
            "next_obs": next_obs,
            "action": lambda: batch_one(action),
            "reward": [reward],
            "done": done,
            "terminated": [terminated],
            **{name: (lambda source=source: batch_one(source())) for name, source in self._sources.items()},
            "frames": lambda: self._frames(obs),
            "text": lambda: self._text_of(obs, info),
        }
        try:
            shaped, components = core.step(view, done, None)
        finally:  # a refused step (non-finite input) still moves the wrapper to the env's new state
            if core.needs("obs"):
                self._obs = next_obs
        info = dict(info)
        info["reward_components"] = {ENV_COMPONENT: float(reward), **env_terms(info.get("reward_components")),
                                     **{k: float(v[0]) for k, v in components.items()}}
        return obs, float(reward) + float(shaped[0]), terminated, truncated, info

    def _frames(self, obs: Any) -> np.ndarray:
        if self._image is not None:
            return np.asarray(pick(obs, self._image))[None]
        return np.asarray(self.env.render())[None]

    def _text_of(self, obs: Any, info: dict[str, Any]) -> list[str]:
        if self._text is not None:
            return [str(pick(obs, self._text))]
        if "text" not in info:
            raise MissingInputError(
                f"{type(self).__name__}(text_from_info=True) found no info['text'] in this step's info"
            )
        return [str(info["text"])]
