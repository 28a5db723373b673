"""Auto MC-Reward's reward critic: smoke-run a program on real reward states and say what is wrong with it.

A program passes when, on a batch of reward states from random and oracle rollouts, it runs
without an error and returns a float ``total`` of shape ``[B]`` and components of shape ``[B]``,
all finite, and ``total`` is not the same for every state (a constant reward teaches nothing).
The report's text is what goes back to the LLM for a repair.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import torch

from ..errors import RewardPluginError

Components = dict[str, torch.Tensor]


class ProgramRunner(Protocol):
    """Runs a reward program on a batch of reward states (the sandbox); raises a reward_plugins error on failure."""

    def __call__(self, source: str, states: Mapping[str, torch.Tensor]) -> tuple[torch.Tensor, Components]: ...


@dataclass
class CriticReport:
    """What the critic found: ``ok``, the problems in words, and statistics of what the program returned."""

    ok: bool
    problems: list[str] = field(default_factory=list)
    stats: dict[str, dict[str, float]] = field(default_factory=dict)

    def text(self) -> str:
        """The problems as lines for the repair prompt (empty when ``ok``)."""
        return "\n".join(f"- {p}" for p in self.problems)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready form for the run directory."""
        return {"ok": self.ok, "problems": list(self.problems), "stats": self.stats}


def _describe(name: str, value: object, batch: int, problems: list[str]) -> dict[str, float] | None:
    """Check one returned tensor; its min/mean/max/std when it is usable."""
    if not isinstance(value, torch.Tensor):
        problems.append(f"{name} is a {type(value).__name__}, not a torch tensor")
        return None
    if not value.is_floating_point():
        problems.append(f"{name} has dtype {value.dtype}; return a float tensor (e.g. .float())")
        return None
    if tuple(value.shape) != (batch,):
        problems.append(f"{name} has shape {tuple(value.shape)}; it must be [B] = ({batch},), one value per row")
        return None
    finite = torch.isfinite(value)
    if not bool(finite.all()):
        bad = int((~finite).sum())
        problems.append(f"{name} is NaN or infinite in {bad} of {batch} rows (guard divisions, logs and sqrt)")
        return None
    v = value.double()
    return {"min": float(v.min()), "mean": float(v.mean()), "max": float(v.max()),
            "std": float(v.std(unbiased=False))}


def critique(runner: ProgramRunner, source: str, states: Mapping[str, torch.Tensor]) -> CriticReport:
    """Run ``source`` on ``states`` through ``runner`` and report every problem found (see the module doc)."""
    if not states:
        raise ValueError("the critic needs a non-empty batch of reward states")
    batch = len(next(iter(states.values())))
    try:
        total, components = runner(source, states)
    except RewardPluginError as error:
        return CriticReport(False, [f"running it failed: {error}"])
    problems: list[str] = []
    stats: dict[str, dict[str, float]] = {}
    described = _describe("total", total, batch, problems)
    if described is not None:
        stats["total"] = described
        if batch > 1 and described["max"] == described["min"]:
            problems.append(f"total is {described['min']:g} for all {batch} states (random and expert alike): "
                            "a constant reward teaches nothing; make it depend on the state")
    if not isinstance(components, Mapping):
        problems.append(f"components is a {type(components).__name__}, not a dict of name -> tensor")
    else:
        for name, value in components.items():
            described = _describe(f"component {name!r}", value, batch, problems)
            if described is not None:
                stats[str(name)] = described
    return CriticReport(not problems, problems, stats)
