"""Statistics of a report.

Bootstrap CIs across seeds, curves on a common step grid, score normalisation, and rliable's
aggregate metrics with stratified bootstrap CIs.

Every bootstrap takes a seed, so a report is reproducible.
"""
from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence

import numpy as np

#: Aggregate metrics, in table order, over a (runs x tasks) matrix of normalised scores (rliable's
#: definitions: IQM and mean over all runs and tasks, median of the per-task means, optimality gap
#: ``1 - mean(min(score, 1))``).
AGGREGATES = ("IQM", "Mean", "Median", "Optimality gap")

DEFAULT_REPS = 2000


def bootstrap_ci(values: Sequence[float], reps: int = DEFAULT_REPS, confidence: float = 0.95,
                 seed: int = 0) -> tuple[float, float, float]:
    """Mean of ``values`` and the percentile bootstrap CI of the mean: ``(mean, low, high)``.

    One value gives a zero-width interval; an empty input gives NaNs.
    """
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return (float("nan"),) * 3
    means = x[np.random.default_rng(seed).integers(0, x.size, size=(reps, x.size))].mean(axis=1)
    alpha = (1 - confidence) / 2
    return float(x.mean()), float(np.quantile(means, alpha)), float(np.quantile(means, 1 - alpha))


def common_grid(curves: Sequence[tuple[np.ndarray, np.ndarray]], points: int = 100) -> np.ndarray:
    """Steps from the first to the last step that every curve covers (``points`` of them)."""
    start = max(float(steps[0]) for steps, _ in curves)
    stop = min(float(steps[-1]) for steps, _ in curves)
    if stop <= start:
        return np.array([stop])
    return np.linspace(start, stop, points)


def curve_band(curves: Sequence[tuple[np.ndarray, np.ndarray]], points: int = 100, reps: int = DEFAULT_REPS,
               confidence: float = 0.95, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Seeds' curves ``(steps, values)`` interpolated onto a common grid: ``(grid, mean, low, high)``.

    The band is the bootstrap CI across seeds of the mean at each grid step.
    """
    grid = common_grid(curves, points)
    matrix = np.stack([np.interp(grid, steps, values) for steps, values in curves])  # seeds x points
    rows = np.random.default_rng(seed).integers(0, len(curves), size=(reps, len(curves)))
    boot = matrix[rows].mean(axis=1)  # reps x points
    alpha = (1 - confidence) / 2
    return grid, matrix.mean(axis=0), np.quantile(boot, alpha, axis=0), np.quantile(boot, 1 - alpha, axis=0)


def normalise(value: float, low: float | None, high: float | None) -> float:
    """``(value - low) / (high - low)``: 0 at the random policy, 1 at the oracle."""
    if low is None or high is None or not np.isfinite(high - low) or abs(high - low) < 1e-12:
        raise ValueError(f"cannot normalise between {low!r} and {high!r}")
    return (value - low) / (high - low)


@contextlib.contextmanager
def _seeded(seed: int) -> Iterator[np.random.RandomState]:
    """A seeded RandomState for rliable, with numpy's global state seeded too and restored afterwards.

    rliable's stratified resampling and its performance profiles draw from the global state.
    """
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        with warnings.catch_warnings():  # arch deprecates the RandomState rliable hands it
            warnings.simplefilter("ignore", FutureWarning)
            yield np.random.RandomState(seed)
    finally:
        np.random.set_state(state)


def _aggregate_func() -> Callable[[np.ndarray], np.ndarray]:
    from rliable import metrics

    def func(scores: np.ndarray) -> np.ndarray:
        return np.array([metrics.aggregate_iqm(scores), metrics.aggregate_mean(scores),
                         metrics.aggregate_median(scores), metrics.aggregate_optimality_gap(scores)])

    return func


def aggregate_metrics(score_dict: Mapping[str, np.ndarray], reps: int = DEFAULT_REPS,
                      seed: int = 0) -> dict[str, dict[str, tuple[float, float, float]]]:
    """Rliable's IQM, mean, median and optimality gap of each method's (runs x tasks) score matrix.

    With 95% stratified bootstrap CIs: ``{method: {metric: (point, low, high)}}``.
    """
    from rliable import library

    with _seeded(seed) as random_state:
        points, intervals = library.get_interval_estimates(dict(score_dict), _aggregate_func(), reps=reps,
                                                           random_state=random_state)
    return {m: {name: (float(points[m][i]), float(intervals[m][0, i]), float(intervals[m][1, i]))
                for i, name in enumerate(AGGREGATES)} for m in score_dict}


def iqm_ci(scores: Sequence[float], reps: int = DEFAULT_REPS, seed: int = 0) -> tuple[float, float, float]:
    """IQM of one method's scores on one task with its bootstrap CI (rliable, one task)."""
    from rliable import library, metrics

    matrix = {"m": np.asarray(scores, dtype=float).reshape(-1, 1)}
    with _seeded(seed) as random_state:
        points, intervals = library.get_interval_estimates(matrix, lambda x: np.array([metrics.aggregate_iqm(x)]),
                                                           reps=reps, random_state=random_state)
    return float(points["m"][0]), float(intervals["m"][0, 0]), float(intervals["m"][1, 0])


def performance_profiles(score_dict: Mapping[str, np.ndarray], taus: np.ndarray, reps: int = DEFAULT_REPS,
                         seed: int = 0) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Rliable's score-distribution performance profiles (fraction of runs above each tau) and CIs."""
    from rliable import library

    with _seeded(seed):  # create_performance_profile takes no random state
        return library.create_performance_profile(dict(score_dict), taus, reps=reps)
