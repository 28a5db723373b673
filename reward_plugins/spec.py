"""One way to name a shaper: :class:`ShaperSpec` (registry name, constructor kwargs, weight).

Wrappers, compositions, grid YAML files, run configs and the command line all parse what a user
wrote through :meth:`ShaperSpec.parse` (one entry) or :func:`parse_shaper_specs` (one or many),
which accept:

- a registry name: ``"count"``;
- a dict: ``{"name": "count", "kwargs": {"beta": 0.1}, "weight": 0.01}``; constructor
  arguments may also sit beside ``name`` (``{"name": "count", "beta": 0.1}``);
- a ``(name, kwargs)`` pair: ``("count", {"beta": 0.1})`` (a list works too, as long as its
  dict does not name a shaper itself: ``["count", {"name": "rnd"}]`` is two shapers);
- a :class:`ShaperSpec`;
- a :class:`~reward_plugins.base.RewardShaper` instance, where the caller accepts one
  (``instances=True``: wrappers and compositions do, configs do not).

Malformed entries raise :class:`~reward_plugins.errors.ShaperConfigError` naming the entry
(``shapers[1]``); :meth:`ShaperSpec.check` also refuses unknown shaper names and constructor
arguments the shaper does not take, before anything is built.
"""
from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Union, cast, overload

from .base import RewardShaper
from .errors import ShaperConfigError
from .registry import available_shapers, shaper_class
from .schedules import Schedule, make_schedule, schedule_spec

#: The keys of a spec dict; any other key is a constructor argument of the shaper.
SPEC_KEYS = ("name", "kwargs", "weight")


@dataclass
class ShaperSpec:
    """One shaper: its registry ``name``, constructor ``kwargs`` and ``weight``.

    ``weight`` is a number or a schedule dict (see :func:`~reward_plugins.schedules.make_schedule`),
    stepped by env steps. The dataclass fields are the file format of configs (``asdict``).
    """

    name: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    weight: Any = 1.0

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ShaperConfigError(f"ShaperSpec.name must be a shaper name (a non-empty string), got {self.name!r}")
        self.kwargs = _kwargs(self.kwargs, f"ShaperSpec({self.name!r})")
        self.weight = _weight(self.weight, f"ShaperSpec({self.name!r})")

    @classmethod
    def parse(cls, item: Any, where: str = "shaper") -> ShaperSpec:
        """The spec ``item`` describes (see the module docstring); ``where`` names it in errors."""
        return cast(ShaperSpec, _parse(item, where, instances=False))

    def check(self, where: str = "shaper") -> None:
        """Raise :class:`ShaperConfigError` if no shaper has this name or it takes none of some kwargs."""
        if self.name not in available_shapers():
            raise ShaperConfigError(f"{where}: unknown shaper {self.name!r}; registered shapers: {available_shapers()}")
        cls = shaper_class(self.name)
        params = inspect.signature(cls.__init__).parameters
        if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
            return
        takes = [n for n, p in params.items() if n != "self" and p.kind is not inspect.Parameter.VAR_POSITIONAL]
        unknown = sorted(set(self.kwargs) - set(takes))
        if unknown:
            raise ShaperConfigError(f"{where}: shaper {self.name!r} takes no argument(s) {unknown}; it takes {takes}")

    def build(self, where: str = "shaper") -> RewardShaper:
        """The shaper, built through the registry after :meth:`check`."""
        self.check(where)
        try:
            return shaper_class(self.name)(**self.kwargs)
        except TypeError as e:
            raise ShaperConfigError(f"{where}: cannot build shaper {self.name!r} from {self.kwargs}: {e}") from e

    def to_dict(self) -> dict[str, Any]:
        """The plain form (``name``, ``kwargs``, ``weight``), which :meth:`parse` reads back."""
        return {"name": self.name, "kwargs": dict(self.kwargs), "weight": self.weight}


#: What :func:`parse_shaper_specs` and the wrappers accept for one shaper.
ShaperLike = Union[RewardShaper, ShaperSpec, str, Mapping[str, Any], Sequence[Any]]  # noqa: UP007 (a runtime alias)


