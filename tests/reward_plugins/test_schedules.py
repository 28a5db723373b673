"""Weight schedules: values, dict forms, errors."""
from __future__ import annotations

import math

import pytest

from reward_plugins.errors import ShaperConfigError
from reward_plugins.schedules import Constant, Cosine, Exponential, Linear, make_schedule, schedule_spec


def test_schedule_values():
    assert [Linear(1.0, 0.0, 100)(t) for t in (0, 25, 100, 1000)] == [1.0, 0.75, 0.0, 0.0]
    assert Linear(0.0, 2.0, 10)(5) == 1.0
    assert [Exponential(2.0, half_life=10)(t) for t in (0, 10, 30)] == [2.0, 1.0, 0.25]
    assert Cosine(1.0, 0.0, 100)(0) == 1.0 and Cosine(1.0, 0.0, 100)(100) == pytest.approx(0.0)
    assert Cosine(1.0, 0.0, 100)(25) == pytest.approx(0.5 * (1 + math.cos(math.pi / 4)))
    assert Cosine(1.0, 0.0, 100)(500) == pytest.approx(0.0)
    assert Constant(0.3)(10**9) == 0.3


@pytest.mark.parametrize("schedule", [Constant(0.5), Linear(1.0, 0.1, 50), Exponential(3.0, 7), Cosine(2.0, 0.5, 9)])
def test_dict_form_round_trips(schedule):
    assert make_schedule(schedule.to_dict()) == schedule
    assert make_schedule(schedule_spec(schedule)) == schedule


def test_make_schedule_from_numbers_and_config_dicts():
    assert make_schedule(2) == Constant(2.0)
    assert make_schedule({"schedule": "linear", "start": 1.0, "end": 0.0, "steps": 100000}) == Linear(1.0, 0.0, 100000)


def test_numeric_strings_are_numbers():  # YAML 1.1 (PyYAML) reads 5e-3 as the string "5e-3"
    assert make_schedule("5e-3") == Constant(0.005)
    linear = make_schedule({"schedule": "linear", "start": "1e-3", "end": 0, "steps": "1e5"})
    assert linear(50_000) == pytest.approx(5e-4)


@pytest.mark.parametrize(
    "bad", [{"schedule": "sigmoid"}, {"schedule": "linear", "stepz": 3}, {"schedule": "linear", "steps": 0}, "one",
            True, {"schedule": "linear", "start": "high"}]
)
def test_bad_schedules_raise_config_errors(bad):
    with pytest.raises(ShaperConfigError):
        make_schedule(bad)
