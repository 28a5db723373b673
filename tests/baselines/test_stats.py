"""Our statistics against values computed by hand with numpy."""
from __future__ import annotations

import numpy as np
import pytest

from baselines.report.stats import (
    aggregate_metrics,
    bootstrap_ci,
    common_grid,
    curve_band,
    iqm_ci,
    normalise,
    performance_profiles,
)

# 8 runs x 2 tasks: 16 scores. Their IQM by hand: sort, drop the lowest 4 and the highest 4, average.
SCORES = np.array([[0.9, 0.1], [0.2, 0.8], [0.5, 0.3], [1.2, 0.0], [0.4, 0.6], [0.7, 0.45], [0.35, 0.55], [0.65, 0.25]])


def test_aggregates_match_hand_computed_values_and_cis_bracket_them():
    flat = np.sort(SCORES.ravel())
    iqm = flat[4:12].mean()
    gap = 1 - np.minimum(SCORES, 1).mean()  # optimality gap at gamma = 1: scores above 1 count as 1
    out = aggregate_metrics({"a": SCORES}, reps=2000)["a"]
    assert out["IQM"][0] == pytest.approx(iqm)
    assert out["Mean"][0] == pytest.approx(SCORES.mean())
    assert out["Median"][0] == pytest.approx(np.median(SCORES.mean(axis=0)))  # rliable: median of task means
    assert out["Optimality gap"][0] == pytest.approx(gap)
    assert gap != pytest.approx(1 - SCORES.mean())  # the clipping of 1.2 matters here
    for point, low, high in out.values():
        assert low <= point <= high and low < high


def test_stratified_bootstrap_is_seeded_and_resamples_within_tasks():
    a = aggregate_metrics({"a": SCORES}, reps=500, seed=3)["a"]["Mean"]
    b = aggregate_metrics({"a": SCORES}, reps=500, seed=3)["a"]["Mean"]
    assert a == b
    # a task whose runs all score the same has no spread: with two such tasks the mean's CI is a point
    constant = np.array([[0.2, 0.6]] * 5)
    point, low, high = aggregate_metrics({"c": constant}, reps=200)["c"]["Mean"]
    assert point == low == high == pytest.approx(0.4)


def test_iqm_ci_of_one_task():
    scores = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 10.0]
    point, low, high = iqm_ci(scores, reps=1000)
    assert point == pytest.approx(np.mean([0.2, 0.3, 0.4, 0.5]))  # the outlier 10 is trimmed
    assert low <= point <= high


def test_bootstrap_ci_of_the_mean():
    values = [0.2, 0.4, 0.6, 0.8]
    mean, low, high = bootstrap_ci(values, reps=4000, seed=1)
    assert mean == pytest.approx(0.5)
    assert 0.2 <= low < 0.5 < high <= 0.8
    # the percentile interval of a 4-point bootstrap mean: close to mean -/+ 1.96 * sd / sqrt(n)
    half = 1.96 * np.std(values) / 2
    assert low == pytest.approx(0.5 - half, abs=0.04) and high == pytest.approx(0.5 + half, abs=0.04)
    assert bootstrap_ci([0.3]) == (0.3, 0.3, 0.3)
    assert all(np.isnan(bootstrap_ci([])))


def test_curves_are_interpolated_onto_the_steps_every_seed_covers():
    a = (np.array([0.0, 100.0, 200.0]), np.array([0.0, 1.0, 2.0]))
    b = (np.array([0.0, 50.0, 150.0]), np.array([2.0, 2.0, 2.0]))
    grid = common_grid([a, b], points=4)
    assert grid.tolist() == [0.0, 50.0, 100.0, 150.0]
    steps, mean, low, high = curve_band([a, b], points=4, reps=500)
    assert steps.tolist() == grid.tolist()
    assert mean.tolist() == pytest.approx([1.0, 1.25, 1.5, 1.75])  # a interpolated at 50 -> 0.5
    assert np.all(low <= mean) and np.all(mean <= high)
    assert low[0] == pytest.approx(0.0) and high[0] == pytest.approx(2.0)  # resampling 2 seeds: all-a .. all-b


def test_normalise_between_random_and_oracle():
    assert normalise(0.55, 0.1, 1.0) == pytest.approx(0.5)
    assert normalise(-5.0, -10.0, 10.0) == pytest.approx(0.25)
    with pytest.raises(ValueError, match="cannot normalise"):
        normalise(0.5, 0.3, 0.3)
    with pytest.raises(ValueError, match="cannot normalise"):
        normalise(0.5, 0.0, None)


def test_performance_profile_is_the_fraction_of_runs_above_tau():
    scores = {"a": SCORES}
    taus = np.array([0.0, 0.3, 0.5, 1.0])
    profiles, cis = performance_profiles(scores, taus, reps=200)
    expected = [(SCORES > t).mean() for t in taus]
    assert profiles["a"] == pytest.approx(expected)
    assert np.all(cis["a"][0] <= profiles["a"] + 1e-12) and np.all(profiles["a"] <= cis["a"][1] + 1e-12)
