"""Weight schedules: a shaper's weight as a function of the number of env steps taken.

Wrappers accept, for each weight, a float, a :class:`Schedule`, or a dict such as
``{"schedule": "linear", "start": 1.0, "end": 0.0, "steps": 100_000}`` (the form YAML configs
use; :func:`make_schedule` builds it, :meth:`Schedule.to_dict` writes it back). A vector wrapper
over ``B`` envs advances the step by ``B`` per vector step, so ``steps`` counts env steps, as
SB3's ``total_timesteps`` does.
"""
from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar

from .errors import ShaperConfigError


class Schedule(ABC):
    """A weight as a function of the env step ``t >= 0``."""

    #: Name used in the ``{"schedule": name, ...}`` dict form.
    kind: ClassVar[str] = ""

    @abstractmethod
    def __call__(self, step: int) -> float:
        """The weight after ``step`` env steps."""

    def to_dict(self) -> dict[str, Any]:
        """The dict form that :func:`make_schedule` turns back into this schedule."""
        return {"schedule": self.kind, **asdict(self)}  # type: ignore[call-overload]


def _numbers(schedule: Schedule) -> None:
    """Make every field of a (frozen dataclass) schedule a float, or refuse the schedule.

    Numeric strings such as ``"1e-3"`` (what YAML 1.1 makes of ``1e-3``) are accepted; anything
    else is refused now, not at the first step.
    """
    for f in fields(schedule):  # type: ignore[arg-type]
        value = getattr(schedule, f.name)
        try:
            if isinstance(value, bool):
                raise ValueError
            number = float(value)
        except (TypeError, ValueError):
            raise ShaperConfigError(f"{type(schedule).__name__}.{f.name} must be a number, got {value!r}") from None
        if not math.isfinite(number):
            raise ShaperConfigError(f"{type(schedule).__name__}.{f.name} must be finite, got {value!r}")
        object.__setattr__(schedule, f.name, number)


def _check_steps(steps: float) -> None:
    if steps <= 0:
        raise ShaperConfigError(f"schedule steps must be > 0, got {steps}")


@dataclass(frozen=True)
class Constant(Schedule):
    """``value`` at every step."""

    kind: ClassVar[str] = "constant"
    value: float = 1.0

    def __post_init__(self) -> None:
        _numbers(self)

    def __call__(self, step: int) -> float:
        return float(self.value)


@dataclass(frozen=True)
class Linear(Schedule):
    """From ``start`` at step 0 to ``end`` at step ``steps`` in a straight line, then ``end``."""

    kind: ClassVar[str] = "linear"
    start: float = 1.0
    end: float = 0.0
    steps: int = 100_000

    def __post_init__(self) -> None:
        _numbers(self)
        _check_steps(self.steps)

    def __call__(self, step: int) -> float:
        frac = min(max(step, 0) / self.steps, 1.0)
        return float(self.start + (self.end - self.start) * frac)


@dataclass(frozen=True)
class Exponential(Schedule):
    """``start * 0.5 ** (step / half_life)``: halves every ``half_life`` steps, tends to 0."""

    kind: ClassVar[str] = "exponential"
    start: float = 1.0
    half_life: float = 10_000

    def __post_init__(self) -> None:
        _numbers(self)
        _check_steps(self.half_life)

    def __call__(self, step: int) -> float:
        return float(self.start * 0.5 ** (max(step, 0) / self.half_life))


@dataclass(frozen=True)
class Cosine(Schedule):
    """Cosine annealing from ``start`` to ``end`` (default 0) over ``steps``, then ``end``."""

    kind: ClassVar[str] = "cosine"
    start: float = 1.0
    end: float = 0.0
    steps: int = 100_000

    def __post_init__(self) -> None:
        _numbers(self)
        _check_steps(self.steps)

    def __call__(self, step: int) -> float:
        frac = min(max(step, 0) / self.steps, 1.0)
        return float(self.end + (self.start - self.end) * 0.5 * (1.0 + math.cos(math.pi * frac)))


SCHEDULES: dict[str, type[Schedule]] = {
    cls.kind: cls for cls in (Constant, Linear, Exponential, Cosine)
}

#: What a wrapper or composition accepts as a weight.
WeightSpec = float | int | Schedule | Mapping[str, Any]


def make_schedule(spec: WeightSpec) -> Schedule:
    """A :class:`Schedule` from a number (constant), a schedule, or a ``{"schedule": ...}`` dict."""
    if isinstance(spec, Schedule):
        return spec
    if isinstance(spec, bool):
        raise ShaperConfigError(f"a weight must be a number, schedule or schedule dict, got {spec!r}")
    if isinstance(spec, (int, float)):
        return Constant(float(spec))
    if isinstance(spec, str):
        try:
            number = float(spec)  # "5e-3": YAML 1.1 reads 5e-3 as a string
        except ValueError:
            number = None
        if number is not None:
            return Constant(number)
    if isinstance(spec, Mapping):
        params = dict(spec)
        kind = params.pop("schedule", None)
        if kind not in SCHEDULES:
            raise ShaperConfigError(
                f"unknown schedule {kind!r} in {dict(spec)!r}; use one of {sorted(SCHEDULES)}, "
                'e.g. {"schedule": "linear", "start": 1.0, "end": 0.0, "steps": 100000}'
            )
        try:
            return SCHEDULES[kind](**params)
        except TypeError as e:
            raise ShaperConfigError(f"bad parameters for schedule {kind!r}: {e}") from None
    raise ShaperConfigError(f"a weight must be a number, schedule or schedule dict, got {spec!r}")


def schedule_spec(schedule: Schedule) -> float | dict[str, Any]:
    """The plain form of ``schedule`` for configs and ``env.spec``: a float when constant."""
    return float(schedule.value) if isinstance(schedule, Constant) else schedule.to_dict()
