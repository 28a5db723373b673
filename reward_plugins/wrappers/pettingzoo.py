"""Shaping for a PettingZoo ``ParallelEnv``: the agents form the batch (imports pettingzoo)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from gymnasium.vector.utils import concatenate, create_empty_array

from ..base import TransitionBatch
from ..errors import MissingDependencyError, MissingInputError, ShaperConfigError
from .core import ENV_COMPONENT, ShaperSpec, ShapingWrapperMixin, to_tensor
from .inputs import pick, stack_rows

try:
    from pettingzoo.utils.env import ParallelEnv
    from pettingzoo.utils.wrappers import BaseParallelWrapper
except ImportError as e:  # pragma: no cover - depends on the environment
    raise MissingDependencyError(
        "ShapedParallelEnv needs pettingzoo: pip install pettingzoo (a core dependency of agentenvs)"
    ) from e


class ShapedParallelEnv(ShapingWrapperMixin, BaseParallelWrapper):
    """Adds weighted shaped rewards to each agent's reward of a PettingZoo parallel env.

    Changes: ``rewards[agent]`` becomes ``r_env + sum_i w_i(t) * r_i`` (a float) and
    ``infos[agent]`` gains ``"reward_components"``: ``{"env": r_env, label_i: r_i, ...}`` with
    **unweighted** floats. Nothing else changes.

    Row ``k`` of every batch is ``possible_agents[k]`` (so per-agent shaper state has a fixed
    row); agents that did not act this step are rows with ``batch.valid`` false, zero-filled.
    All agents must share one observation space and one action space. ``reward_state`` is
    ``env.unwrapped.reward_state()``: a dict keyed by agent gives one row per agent; any other
    dict of arrays is shared state, repeated for every agent (``state_key`` is not offered).
    Without pixel observations,
    ``frames`` repeat the env's single ``render()`` frame for every agent. Parameters are those
    of :class:`~reward_plugins.wrappers.ShapedEnv`.
    """

    def __init__(
        self,
        env: ParallelEnv,
        shapers: ShaperSpec | Iterable[ShaperSpec],
        weights: Any = None,
        *,
        on_nonfinite: str = "raise",
        update_every: int = 1,
        text_from_info: bool = False,
    ) -> None:
        super().__init__(env)
        self._agents = list(env.possible_agents)
        self._row = {agent: k for k, agent in enumerate(self._agents)}
        obs_space = env.observation_space(self._agents[0])
        act_space = env.action_space(self._agents[0])
        for agent in self._agents[1:]:
            if env.observation_space(agent) != obs_space or env.action_space(agent) != act_space:
                raise ShaperConfigError(
                    f"ShapedParallelEnv batches agents, so all need the same spaces; {agent!r} differs "
                    f"from {self._agents[0]!r}. Shape each agent group with its own env, or pad the spaces."
                )
        self._obs_space, self._act_space = obs_space, act_space
        base_reward_state = getattr(env.unwrapped, "reward_state", None)
        self._reward_state = base_reward_state if callable(base_reward_state) else None
        self._init_shaping(
            shapers,
            weights,
            observation_space=obs_space,
            action_space=act_space,
            num_envs=len(self._agents),
            sources={"reward_state": self._reward_states} if self._reward_state is not None else {},
            render_mode=getattr(env, "render_mode", None),
            on_nonfinite=on_nonfinite,
            update_every=update_every,
            text_from_info=text_from_info,
        )
        self._obs: dict[Any, Any] = {}

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[dict, dict]:
        obs, infos = self.env.reset(seed=seed, options=options)
        self._obs = dict(obs)
        self.core.reset_episodes(np.ones(len(self._agents), dtype=bool))
        return obs, infos

    def _stack(self, space: Any, values: dict[Any, Any]) -> Any:
        """Per-agent values -> one batch in ``possible_agents`` order, zeros for absent agents."""
        empty = create_empty_array(space, 1)
        items = [values[a] if a in values else concatenate_one(space, empty) for a in self._agents]
        return concatenate(space, items, create_empty_array(space, len(self._agents)))

    def step(self, actions: dict[Any, Any]) -> tuple[dict, dict, dict, dict, dict]:
        obs, rewards, terminations, truncations, infos = self.env.step(actions)
        core = self.core
        valid = np.array([a in actions and a in rewards for a in self._agents])
        reward = np.array([float(rewards.get(a, 0.0)) for a in self._agents], dtype=np.float32)
        terminated = np.array([bool(terminations.get(a, False)) for a in self._agents])
        done = terminated | np.array([bool(truncations.get(a, False)) for a in self._agents])
        next_obs = self._stack(self._obs_space, obs) if core.requires & {"next_obs", "frames", "text"} else None
        batch = TransitionBatch(
            obs=to_tensor(self._stack(self._obs_space, self._obs)) if core.needs("obs") else None,
            next_obs=to_tensor(next_obs) if core.needs("next_obs") else None,
            action=to_tensor(self._stack(self._act_space, actions)) if core.needs("action") else None,
            reward=to_tensor(reward) if core.needs("reward") else None,
            done=to_tensor(done) if core.needs("done") else None,
            terminated=to_tensor(terminated) if core.needs("terminated") else None,
            reward_state=to_tensor(self._sources["reward_state"]()) if core.needs("reward_state") else None,
            frames=to_tensor(self._frames(next_obs)) if core.needs("frames") else None,
            text=self._text_of(next_obs, infos) if core.needs("text") else None,
        )
        shaped, components = core.score(batch, done, None if valid.all() else valid)
        self._obs.update(obs)
        components = {ENV_COMPONENT: reward, **components}
        rewards = dict(rewards)
        infos = {a: dict(info) for a, info in infos.items()}
        for agent in rewards:
            k = self._row[agent]
            rewards[agent] = float(rewards[agent]) + float(shaped[k])
            infos.setdefault(agent, {})["reward_components"] = {name: float(v[k]) for name, v in components.items()}
        return obs, rewards, terminations, truncations, infos

    def _reward_states(self) -> dict[str, np.ndarray]:
        state = self._reward_state()
        if set(state) <= set(self._agents) and state:
            return stack_rows([state[a] for a in self._agents])
        n = len(self._agents)
        return {k: np.broadcast_to(np.asarray(v), (n, *np.shape(v))) for k, v in state.items()}

    def _frames(self, next_obs: Any) -> np.ndarray:
        if self._image is not None:
            return np.asarray(pick(next_obs, self._image))
        frame = np.asarray(self.env.render())
        return np.broadcast_to(frame, (len(self._agents), *frame.shape))

    def _text_of(self, next_obs: Any, infos: dict[Any, Any]) -> list[str]:
        if self._text is not None:
            return [str(t) for t in pick(next_obs, self._text)]
        missing = [a for a in self._agents if a in infos and "text" not in infos[a]]
        if missing:
            raise MissingInputError(f"{type(self).__name__}(text_from_info=True) found no 'text' in infos of {missing}")
        return [str(infos.get(a, {}).get("text", "")) for a in self._agents]


def concatenate_one(space: Any, empty: Any) -> Any:
    """Row 0 of a batch of 1 made by ``create_empty_array``: a zero value of ``space``."""
    if isinstance(empty, dict):
        return {k: concatenate_one(space[k], v) for k, v in empty.items()}
    return empty[0]
