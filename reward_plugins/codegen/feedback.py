"""Text for the next reward prompt from a training run: Eureka's reward reflection, Auto MC-Reward's analyser.

:func:`reward_reflection` lists each logged reward component and the task score at about ten
points over training with max/mean/min, followed by the tips Eureka gives for each pattern
(success near zero: rewrite; a near-constant component: rescale or drop it; one component much
larger than the rest: rescale it). :func:`summarise_failures` reads failed episodes (where the
agent got stuck, which components stayed flat, how their final states differ from successful ones).
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

REFLECTION_POINTS = 10
NEAR_ZERO_SUCCESS = 0.05
"""Success below this everywhere counts as "near zero": the reflection asks for a rewrite."""
FLAT_RANGE = 1e-3
"""A component whose range over training is below this share of its magnitude (or 1e-6) counts as near-constant."""
DOMINANT_RATIO = 10.0
"""A component whose mean magnitude is this many times the next largest dominates."""


@dataclass(frozen=True)
class ComponentCurve:
    """One logged series (a reward component or the task score) over training."""

    name: str
    values: Sequence[float]

    def sampled(self, points: int = REFLECTION_POINTS) -> list[float]:
        """About ``points`` values spread evenly over the series, first and last included."""
        if not self.values:
            return []
        picks = np.unique(np.linspace(0, len(self.values) - 1, min(points, len(self.values))).round().astype(int))
        return [float(self.values[i]) for i in picks]

    def is_flat(self) -> bool:
        v = np.asarray(self.values, dtype=float)
        return v.size > 0 and float(np.ptp(v)) <= max(FLAT_RANGE * float(np.abs(v).max()), 1e-6)


def _fmt(x: float) -> str:
    return f"{x:.3g}" if math.isfinite(x) else str(x)


def reward_reflection(components: Mapping[str, Sequence[float]], success: Sequence[float],
                      extra: Mapping[str, Sequence[float]] | None = None, points: int = REFLECTION_POINTS) -> str:
    """Eureka's reward reflection: every series at ``points`` points with max/mean/min, then the applicable tips.

    Args:
        components: component name -> its mean per-step value at each evaluation during training.
        success: the task score (success rate) at the same evaluations.
        extra: other series to show (e.g. ``episode_length``).
        points: how many values of each series to show.
    """
    curves = [ComponentCurve(n, v) for n, v in components.items()]
    shown = [*curves, ComponentCurve("task_score", success),
             *(ComponentCurve(n, v) for n, v in (extra or {}).items())]
    lines = [f"We trained a policy with this reward function and logged, at {points} points over training, "
             "each reward component, the task score (success rate) and the max, mean and min of each:"]
    for curve in shown:
        v = np.asarray(curve.values, dtype=float)
        if v.size == 0:
            lines.append(f"{curve.name}: not logged")
            continue
        lines.append(f"{curve.name}: [{', '.join(_fmt(x) for x in curve.sampled(points))}], "
                     f"Max: {_fmt(v.max())}, Mean: {_fmt(v.mean())}, Min: {_fmt(v.min())}")
    tips = []
    if not success or max(success) < NEAR_ZERO_SUCCESS:
        tips.append("The task score stayed near zero: rewrite the whole reward function.")
    flat = [c.name for c in curves if c.is_flat()]
    if flat:
        tips.append(f"These components stayed (near) constant, so the policy could not optimise them as written: "
                    f"{', '.join(flat)}. Change their scale or temperature, rewrite them, or drop them.")
    sizes = sorted(((float(np.abs(np.asarray(c.values, dtype=float)).mean()), c.name) for c in curves if c.values),
                   reverse=True)
    if len(sizes) > 1 and sizes[0][0] > DOMINANT_RATIO * max(sizes[1][0], 1e-12):
        tips.append(f"The component {sizes[0][1]} is over {DOMINANT_RATIO:g}x larger than the others and drowns "
                    "them: rescale it to a comparable range.")
    lines.append("Analyse this feedback and write an improved reward function. " + " ".join(tips))
    return "\n".join(lines)


@dataclass
class EpisodeLog:
    """One evaluation episode: success, per-step components, the final reward state, visited state keys."""

    success: bool
    components: Mapping[str, Sequence[float]] = field(default_factory=dict)
    final_state: Mapping[str, float] = field(default_factory=dict)
    state_keys: Sequence[object] = ()

    @property
    def length(self) -> int:
        return max((len(v) for v in self.components.values()), default=len(self.state_keys))


def summarise_failures(episodes: Sequence[EpisodeLog], max_fields: int = 8) -> str:
    """Auto MC-Reward's trajectory analysis of failed episodes, in words for the next prompt.

    Says how many episodes failed, how much of each failed episode was spent revisiting states
    (stuck), which components stayed flat within failed episodes, and the scalar final-state fields
    whose means differ most between failed and successful episodes (up to ``max_fields``).
    """
    if not episodes:
        return "No evaluation episodes were logged."
    failed = [e for e in episodes if not e.success]
    won = [e for e in episodes if e.success]
    lines = [f"{len(failed)} of {len(episodes)} evaluation episodes failed."]
    if not failed:
        return lines[0] + " Keep what works; make the reward favour shorter solutions if episodes run long."
    repeats = [1 - len(set(e.state_keys)) / len(e.state_keys) for e in failed if e.state_keys]
    if repeats:
        lines.append(f"In failed episodes the agent revisited states in {100 * float(np.mean(repeats)):.0f}% of steps "
                     "on average (stuck: it loops without progress).")
    names = sorted({n for e in failed for n in e.components})
    flat = [n for n in names
            if all(ComponentCurve(n, e.components[n]).is_flat() for e in failed if e.components.get(n))]
    if flat:
        lines.append(f"Components that never changed within a failed episode: {', '.join(flat)} "
                     "(they gave the agent no direction there).")
    fields = sorted({k for e in episodes for k in e.final_state})
    gaps = []
    for key in fields:
        bad = [float(e.final_state[key]) for e in failed if key in e.final_state]
        good = [float(e.final_state[key]) for e in won if key in e.final_state]
        if bad and good:
            gaps.append((abs(np.mean(good) - np.mean(bad)), key, float(np.mean(bad)), float(np.mean(good))))
    gaps.sort(reverse=True)
    for _, key, bad_mean, good_mean in gaps[:max_fields]:
        if bad_mean != good_mean:
            lines.append(f"Final {key}: {_fmt(bad_mean)} in failed episodes vs {_fmt(good_mean)} in successful ones.")
    return "\n".join(lines)
