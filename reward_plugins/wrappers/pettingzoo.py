"""Shaping for a PettingZoo ``ParallelEnv``: one batch per agent group (imports pettingzoo)."""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any, cast

import numpy as np
from gymnasium.vector.utils import concatenate, create_empty_array

from ..base import RewardShaper
from ..errors import MissingDependencyError, MissingInputError, ShaperConfigError
from ..spec import ShaperLike
from .core import ENV_COMPONENT, ShapingCore, env_terms
from .inputs import ENV_METHOD_INPUTS, find_entry, pick, stack_rows, unavailable_inputs

try:
    from pettingzoo.utils.env import ParallelEnv
    from pettingzoo.utils.wrappers import BaseParallelWrapper
except ImportError as e:  # pragma: no cover - depends on the environment
    raise MissingDependencyError(
        "ShapedParallelEnv needs pettingzoo: pip install pettingzoo (a core dependency of agentenvs)"
    ) from e

#: Why PettingZoo envs do not offer ``state_key``: one key per env state, not per agent.
NO_AGENT_KEYS = "PettingZoo envs have one state for all agents; count per-agent observations instead (input='obs')"


def _zero(space: Any, empty: Any) -> Any:
    """Row 0 of a batch of 1 made by ``create_empty_array``: a zero value of ``space``."""
    if isinstance(empty, dict):
        return {k: _zero(space[k], v) for k, v in empty.items()}
    return empty[0]


class _Group:
    """The agents that share one observation and action space, and their shapers."""

    def __init__(self, name: str, agents: list[Any], core: ShapingCore, obs_space: Any, act_space: Any) -> None:
        self.name, self.agents, self.core = name, agents, core
        self.obs_space, self.act_space = obs_space, act_space
        self.image = find_entry(obs_space, "image")
        self.text = find_entry(obs_space, "text")

    def stack(self, space: Any, values: Mapping[Any, Any]) -> Any:
        """Per-agent values -> one batch in group order, zeros for absent agents."""
        empty = create_empty_array(space, 1)
        items = [values[a] if a in values else _zero(space, empty) for a in self.agents]
        return concatenate(space, items, cast(Any, create_empty_array(space, len(self.agents))))


