"""What every shaping wrapper shares.

Building shapers from specs, checking their inputs at wrap time, gathering one batch from the
input table, scoring it, resetting and updating shapers, and weighting the components.

The env-specific wrappers only gather a :class:`~reward_plugins.base.TransitionBatch` of CPU
tensors and hand it to :meth:`ShapingCore.score`.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any, cast

import gymnasium as gym
import numpy as np
import torch

from ..base import RewardShaper, TransitionBatch
from ..errors import (
    MissingInputError,
    NonFiniteInputError,
    NonFiniteRewardError,
    ShaperConfigError,
    ShaperOutputError,
)
from ..schedules import Constant, Schedule, make_schedule, schedule_spec
from ..spec import ShaperLike, ShaperSpec, build_shapers
from .inputs import INPUT_TABLE, find_entry, unavailable_inputs

logger = logging.getLogger("reward_plugins")

#: Which envs provide each input that not every env has; quoted by :class:`MissingInputError`.
PROVIDERS: dict[str, str] = {
    "reward_state": "envs exposing env.unwrapped.reward_state() (vector envs: a batched "
    "reward_state() or sub-envs that have one), e.g. all agentenvs envs",
    "frames": "envs with image observations (a uint8 Box of shape (H, W, 3), or such an entry in "
    "a Dict observation) or made with render_mode='rgb_array'",
    "text": "envs with Text observations (or a Text entry in a Dict observation), or envs that put "
    "a string in info['text'] (wrap them with text_from_info=True)",
    "state_key": "envs exposing env.unwrapped.state_key(), an exact int64 key of the current state "
    "(vector envs: a batched state_key() or sub-envs that have one), e.g. the agentenvs Sokoban envs; "
    "count bonuses can hash observations instead (input='obs')",
    "instruction": "envs exposing env.unwrapped.instruction(), each env's goal as a string (vector envs: "
    "a batched instruction() returning one string per env, or sub-envs that have one)",
    "caption": "envs exposing env.unwrapped.caption(), each env's state described in words (vector envs: "
    "a batched caption() returning one string per env, or sub-envs that have one); text envs can give "
    "input='text' instead",
}

#: Why ``state_key`` is withheld where envs reset within the step, before the wrapper reads keys.
STALE_STATE_KEY = (
    "{where}, so state_key() read after the step would name the next episode's first state instead "
    "of the state the episode ended in; {fix}, or count observations (input='obs')"
)

#: Name of the env's own reward in ``info["reward_components"]``.
ENV_COMPONENT = "env"


def env_terms(previous: Any) -> dict[str, Any]:
    """The env's own reward terms, from the ``info["reward_components"]`` it gave, as ``"env/<term>"``.

    An env may report the terms of its own reward (TextShop's WebShop score terms); a shaping
    wrapper keeps them beside its own components instead of overwriting them.
    """
    if not isinstance(previous, Mapping):
        return {}
    return {f"{ENV_COMPONENT}/{k}": v for k, v in previous.items() if k != ENV_COMPONENT}

ON_NONFINITE = ("raise", "warn")

#: One step as a wrapper sees it: input name -> its batched value, or a function returning it
#: (called only when a shaper needs that input). Keys are the names of :data:`INPUT_TABLE`.
StepView = Mapping[str, Any]


def _label(shaper: RewardShaper, taken: set[str]) -> str:
    base = shaper.name or type(shaper).__name__
    label, n = base, 1
    while label in taken or label == ENV_COMPONENT:
        label, n = f"{base}_{n}", n + 1
    taken.add(label)
    return label


def _weights(weights: Any, labels: list[str], names: list[str], specs: list[ShaperSpec | None]) -> list[Schedule]:
    """One schedule per shaper: from ``weights`` when given, else each spec's own weight."""
    if weights is None:
        return [make_schedule(1.0 if spec is None else spec.weight) for spec in specs]
    weighted = [lab for lab, spec in zip(labels, specs) if spec is not None and spec.weight != 1.0]
    if weighted:
        raise ShaperConfigError(f"shapers {weighted} have a 'weight' in their spec and weights= was given too; "
                                "give each weight once")
    if isinstance(weights, (int, float, Schedule)) and not isinstance(weights, bool):
        return [make_schedule(weights) for _ in labels]
    if isinstance(weights, Mapping) and "schedule" not in weights:
        unknown = set(weights) - set(labels) - set(names)
        if unknown:
            raise ShaperConfigError(f"weights given for unknown shapers {sorted(unknown)}; shapers are {labels}")
        return [make_schedule(weights.get(lab, weights.get(nm, 1.0))) for lab, nm in zip(labels, names)]
    if isinstance(weights, Mapping):
        return [make_schedule(weights) for _ in labels]
    weights = list(weights)
    if len(weights) != len(labels):
        raise ShaperConfigError(f"got {len(weights)} weights for {len(labels)} shapers {labels}")
    return [make_schedule(w) for w in weights]


def _nonfinite_rows(value: Any) -> np.ndarray | None:
    """``[B]`` bool: rows of a float tensor (or dict of tensors) holding NaN/inf; ``None`` if none do."""
    tensors = value.values() if isinstance(value, Mapping) else [value]
    bad = None
    for t in tensors:
        if isinstance(t, torch.Tensor) and t.is_floating_point() and t.numel():
            finite = torch.isfinite(t)
            if not bool(finite.all()):
                rows = ~finite.reshape(t.shape[0], -1).all(dim=1).numpy()
                bad = rows if bad is None else bad | rows
    return bad


def _zero_nonfinite(value: Any) -> Any:
    """A copy of ``value`` with NaN/inf replaced by 0 (the env's own arrays are left alone)."""
    if isinstance(value, Mapping):
        return {k: _zero_nonfinite(v) for k, v in value.items()}
    if isinstance(value, torch.Tensor) and value.is_floating_point():
        return torch.nan_to_num(value, nan=0.0, posinf=0.0, neginf=0.0)
    return value


class ShapingCore:
    """Shapers, their weights and their step counters, for one wrapper.

    :param shapers: one shaper or a list (see :func:`~reward_plugins.spec.parse_shaper_specs`).
    :param weights: ``None`` (each spec's own ``weight``, 1 for instances), one weight for all, a
        list (one per shaper), or a dict from label or registry name to weight; each a float,
        :class:`Schedule` or schedule dict.
    :param observation_space, action_space: single-env (or single-agent) spaces for ``setup``.
    :param num_envs: batch size of every step.
    :param unavailable: input name -> why this env cannot provide it.
    :param on_nonfinite: what to do with NaN/inf, in inputs (checked before any shaper runs) and
        in shaped rewards: ``"raise"`` a :class:`NonFiniteInputError` /
        :class:`NonFiniteRewardError`, or ``"warn"`` (once per input or shaper) and give 0 there:
        rows with a non-finite input are invalid for that step, so no shaper scores or learns them.
    :param update_every: call ``shaper.update`` every this many wrapper steps (0 disables).
    :param resume_env_steps: env steps already taken (by the run this one resumes), so weight
        schedules and ``update_every`` continue where they were.
    :param owner: wrapper class name, for messages.
    """

    def __init__(
        self,
        shapers: ShaperLike | Iterable[ShaperLike],
        weights: Any,
        *,
        observation_space: gym.Space,
        action_space: gym.Space,
        num_envs: int,
        unavailable: Mapping[str, str],
        on_nonfinite: str = "raise",
        update_every: int = 1,
        resume_env_steps: int = 0,
        owner: str = "wrapper",
    ) -> None:
        if on_nonfinite not in ON_NONFINITE:
            raise ShaperConfigError(f"on_nonfinite must be one of {ON_NONFINITE}, got {on_nonfinite!r}")
        if isinstance(update_every, bool) or not isinstance(update_every, int) or update_every < 0:
            raise ShaperConfigError(f"update_every must be an int >= 0 (0: never update), got {update_every!r}")
        if isinstance(resume_env_steps, bool) or not isinstance(resume_env_steps, int) or resume_env_steps < 0:
            raise ShaperConfigError(f"resume_env_steps must be an int >= 0, got {resume_env_steps!r}")
        built = build_shapers(shapers)
        if not built:
            raise ShaperConfigError(f"{owner} needs at least one shaper")
        self.shapers: list[RewardShaper] = [s for s, _ in built]
        #: What ``env.spec`` records for each shaper: ``{"name", "kwargs"}``, or the instance.
        self.recorded_shapers: list[Any] = [s if spec is None else {"name": spec.name, "kwargs": spec.kwargs}
                                            for s, spec in built]
        taken: set[str] = set()
        self.labels: list[str] = [_label(s, taken) for s in self.shapers]
        self.weights: list[Schedule] = _weights(weights, self.labels, [s.name for s in self.shapers],
                                                [spec for _, spec in built])
        self.recorded_weights: list[Any] = [schedule_spec(w) for w in self.weights]
        self.on_nonfinite = on_nonfinite
        self.update_every = update_every
        self.num_envs = num_envs
        self.owner = owner
        self.requires: frozenset[str] = frozenset().union(*(s.requires for s in self.shapers))
        self._check_inputs(unavailable)
        self._rows = [row for row in INPUT_TABLE if row.name in self.requires]
        for shaper in self.shapers:
            shaper.setup(observation_space, action_space, num_envs)
        self.devices = list(dict.fromkeys(s.device for s in self.shapers))
        self._terms = [self._terms_of(s) for s in self.shapers]
        self._constant = all(isinstance(w, Constant) for w in self.weights)
        self._constant_values = [w(0) for w in self.weights]
        self._all_cpu = all(dev.type == "cpu" for dev in self.devices)
        self._updaters = [
            (s, lab) for s, lab in zip(self.shapers, self.labels) if type(s).update is not RewardShaper.update
        ]
        self._resetters = [s for s in self.shapers if type(s).reset is not RewardShaper.reset]
        self._warned: set[str] = set()
        #: Env steps scored so far (valid rows only); schedules read it.
        self.num_env_steps = resume_env_steps
        self.num_wrapper_steps = resume_env_steps // num_envs
        #: label -> statistics returned by the shaper's last ``update`` (shapers that override it).
        self.last_update_stats: dict[str, dict[str, float]] = {}

    @staticmethod
    def _terms_of(shaper: RewardShaper) -> list[str]:
        """The terms a composition reports from ``last_components`` (none for a plain shaper)."""
        terms = list(shaper.components())
        return [] if terms == [shaper.name or type(shaper).__name__] else terms

    def _check_inputs(self, unavailable: Mapping[str, str]) -> None:
        for shaper, label in zip(self.shapers, self.labels):
            missing = sorted(set(shaper.requires) & set(unavailable))
            if missing:
                lines = [f"  - {m!r}: {unavailable[m]}; provided by {PROVIDERS.get(m, 'no env')}" for m in missing]
                raise MissingInputError(
                    f"shaper {label!r} ({type(shaper).__name__}) needs input(s) {missing} that this env "
                    f"cannot provide to {self.owner}:\n" + "\n".join(lines)
                )

    def needs(self, name: str) -> bool:
        """Whether any shaper declares input ``name``."""
        return name in self.requires

    def current_weights(self) -> dict[str, float]:
        """Label -> weight at the current env step."""
        return dict(zip(self.labels, self._weight_values()))

    def _weight_values(self) -> list[float]:
        if self._constant:
            return self._constant_values
        return [w(self.num_env_steps) for w in self.weights]

    def reset_episodes(self, mask: np.ndarray) -> None:
        """``shaper.reset`` on the rows of ``mask`` (a ``[B]`` bool array), if any."""
        if not self._resetters or not mask.any():
            return
        cpu = torch.from_numpy(np.ascontiguousarray(mask, dtype=bool))
        on = {dev: cpu if dev.type == "cpu" else cpu.to(dev) for dev in self.devices}
        for shaper in self._resetters:
            shaper.reset(on[shaper.device])

    def batch(self, view: StepView) -> TransitionBatch:
        """The :class:`TransitionBatch` of the inputs the shapers declare, read from ``view``.

        Each input is converted by its row of :data:`~reward_plugins.wrappers.inputs.INPUT_TABLE`.
        """
        fields = {}
        for row in self._rows:
            value = view[row.name]
            fields[row.name] = row.convert(value() if callable(value) else value)
        return TransitionBatch(**fields, size=self.num_envs)

    def step(
        self, view: StepView, done: np.ndarray, valid: np.ndarray | None
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Gather the batch of one step from ``view`` and :meth:`score` it."""
        return self.score(self.batch(view), done, valid)

    def _check_finite_inputs(self, batch: TransitionBatch, valid: np.ndarray | None) -> np.ndarray | None:
        """Raise for NaN/inf in float inputs, or warn, zero them and mark their rows invalid.

        Returns the new ``valid``.
        """
        for row in self._rows:
            if not row.finite:
                continue
            bad = _nonfinite_rows(getattr(batch, row.name))
            if bad is None or (valid is not None and not (bad & valid).any()):
                continue
            where = np.flatnonzero(bad if valid is None else bad & valid)
            msg = (f"input {row.name!r} is NaN or inf at rows {where[:8].tolist()}{'...' if where.size > 8 else ''} "
                   f"of this step, seen by {self.owner}")
            if self.on_nonfinite == "raise":
                raise NonFiniteInputError(
                    msg + "; no shaper saw it. Pass on_nonfinite='warn' to skip such rows instead")
            if row.name not in self._warned:
                self._warned.add(row.name)
                logger.warning("%s; those rows get 0 shaped reward and are not learned from (warned once)", msg)
            setattr(batch, row.name, _zero_nonfinite(getattr(batch, row.name)))
            valid = ~bad if valid is None else valid & ~bad
        return valid

    def score(
        self, batch: TransitionBatch, done: np.ndarray, valid: np.ndarray | None
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Score one step of ``B`` transitions.

        Checks float inputs for NaN/inf, moves ``batch`` to each shaper device once, calls every
        shaper, checks and weights the outputs, updates shapers when due, then resets episodic
        state where ``done``.

        :return: the weighted sum of shaped rewards ``[B]`` float64 (0 on invalid rows), and
            label -> unweighted shaped reward ``[B]`` float32 (0 on invalid rows), plus
            ``"label/term"`` for each term of compositions (see ``RewardShaper.components``).
        """
        batch.size = self.num_envs
        transitions = valid
        valid = self._check_finite_inputs(batch, valid)
        invalid = None
        if valid is not None:
            batch.valid = torch.from_numpy(np.ascontiguousarray(valid, dtype=bool))
            invalid = ~valid
        on = None if self._all_cpu else {dev: batch.to(dev) for dev in self.devices}
        total: np.ndarray | None = None
        components: dict[str, np.ndarray] = {}
        with torch.no_grad():
            for shaper, label, weight, terms in zip(self.shapers, self.labels, self._weight_values(), self._terms):
                values = self._as_array(shaper(batch if on is None else on[shaper.device]), label)
                if invalid is not None:
                    np.copyto(values, 0.0, where=invalid)
                components[label] = values
                term = values.astype(np.float64) if weight == 1.0 else np.multiply(values, weight, dtype=np.float64)
                total = term if total is None else np.add(total, term, out=total)
                for child in terms:
                    child_values = np.array(shaper.last_components[child].detach().to("cpu", torch.float32).numpy())
                    if invalid is not None:
                        np.copyto(child_values, 0.0, where=invalid)
                    components[f"{label}/{child}"] = child_values
        total = cast(np.ndarray, total)  # at least one shaper, checked in __init__
        if not math.isfinite(total.sum()):
            total = self._handle_nonfinite(components, total)
        self.num_wrapper_steps += 1
        if self.update_every and self.num_wrapper_steps % self.update_every == 0 and self._updaters:
            if valid is None or valid.any():  # skip when every env was resetting
                for shaper, label in self._updaters:
                    stats = shaper.update(batch if on is None else on[shaper.device])
                    self.last_update_stats[label] = dict(stats)
        if self._resetters:
            self.reset_episodes(done if transitions is None else done & transitions)
        self.num_env_steps += self.num_envs if valid is None else int(np.count_nonzero(valid))
        return total, components

    def _as_array(self, out: Any, label: str) -> np.ndarray:
        """A shaper's output as a new float32 numpy array (never a view of shaper state)."""
        if not isinstance(out, torch.Tensor) or out.shape != (self.num_envs,):
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise ShaperOutputError(
                f"shaper {label!r} returned {shape}; forward must return a tensor of shape "
                f"[{self.num_envs}] (one reward per transition)"
            )
        if out.dtype != torch.float32 or out.device.type != "cpu":
            out = out.to("cpu", torch.float32)
        return out.numpy(force=True).copy()

    def _handle_nonfinite(self, components: dict[str, np.ndarray], total: np.ndarray) -> np.ndarray:
        """Raise (or warn and zero) for each shaper with NaN/inf on a valid row; the new total."""
        weights = dict(zip(self.labels, self._weight_values()))
        for shaper, label in zip(self.shapers, self.labels):
            values = components[label]
            finite = np.isfinite(values)
            if finite.all():
                continue
            bad = np.flatnonzero(~finite)
            msg = (
                f"shaper {label!r} ({type(shaper).__name__}) returned non-finite rewards at rows "
                f"{bad[:8].tolist()}{'...' if bad.size > 8 else ''} (values {values[bad[:4]].tolist()})"
            )
            if self.on_nonfinite == "raise":
                raise NonFiniteRewardError(msg + "; pass on_nonfinite='warn' to log and use 0 instead")
            logger.warning("%s; using 0 there", msg)
            values[~finite] = 0.0
        for key, values in components.items():
            if "/" in key:
                np.nan_to_num(values, copy=False, nan=0.0, posinf=0.0, neginf=0.0)
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below, by row
            total = sum((weights[label] * components[label].astype(np.float64) for label in self.labels),
                        np.zeros_like(total))
        bad = np.flatnonzero(~np.isfinite(total))
        if bad.size:  # finite rewards times finite weights overflowed
            msg = (f"the weighted sum of shaped rewards overflowed at rows {bad[:8].tolist()} "
                   f"(weights {weights}); lower the weights or clip the shapers")
            if self.on_nonfinite == "raise":
                raise NonFiniteRewardError(msg)
            logger.warning("%s; using 0 there", msg)
            total[bad] = 0.0
        return total


def usable_sources(
    sources: Mapping[str, Callable[[], Any]], withheld: Mapping[str, str] | None
) -> tuple[dict[str, Callable[[], Any]], dict[str, str]]:
    """The env-method sources a wrapper may use, and input name -> why each withheld one is not."""
    withheld = dict(withheld or {})
    usable = {name: source for name, source in sources.items() if name not in withheld}
    return usable, {k: v for k, v in withheld.items() if k in sources}


class ShapingWrapperMixin:
    """What the single, vector and SB3 wrappers share.

    Their :class:`ShapingCore`, where image and text inputs sit in the observation, the env methods
    that answer ``reward_state``, ``state_key`` and
    ``instruction``, and the properties training code reads.
    """

    core: ShapingCore
    #: Input name -> function returning it for the whole batch (see ``inputs.ENV_METHOD_INPUTS``).
    _sources: dict[str, Callable[[], Any]]

    def _init_shaping(
        self,
        shapers: ShaperLike | Iterable[ShaperLike],
        weights: Any,
        *,
        observation_space: gym.Space,
        action_space: gym.Space,
        num_envs: int,
        sources: Mapping[str, Callable[[], Any]],
        render_mode: str | None,
        on_nonfinite: str,
        update_every: int,
        resume_env_steps: int,
        text_from_info: bool,
        withheld: Mapping[str, str] | None = None,
    ) -> None:
        """``withheld``: input name -> why this wrapper cannot use the env's method for it."""
        self._sources, refused = usable_sources(sources, withheld)
        unavailable = unavailable_inputs(
            observation_space,
            env_methods=self._sources.keys(),
            render_mode=render_mode,
            text_from_info=text_from_info,
        )
        self.core = ShapingCore(
            shapers,
            weights,
            observation_space=observation_space,
            action_space=action_space,
            num_envs=num_envs,
            unavailable={**unavailable, **refused},
            on_nonfinite=on_nonfinite,
            update_every=update_every,
            resume_env_steps=resume_env_steps,
            owner=type(self).__name__,
        )
        self._image = find_entry(observation_space, "image")
        self._text = None if text_from_info else find_entry(observation_space, "text")

    @property
    def current_weights(self) -> dict[str, float]:
        """Shaper label -> weight at the current env step."""
        return self.core.current_weights()

    @property
    def last_update_stats(self) -> dict[str, dict[str, float]]:
        """Shaper label -> statistics its last ``update`` returned."""
        return self.core.last_update_stats
