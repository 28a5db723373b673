"""Grouped vector envs for GRPO-style trainers: groups of identical episodes, run in parallel.

A GRPO step samples ``group_size`` completions per task and compares their returns within the
group. :class:`GroupedVectorEnv` runs ``num_groups * group_size`` envs, gives every env of group
``g`` the same task row, keeps finished envs finished (``active_mask``), survives envs that
crash or hang, and summarises each group with :meth:`GroupedVectorEnv.episode_stats`.
"""
from __future__ import annotations

import functools
import math
import time
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space, concatenate, create_empty_array

from ..errors import ConfigError, EnvWorkerError
from .backends import BACKENDS, DEFAULT_MAKER, Outcome, Worker, start_worker

#: A task: a mapping with at least an int ``"seed"`` (agentenvs task rows also carry ``env_id``,
#: ``split``, ``task_id`` and ``config``).
Task = Mapping[str, Any]


@dataclass
class _Episode:
    """The running tally of one env's current episode."""

    ret: float = 0.0
    steps: int = 0
    success: bool = False


def _success(info: Mapping[str, Any]) -> bool:
    """Whether an episode's last info reports success (``success``, else the core's ``is_success``)."""
    return bool(info.get("success", info.get("is_success", False)))


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k (Chen et al., 2021); NaN when ``n < k``.

    The chance that ``k`` of ``n`` episodes, ``c`` of them successes, drawn without replacement
    include a success.
    """
    if n < k:
        return math.nan
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def group_relative_advantages(returns: Any, eps: float = 1e-6) -> np.ndarray:
    """GRPO advantages: each return minus its group's mean, over the group's standard deviation.

    Args:
        returns: ``[num_groups, group_size]`` episode returns.
        eps: added to the standard deviation, so a group whose returns are all equal gets 0.
    """
    returns = np.asarray(returns, dtype=np.float64)
    if returns.ndim != 2:
        raise ConfigError(f"returns must be [num_groups, group_size], got shape {returns.shape}")
    mean = returns.mean(axis=1, keepdims=True)
    return (returns - mean) / (returns.std(axis=1, keepdims=True) + eps)


def _check_tasks(tasks: Any, num_groups: int) -> list[dict[str, Any]]:
    if isinstance(tasks, Mapping) or not isinstance(tasks, Sequence) or len(tasks) != num_groups:
        raise ConfigError(f"reset needs a sequence of {num_groups} task mappings (one per group), got {tasks!r:.200}")
    rows = []
    for g, task in enumerate(tasks):
        seed = task.get("seed") if isinstance(task, Mapping) else None
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise ConfigError(f"task {g} must be a mapping with an int 'seed', got {task!r:.200}")
        rows.append(dict(task))
    return rows


def _tasks_from(tasks: Any, seed: Any, options: Mapping[str, Any] | None, num_groups: int) -> list[dict[str, Any]]:
    """The task rows of a reset: ``tasks``, else ``options["tasks"]`` (through wrappers), else seeds."""
    if tasks is None and options is not None:
        tasks = options.get("tasks")
    if tasks is None and seed is not None:
        seeds = [seed + g for g in range(num_groups)] if isinstance(seed, (int, np.integer)) else seed
        tasks = [{"seed": s} for s in seeds]
    if tasks is None:
        raise ConfigError("reset needs tasks: reset(tasks), reset(options={'tasks': tasks}) through wrappers, "
                          "or reset(seed=s) for tasks {'seed': s + g}")
    return _check_tasks(tasks, num_groups)


class GroupedVectorEnv(VectorEnv):
    """``num_groups`` groups of ``group_size`` copies of a registered env, for group-relative RL.

    Env ``i`` belongs to group ``i // group_size``. ``reset(tasks)`` takes one task row per group
    and resets every env of group ``g`` with ``reset(seed=tasks[g]["seed"], options=dict(tasks[g]))``
    (a task that is only ``{"seed": s}`` resets with ``seed=s`` and no options, which every env
    takes), so a group's envs start from the same episode (sampling the policy makes them differ).

    Steps: ``actions`` holds one action per env (an inactive env's is ignored). An env that has
    finished stays finished: its row repeats its last observation and final ``terminated`` /
    ``truncated`` flags with reward 0, and ``infos["active_mask"]`` is False on it (True on the
    rows that took this step, the transitions). :attr:`active_mask` says which envs still run.
    Reporting finished rows as done again is Gymnasium's ``NEXT_STEP`` autoreset contract without
    the reset, so reward-shaping wrappers never score those rows. With ``autoreset=True``, the
    step after an env finishes resets it to its group's task instead (``NEXT_STEP``), and every
    finished episode counts in :meth:`episode_stats`.

    Failures: an env whose step raises, whose worker dies, or that does not answer within
    ``step_timeout`` seconds comes back with ``truncated=True``, reward 0 and
    ``infos["env_error"]`` saying why; its worker is stopped and the other envs go on. The next
    ``reset`` starts a new worker in its place. (The ``"sync"`` backend runs envs in this process
    and cannot interrupt one that hangs; use ``"process"`` or ``"ray"`` for envs that may.)

    Infos: the envs' own info keys batched as Gymnasium does (``infos[key]`` with mask
    ``infos["_" + key]``), plus ``group_id`` (``[num_envs]`` int), ``active_mask`` and
    ``env_error`` (object array, masked by ``_env_error``).

    Shaper inputs: when the env has ``reward_state``, ``state_key``, ``instruction`` or ``caption``, the
    grouped env has the batched method too, so ``reward_plugins``' ``ShapedVectorEnv`` wraps it
    unchanged: ``infos["reward_components"]["env"]`` then holds the raw per-turn reward and each
    shaper's unweighted per-turn reward sits beside it. The reward state follows the native
    vector-env contract (:mod:`agentenvs.core.reward_state`): ``single_reward_state_space`` is
    the env's own, ``reward_state_space`` its batch, ``reward_state_doc`` the env's, and
    ``reward_state()`` returns the batched dict (text fields as a tuple of ``num_envs`` strings;
    ``instruction()`` and ``caption()`` likewise). A finished env's row is its final state
    (as its observation row is); an env whose worker stopped repeats the last value it answered
    (another row's before it ever answered), and it is done on the step its worker stopped, so
    the wrapper never scores it after that.

    Args:
        env_id: A registered Gymnasium id (agentenvs ids register in every worker).
        num_groups: Number of distinct tasks per reset.
        group_size: Copies of each task.
        backend: ``"sync"``, ``"thread"``, ``"process"`` or ``"ray"`` (see
            :mod:`agentenvs.agents.backends`).
        step_timeout: Seconds one step of all envs may take before the late envs are stopped.
        reset_timeout: Seconds a reset (and starting a worker) may take.
        autoreset: Reset finished envs to their group's task on the next step.
        context: ``multiprocessing`` start method of the ``"process"`` backend (platform default if None).
        ray_options: Options for each env's Ray actor (default ``{"num_cpus": 0}``); Ray is started
            locally when no cluster is connected.
        maker: ``"module:callable"`` that each worker calls as ``maker(env_id, **env_kwargs)`` to
            build its env: ``gym.make`` by default, or e.g. a factory of text-agent wrappers.
        **env_kwargs: Passed to ``maker`` in every worker.
    """

    def __init__(
        self,
        env_id: str,
        num_groups: int,
        group_size: int,
        backend: str = "sync",
        *,
        step_timeout: float = 60.0,
        reset_timeout: float = 120.0,
        autoreset: bool = False,
        context: str | None = None,
        ray_options: Mapping[str, Any] | None = None,
        maker: str = DEFAULT_MAKER,
        **env_kwargs: Any,
    ) -> None:
        for name, value in (("num_groups", num_groups), ("group_size", group_size)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name} must be an int >= 1, got {value!r}")
        if backend not in BACKENDS:
            raise ConfigError(f"backend must be one of {BACKENDS}, got {backend!r}")
        for name, seconds in (("step_timeout", step_timeout), ("reset_timeout", reset_timeout)):
            if not isinstance(seconds, (int, float)) or not seconds > 0:
                raise ConfigError(f"{name} must be a number of seconds > 0, got {seconds!r}")
        self.env_id, self.backend = env_id, backend
        self.num_groups, self.group_size = num_groups, group_size
        self.num_envs = num_groups * group_size
        self.step_timeout, self.reset_timeout = float(step_timeout), float(reset_timeout)
        self.autoreset = bool(autoreset)
        self._start = functools.partial(start_worker, backend, (env_id, dict(env_kwargs), maker), context=context,
                                        ray_options=ray_options)
        self.metadata: dict[str, Any] = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": []}
        self.render_mode = None
        self.group_id = np.repeat(np.arange(num_groups), group_size)
        self._workers: list[Worker | None] = [None] * self.num_envs
        self._finalizer = weakref.finalize(self, _kill_all, self._workers)
        try:
            described = self._spawn(range(self.num_envs))
        except BaseException:
            self._finalizer()  # stop the workers that did start
            raise
        self.single_observation_space = described["observation_space"]
        self.single_action_space = described["action_space"]
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        for name in described["methods"]:  # the shaper inputs this env offers, as batched methods
            setattr(self, name, functools.partial(self._call_all, name))
        if described["reward_state_space"] is not None:
            self.single_reward_state_space = described["reward_state_space"]
            self.reward_state_space = batch_space(self.single_reward_state_space, self.num_envs)
        if described["reward_state_doc"] is not None:
            self.reward_state_doc: str = described["reward_state_doc"]
        self._answers: dict[str, list[Any]] = {name: [None] * self.num_envs for name in described["methods"]}
        self._tasks: list[dict[str, Any]] = []
        self._obs: list[Any] = [None] * self.num_envs
        self._flags = np.zeros((2, self.num_envs), dtype=bool)  # final terminated / truncated of finished envs
        self._running = np.zeros(self.num_envs, dtype=bool)
        self._episodes = [_Episode() for _ in range(self.num_envs)]
        self._finished: list[list[_Episode]] = [[] for _ in range(num_groups)]
        self._errors = np.zeros(num_groups, dtype=np.int64)

    # -- workers ---------------------------------------------------------------------------
    def _spawn(self, rows: Any) -> dict[str, Any]:
        """Start workers for ``rows`` and describe the env; a worker that fails to start is an error."""
        rows = list(rows)
        for i in rows:
            self._workers[i] = self._start()
        outcomes = self._collect(rows, self.reset_timeout)  # each worker's first answer: the env was built
        failed = {i: why for i, (ok, why) in zip(rows, outcomes) if not ok}
        if failed:
            raise EnvWorkerError(f"{len(failed)} of {len(rows)} {self.backend} workers of {self.env_id!r} failed to "
                                 f"start, e.g. env {next(iter(failed))}: {next(iter(failed.values()))}")
        return self._round(rows[:1], [("describe", ())], self.reset_timeout)[0][1]

    def _round(self, rows: list[int], calls: list[tuple[str, tuple[Any, ...]]], timeout: float) -> list[Outcome]:
        """Start ``calls[j]`` (method, args) on the worker of ``rows[j]``, then collect them within ``timeout``.

        One call in ``calls`` goes to every row.
        """
        for i, (method, args) in zip(rows, calls * len(rows) if len(calls) == 1 else calls):
            self._worker(i).submit(method, *args)
        return self._collect(rows, timeout)

    def _collect(self, rows: list[int], timeout: float) -> list[Outcome]:
        """The submitted calls' outcomes, all within one deadline; workers that failed are stopped."""
        deadline = time.monotonic() + timeout
        outcomes = []
        for i in rows:
            outcome = self._worker(i).result(max(0.0, deadline - time.monotonic()))
            if not outcome[0]:
                self._stop(i)
            outcomes.append(outcome)
        return outcomes

    def _worker(self, i: int) -> Worker:
        worker = self._workers[i]
        if worker is None:
            raise EnvWorkerError(f"env {i}'s worker has stopped; call reset() to start a new one")
        return worker

    def _stop(self, i: int) -> None:
        worker, self._workers[i] = self._workers[i], None
        if worker is not None:
            worker.kill()

    def worker_pids(self) -> list[int | None]:
        """The process id running each env (``None`` for a stopped worker); for monitoring and tests."""
        live = [i for i in range(self.num_envs) if self._workers[i] is not None]
        outcomes = dict(zip(live, self._round(live, [("describe", ())], self.step_timeout)))
        return [outcomes[i][1]["pid"] if i in outcomes and outcomes[i][0] else None for i in range(self.num_envs)]

    # -- episodes --------------------------------------------------------------------------
    def reset(
        self, tasks: Sequence[Task] | None = None, *, seed: Any = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Reset every env: group ``g`` to ``tasks[g]``.

        Args:
            tasks: One task mapping (with an int ``"seed"``) per group.
            seed: Without ``tasks``: an int ``s`` gives group ``g`` the task ``{"seed": s + g}``; a
                list gives one seed per group.
            options: ``{"tasks": tasks}`` is how wrappers (which pass only ``seed`` and
                ``options``) hand tasks through.

        Raises:
            ConfigError: tasks missing or malformed.
            EnvWorkerError: an env failed to reset (its worker is replaced at the next reset).
        """
        self._tasks = _tasks_from(tasks, seed, options, self.num_groups)
        dead = [i for i in range(self.num_envs) if self._workers[i] is None]
        if dead:
            self._spawn(dead)
        rows = list(range(self.num_envs))
        outcomes = self._round(rows, [("reset", self._reset_args(i)) for i in rows], self.reset_timeout)
        failed = {i: why for i, (ok, why) in zip(rows, outcomes) if not ok}
        if failed:
            self._running[:] = False
            raise EnvWorkerError(f"{len(failed)} envs failed to reset, e.g. env {next(iter(failed))} "
                                 f"(task {self._tasks[self.group_id[next(iter(failed))]]!r:.200}): "
                                 f"{next(iter(failed.values()))}")
        infos: dict[str, Any] = {}
        for i, (_, (obs, info)) in enumerate(outcomes):
            self._obs[i] = obs
            infos = self._add_info(infos, info, i)
        self._running[:] = True
        self._flags[:] = False
        self._episodes = [_Episode() for _ in range(self.num_envs)]
        self._finished = [[] for _ in range(self.num_groups)]
        self._errors[:] = 0
        infos.update(group_id=self.group_id.copy(), active_mask=np.ones(self.num_envs, dtype=bool))
        return self._batch_obs(), infos

    def _reset_args(self, i: int) -> tuple[int, dict[str, Any] | None]:
        task = self._tasks[self.group_id[i]]
        return int(task["seed"]), (dict(task) if set(task) - {"seed"} else None)

    def step(self, actions: Any) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Step every running env (and, with ``autoreset``, reset those that finished last step)."""
        if not self._tasks:
            raise EnvWorkerError("call reset(tasks) before step()")
        actions = list(actions)
        if len(actions) != self.num_envs:
            raise ConfigError(f"step needs {self.num_envs} actions (one per env, ignored for finished ones), "
                              f"got {len(actions)}")
        done_before = self._flags.any(axis=0)
        restart = done_before & self._running if self.autoreset else np.zeros(self.num_envs, dtype=bool)
        stepping = self._running & ~done_before
        rows = np.flatnonzero(stepping | restart).tolist()
        args = [self._reset_args(i) if restart[i] else (actions[i],) for i in rows]
        calls = [("reset" if restart[i] else "step") for i in rows]
        timeout = self.reset_timeout if restart.any() else self.step_timeout
        outcomes = self._round(rows, list(zip(calls, args)), timeout)
        rewards = np.zeros(self.num_envs, dtype=np.float64)
        infos: dict[str, Any] = {}
        errors = np.full(self.num_envs, None, dtype=object)
        for i, (ok, value) in zip(rows, outcomes):
            if not ok:
                errors[i] = str(value)
                self._end(i, terminated=False, truncated=True, info={}, error=True)
                continue
            if restart[i]:
                self._obs[i], info = value
                self._flags[:, i] = False
                self._episodes[i] = _Episode()
            else:
                self._obs[i], reward, terminated, truncated, info = value
                rewards[i] = reward
                episode = self._episodes[i]
                episode.ret += reward
                episode.steps += 1
                if terminated or truncated:
                    self._end(i, terminated, truncated, info, error=False)
            infos = self._add_info(infos, info, i)
        active = np.zeros(self.num_envs, dtype=bool)
        active[rows] = True
        active &= ~restart
        failed = errors != None  # noqa: E711 (elementwise over an object array)
        if failed.any():
            infos.update(env_error=errors, _env_error=failed)
        infos.update(group_id=self.group_id.copy(), active_mask=active)
        return self._batch_obs(), rewards, self._flags[0].copy(), self._flags[1].copy(), infos

    def _end(self, i: int, terminated: bool, truncated: bool, info: Mapping[str, Any], error: bool) -> None:
        episode = self._episodes[i]
        episode.success = not error and _success(info)
        self._flags[:, i] = (terminated, truncated)
        self._finished[self.group_id[i]].append(episode)
        if error:
            self._errors[self.group_id[i]] += 1
            self._running[i] = False
        elif not self.autoreset:
            self._running[i] = False

    @property
    def active_mask(self) -> np.ndarray:
        """``[num_envs]`` bool: the envs that take the next step (not finished, worker alive)."""
        return self._running & (self.autoreset | ~self._flags.any(axis=0))

    def _batch_obs(self) -> Any:
        empty: Any = create_empty_array(self.single_observation_space, self.num_envs)
        return concatenate(self.single_observation_space, self._obs, empty)

    def _call_all(self, name: str) -> Any:
        """Batched ``name()`` over the envs; a stopped env's row repeats its last answer (else another row's)."""
        live = [i for i in range(self.num_envs) if self._workers[i] is not None]
        outcomes = dict(zip(live, self._round(live, [("call", (name,))], self.step_timeout)))
        fresh = {i: value for i, (ok, value) in outcomes.items() if ok}
        if not fresh:
            raise EnvWorkerError(f"no env answered {name}(): every worker has stopped; call reset()")
        answers = self._answers[name]
        for i, value in fresh.items():
            answers[i] = value
        fill = next(iter(fresh.values()))
        return _batch_values([fill if value is None else value for value in answers])

    def episode_stats(self, k: int | None = None) -> dict[str, np.ndarray]:
        """Per-group statistics of the episodes finished since the last reset.

        Args:
            k: The k of pass@k (default ``group_size``).

        Returns:
            ``[num_groups]`` arrays: ``group_id``, ``episodes`` (finished), ``errors`` (ended by an
            env error, counted as failures), ``success_rate``, ``mean_return`` (raw env reward; NaN
            for a group with no finished episode) and ``pass@k`` (unbiased; NaN below k episodes).
        """
        k = self.group_size if k is None else k
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ConfigError(f"k must be an int >= 1, got {k!r}")
        n = np.array([len(eps) for eps in self._finished], dtype=np.int64)
        successes = [sum(e.success for e in eps) for eps in self._finished]
        with np.errstate(invalid="ignore"):
            return {
                "group_id": np.arange(self.num_groups),
                "episodes": n,
                "errors": self._errors.copy(),
                "success_rate": np.array(successes, dtype=np.float64) / n,
                "mean_return": np.array([np.mean([e.ret for e in eps]) if eps else math.nan for eps in self._finished]),
                f"pass@{k}": np.array([pass_at_k(int(m), c, k) for m, c in zip(n, successes)]),
            }

    def close_extras(self, **kwargs: Any) -> None:
        """Stop every worker: close its env, end its process or actor."""
        live = [i for i in range(self.num_envs) if self._workers[i] is not None]
        self._round(live, [("close", ())], min(self.step_timeout, 10.0))
        self._finalizer()


def _batch_values(rows: list[Any]) -> Any:
    """One value per env -> the batch: dicts key by key, strings as a tuple, arrays and numbers stacked."""
    first = rows[0]
    if isinstance(first, Mapping):
        return {key: _batch_values([row[key] for row in rows]) for key in first}
    if isinstance(first, str):
        return tuple(rows)
    return np.stack([np.asarray(row) for row in rows])


def _kill_all(workers: list[Worker | None]) -> None:
    """Stop every worker still listed (at close, or when the env is garbage-collected unclosed)."""
    for i, worker in enumerate(workers):
        if worker is not None:
            workers[i] = None
            worker.kill()