class ShapedParallelEnv(BaseParallelWrapper):
    """Adds weighted shaped rewards to each agent's reward of a PettingZoo parallel env.

    Changes: ``rewards[agent]`` becomes ``r_env + sum_i w_i(t) * r_i`` (a float) and
    ``infos[agent]`` gains ``"reward_components"``: ``{"env": r_env, label_i: r_i, ...}`` with
    **unweighted** floats. Nothing else changes.

    Agents are shaped in groups, one batch per group and one set of shapers per group, so
    agents with different observation or action spaces (a buyer and a seller) each get shapers
    built for their spaces. By default agents with equal spaces form a group (named after its
    first agent); ``groups={"buyers": [...], "sellers": [...]}`` names them explicitly (a
    partition of ``possible_agents``; each group's agents must share spaces). Row ``k`` of a
    group's batch is its ``k``-th agent; agents that did not act this step are rows with
    ``batch.valid`` false, zero-filled.

    ``reward_state`` and ``instruction`` come from ``env.unwrapped.reward_state()`` /
    ``instruction()``: a dict keyed by agent gives one row per agent; anything else is shared
    and repeated for every agent (``state_key`` is not offered). Without pixel observations,
    ``frames`` repeat the env's single ``render()`` frame for every agent.

    :param shapers: shapers for every group (specs only when there are several groups, so each
        group builds its own), or a dict group name -> shapers.
    :param weights: as for :class:`~reward_plugins.wrappers.ShapedEnv`, for every group, or a
        dict group name -> weights.
    :param groups: group name -> agents; default: agents grouped by their spaces.

    The other parameters are those of :class:`~reward_plugins.wrappers.ShapedEnv`.
    """

    def __init__(
        self,
        env: ParallelEnv,
        shapers: ShaperLike | Iterable[ShaperLike] | Mapping[str, Any],
        weights: Any = None,
        *,
        groups: Mapping[str, Iterable[Any]] | None = None,
        on_nonfinite: str = "raise",
        update_every: int = 1,
        resume_env_steps: int = 0,
        text_from_info: bool = False,
    ) -> None:
        super().__init__(env)
        self._text_from_info = text_from_info
        agents = list(env.possible_agents)
        members = self._groups(env, agents, groups)
        per_group_shapers = self._per_group(shapers, members, "shapers", spec_like=True)
        per_group_weights = self._per_group(weights, members, "weights", spec_like=False)
        methods = {name: getattr(env.unwrapped, name) for name in ENV_METHOD_INPUTS
                   if name != "state_key" and callable(getattr(env.unwrapped, name, None))}
        self._methods: dict[str, Callable[[], Any]] = methods
        self._groups_by_name: dict[str, _Group] = {}
        for name, group_agents in members.items():
            obs_space, act_space = env.observation_space(group_agents[0]), env.action_space(group_agents[0])
            unavailable = unavailable_inputs(obs_space, env_methods=self._methods.keys(),
                                             render_mode=getattr(env, "render_mode", None),
                                             text_from_info=text_from_info)
            unavailable["state_key"] = NO_AGENT_KEYS
            owner = type(self).__name__ if len(members) == 1 else f"{type(self).__name__} group {name!r}"
            core = ShapingCore(per_group_shapers[name], per_group_weights[name], observation_space=obs_space,
                               action_space=act_space, num_envs=len(group_agents), unavailable=unavailable,
                               on_nonfinite=on_nonfinite, update_every=update_every,
                               resume_env_steps=resume_env_steps, owner=owner)
            self._groups_by_name[name] = _Group(name, group_agents, core, obs_space, act_space)
        self._group_of = {a: g for g in self._groups_by_name.values() for a in g.agents}
        self._row = {a: g.agents.index(a) for g in self._groups_by_name.values() for a in g.agents}
        self._obs: dict[Any, Any] = {}

    @staticmethod
    def _groups(
        env: ParallelEnv, agents: list[Any], groups: Mapping[str, Iterable[Any]] | None
    ) -> dict[str, list[Any]]:
        """Group name -> agents: ``groups`` checked, or agents grouped by equal spaces."""
        def spaces_of(agent: Any) -> tuple[Any, Any]:
            return env.observation_space(agent), env.action_space(agent)

        if groups is None:
            out: dict[str, list[Any]] = {}
            for agent in agents:
                match = next((g for g in out.values() if spaces_of(g[0]) == spaces_of(agent)), None)
                if match is None:
                    out[str(agent)] = [agent]
                else:
                    match.append(agent)
            return out
        if not isinstance(groups, Mapping) or not groups:
            raise ShaperConfigError(f"groups must be a non-empty dict group name -> agents, got {groups!r}")
        out = {str(name): list(members) for name, members in groups.items()}
        listed = [a for members in out.values() for a in members]
        if sorted(map(str, listed)) != sorted(map(str, agents)) or len(set(listed)) != len(listed):
            raise ShaperConfigError(f"groups {out} must list every agent of possible_agents {agents} exactly once")
        for name, members in out.items():
            odd = [a for a in members if spaces_of(a) != spaces_of(members[0])]
            if odd:
                raise ShaperConfigError(
                    f"group {name!r}: agents {odd} have other observation or action spaces than {members[0]!r}; "
                    "one group's agents share one batch, so they need equal spaces")
        return out

    @staticmethod
    def _per_group(value: Any, members: Mapping[str, list[Any]], what: str, *, spec_like: bool) -> dict[str, Any]:
        """``value`` for each group: a dict keyed by every group name, or one value for all."""
        if isinstance(value, Mapping) and value and set(value) == set(members) and "name" not in value:
            return dict(value)
        if isinstance(value, Mapping) and value and set(value) & set(members) and "name" not in value:
            raise ShaperConfigError(
                f"{what} keyed by group must name every group {sorted(members)}, got {sorted(value)}")
        if spec_like and len(members) > 1:
            items = value if isinstance(value, (list, tuple)) else [value]
            if any(isinstance(item, RewardShaper) for item in items):
                raise ShaperConfigError(
                    f"agents form {len(members)} groups {sorted(members)}, each with its own shapers: give specs "
                    "(names or dicts), not shaper instances, or a dict group name -> shapers")
        return {name: value for name in members}

    @property
    def groups(self) -> dict[str, list[Any]]:
        """Group name -> its agents, in row order."""
        return {name: list(g.agents) for name, g in self._groups_by_name.items()}

    @property
    def cores(self) -> dict[str, ShapingCore]:
        """Group name -> the :class:`ShapingCore` of its shapers."""
        return {name: g.core for name, g in self._groups_by_name.items()}

    @property
    def core(self) -> ShapingCore:
        """The one group's :class:`ShapingCore` (see :attr:`cores` when agents form several groups)."""
        if len(self._groups_by_name) != 1:
            raise ShaperConfigError(f"agents form groups {sorted(self._groups_by_name)}, each with its own "
                                    "shapers; read env.cores[group]")
        return next(iter(self._groups_by_name.values())).core

    @property
    def current_weights(self) -> dict[str, float]:
        """Shaper label -> weight now (``"group/label"`` when agents form several groups)."""
        return self._merged(lambda core: core.current_weights())

    @property
    def last_update_stats(self) -> dict[str, dict[str, float]]:
        """Shaper label -> statistics its last ``update`` returned (``"group/label"`` with several groups)."""
        return self._merged(lambda core: core.last_update_stats)

    def _merged(self, read: Callable[[ShapingCore], dict[str, Any]]) -> dict[str, Any]:
        if len(self._groups_by_name) == 1:
            return read(self.core)
        return {f"{name}/{k}": v for name, g in self._groups_by_name.items() for k, v in read(g.core).items()}

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[dict, dict]:
        obs, infos = self.env.reset(seed=seed, options=options)
        self._obs = dict(obs)
        for group in self._groups_by_name.values():
            group.core.reset_episodes(np.ones(len(group.agents), dtype=bool))
        return obs, infos

    def step(self, actions: dict[Any, Any]) -> tuple[dict, dict, dict, dict, dict]:
        obs, rewards, terminations, truncations, infos = self.env.step(actions)
        shaped: dict[Any, float] = {}
        components: dict[Any, dict[str, float]] = {}
        try:
            for group in self._groups_by_name.values():
                core, members = group.core, group.agents
                valid = np.array([a in actions and a in rewards for a in members])
                reward = np.array([float(rewards.get(a, 0.0)) for a in members], dtype=np.float32)
                terminated = np.array([bool(terminations.get(a, False)) for a in members])
                done = terminated | np.array([bool(truncations.get(a, False)) for a in members])
                next_obs = group.stack(group.obs_space, obs) if core.requires & {"next_obs", "frames", "text"} else None
                view = {
                    "obs": lambda group=group: group.stack(group.obs_space, self._obs),
                    "next_obs": next_obs,
                    "action": lambda group=group: group.stack(group.act_space, actions),
                    "reward": reward,
                    "done": done,
                    "terminated": terminated,
                    **{name: functools.partial(self._per_agent, name, group.agents) for name in self._methods},
                    "frames": lambda group=group, next_obs=next_obs: self._frames(group, next_obs),
                    "text": lambda group=group, next_obs=next_obs: self._text_of(group, next_obs, infos),
                }
                total, parts = core.step(view, done, None if valid.all() else valid)
                for k, agent in enumerate(members):
                    shaped[agent] = float(total[k])
                    components[agent] = {ENV_COMPONENT: float(reward[k]), **{n: float(v[k]) for n, v in parts.items()}}
        finally:  # a refused step (non-finite input) still moves the wrapper to the env's new state
            self._obs.update(obs)
        rewards = dict(rewards)
        infos = {a: dict(info) for a, info in infos.items()}
        for agent in rewards:
            rewards[agent] = float(rewards[agent]) + shaped[agent]
            info = infos.setdefault(agent, {})
            info["reward_components"] = {ENV_COMPONENT: components[agent][ENV_COMPONENT],
                                         **env_terms(info.get("reward_components")), **components[agent]}
        return obs, rewards, terminations, truncations, infos

    def _per_agent(self, name: str, members: list[Any]) -> Any:
        """The env method ``name`` for ``members``.

        A dict keyed by agent gives one row per member; anything else is shared and repeated.
        """
        value = self._methods[name]()
        if isinstance(value, Mapping) and value and set(value) <= set(self._group_of):
            return stack_rows([value[a] for a in members])
        n = len(members)
        if isinstance(value, str):
            return [value] * n
        return {k: np.broadcast_to(np.asarray(v), (n, *np.shape(v))) for k, v in value.items()}

    def _frames(self, group: _Group, next_obs: Any) -> np.ndarray:
        if group.image is not None:
            return np.asarray(pick(next_obs, group.image))
        frame = np.asarray(self.env.render())
        return np.broadcast_to(frame, (len(group.agents), *frame.shape))

    def _text_of(self, group: _Group, next_obs: Any, infos: dict[Any, Any]) -> list[str]:
        if group.text is not None and not self._text_from_info:
            return [str(t) for t in pick(next_obs, group.text)]
        missing = [a for a in group.agents if a in infos and "text" not in infos[a]]
        if missing:
            raise MissingInputError(f"{type(self).__name__}(text_from_info=True) found no 'text' in infos of {missing}")
        return [str(infos.get(a, {}).get("text", "")) for a in group.agents]