def _is_pair(item: Any) -> bool:
    """Whether ``item`` is a ``(name, kwargs)`` pair: a name and a dict that does not name a shaper."""
    return (
        isinstance(item, (tuple, list))
        and len(item) == 2
        and isinstance(item[0], str)
        and (item[1] is None or (isinstance(item[1], Mapping) and "name" not in item[1]))
    )


def _weight(value: Any, where: str) -> Any:
    """``value`` checked as a weight, in its plain form (numbers and dicts as given)."""
    try:
        schedule = make_schedule(value)
    except ShaperConfigError as e:
        raise ShaperConfigError(f"{where}.weight: {e}") from None
    return schedule_spec(schedule) if isinstance(value, Schedule) else value


def _kwargs(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise ShaperConfigError(f"{where}.kwargs must be a mapping of argument names to values, got {value!r}")
    return dict(value)


def _parse(item: Any, where: str, *, instances: bool) -> ShaperSpec | RewardShaper:
    if isinstance(item, RewardShaper):
        if not instances:
            raise ShaperConfigError(f"{where}: a shaper instance cannot be saved in a config; give its name and kwargs")
        return item
    if isinstance(item, ShaperSpec):
        return ShaperSpec(item.name, _kwargs(item.kwargs, where), _weight(item.weight, where))
    if isinstance(item, str):
        if not item:
            raise ShaperConfigError(f"{where}: a shaper name cannot be empty")
        return ShaperSpec(item)
    if isinstance(item, Mapping):
        data = dict(item)
        if "name" not in data:
            raise ShaperConfigError(f"{where}: a shaper dict must have a 'name' key, got keys {sorted(map(str, data))}")
        name = data.pop("name")
        if not isinstance(name, str) or not name:
            raise ShaperConfigError(f"{where}.name must be a shaper name (a non-empty string), got {name!r}")
        kwargs = _kwargs(data.pop("kwargs", None), where)
        weight = _weight(data.pop("weight", 1.0), where)
        inline = _kwargs(data, where)
        twice = sorted(set(inline) & set(kwargs))
        if twice:
            raise ShaperConfigError(f"{where}: argument(s) {twice} given both inline and under 'kwargs'")
        return ShaperSpec(name, {**kwargs, **inline}, weight)
    if _is_pair(item):
        return ShaperSpec(item[0], _kwargs(item[1], where))
    raise ShaperConfigError(
        f"{where}: cannot read a shaper from {item!r}; give a registry name, a {{'name': ..., 'kwargs': {{...}}, "
        "'weight': ...}} dict, a (name, kwargs) pair" + (" or a RewardShaper instance" if instances else "")
    )


@overload
def parse_shaper_specs(items: Any, where: str = ..., *, instances: Literal[False] = ...) -> list[ShaperSpec]: ...
@overload
def parse_shaper_specs(items: Any, where: str = ..., *, instances: bool) -> list[ShaperSpec | RewardShaper]: ...
def parse_shaper_specs(items: Any, where: str = "shapers", *, instances: bool = False) -> list[Any]:
    """One entry or a list of entries -> one :class:`ShaperSpec` (or instance) per shaper.

    A single name, dict, pair, spec or instance is a list of one. With ``instances=False`` the
    result holds specs only.
    """
    if isinstance(items, (str, Mapping, ShaperSpec, RewardShaper)) or _is_pair(items):
        return [_parse(items, where, instances=instances)]
    if not isinstance(items, (list, tuple)):
        raise ShaperConfigError(f"{where} must be a shaper or a list of shapers, got {type(items).__name__}: {items!r}")
    return [_parse(item, f"{where}[{i}]", instances=instances) for i, item in enumerate(items)]


def build_shapers(items: Any, where: str = "shapers") -> list[tuple[RewardShaper, ShaperSpec | None]]:
    """Each shaper of ``items`` with its spec (``None`` for instances).

    Specs are parsed, checked and built; instances are used as given.
    """
    out: list[tuple[RewardShaper, ShaperSpec | None]] = []
    for i, spec in enumerate(parse_shaper_specs(items, where, instances=True)):
        if isinstance(spec, RewardShaper):
            out.append((spec, None))
        else:
            out.append((spec.build(f"{where}[{i}]"), spec))
    return out
