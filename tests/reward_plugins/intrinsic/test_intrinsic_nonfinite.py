"""NaN and inf inputs: the rows that carry them score 0 and leave every statistic, count and
weight as they were, so later steps score exactly as if those rows had never been seen."""
from __future__ import annotations

import copy
import dataclasses
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch
from intrinsic_helpers import build, make_batch

from reward_plugins import TransitionBatch

SHAPERS = ["count", "episodic_count", "rnd", "icm", "e3b", "global_episodic", "global_ngu"]
VECTOR = gym.spaces.Box(-1.0, 1.0, (5,), np.float32)
KWARGS: dict[str, dict[str, Any]] = {
    "count": {"hash": "simhash", "simhash_bits": 4},  # few codes: float vectors revisit them
    "episodic_count": {"hash": "simhash", "simhash_bits": 4},
    "rnd": {"feature_dim": 16},
    "icm": {"feature_dim": 16},
    "e3b": {"feature_dim": 16},
    "global_episodic": {"global_kwargs": {"feature_dim": 16}, "episodic_kwargs": {"feature_dim": 16}},
    "global_ngu": {"mode": "ngu", "global_kwargs": {"feature_dim": 16}, "episodic_kwargs": {"feature_dim": 16}},
}


def make(name: str, num_envs: int = 3):
    registered = "global_episodic" if name == "global_ngu" else name
    return build(registered, VECTOR, num_envs=num_envs, **KWARGS[name])


def run_step(shaper, batch: TransitionBatch) -> torch.Tensor:
    """One wrapper step: score, train, clear the episodes that ended."""
    reward = shaper(batch)
    shaper.update(batch)
    shaper.reset(batch.done)
    return reward


def assert_same_state(a: Any, b: Any, where: str = "") -> None:
    """Bitwise equality of two state dicts (tensors, nested optimizer and table states)."""
    if isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor) and torch.equal(a, b), where
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for key in a:
            assert_same_state(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same_state(x, y, f"{where}[{i}]")
    else:
        assert a == b, where


def poisoned(batch: TransitionBatch, composite: bool) -> TransitionBatch:
    """``batch`` with NaN in row 0's next observation and +inf / -inf in row 1's observation
    (and next observation for compositions, whose children read different inputs: each child
    excludes the rows it cannot read, so only rows bad for every child act as invalid rows).
    """
    obs, nxt = batch.obs.clone(), batch.next_obs.clone()
    nxt[0, 2] = float("nan")
    obs[1, 0], obs[1, 4] = float("inf"), float("-inf")
    if composite:
        nxt[1, 1] = float("inf")
    return dataclasses.replace(batch, obs=obs, next_obs=nxt)


@pytest.mark.parametrize("name", SHAPERS)
def test_non_finite_rows_act_exactly_as_rows_that_are_not_transitions(name):
    """Run A gets NaN / inf rows; run B gets the same step with finite values on those rows,
    marked ``valid=False``. Both must score, learn and keep state identically, bit for bit."""
    a, b = make(name), make(name)
    composite = name.startswith("global")
    bad_rows = [True, composite or "obs" in a.requires, False]  # row 1 is bad only for shapers that read it
    for t in range(5):
        batch = make_batch(VECTOR, 3, seed=t % 3)  # seeds repeat: counts see known states
        batch.done = torch.tensor([False, False, t == 2])
        if t in (1, 3):
            out_a = run_step(a, poisoned(batch, composite))
            out_b = run_step(b, dataclasses.replace(batch, valid=~torch.tensor(bad_rows)))
            assert out_a[torch.tensor(bad_rows)].tolist() == [0.0] * sum(bad_rows)
        else:
            out_a, out_b = run_step(a, batch), run_step(b, batch)
        assert torch.isfinite(out_a).all()
        assert torch.equal(out_a, out_b), t
        assert_same_state(a.state_dict(), b.state_dict())
    assert out_a.abs().sum() > 0


@pytest.mark.parametrize("name", SHAPERS)
@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_an_all_non_finite_step_changes_nothing_and_later_steps_score_as_without_it(name, bad):
    with_step, without = make(name), make(name)
    first, later = make_batch(VECTOR, 3, seed=0), make_batch(VECTOR, 3, seed=1)
    run_step(with_step, first)
    run_step(without, first)
    before = copy.deepcopy(with_step.state_dict())  # optimizer states hold live tensors
    broken = make_batch(VECTOR, 3, seed=2)
    broken.next_obs[:, 1] = bad
    broken.obs[:, 3] = bad
    assert run_step(with_step, broken).tolist() == [0.0, 0.0, 0.0]
    assert_same_state(with_step.state_dict(), before)
    for _ in range(2):
        assert torch.equal(run_step(with_step, later), run_step(without, later))
    assert_same_state(with_step.state_dict(), without.state_dict())


@pytest.mark.parametrize("field", ["action", "reward"])
def test_non_finite_values_in_fields_the_shaper_reads_exclude_the_row(field):
    """ICM reads float actions of a Box action space; a NaN there is excluded like a NaN
    observation. A NaN reward, which ICM does not read, changes nothing."""
    box = gym.spaces.Box(-1.0, 1.0, (2,), np.float32)
    shaper = build("icm", VECTOR, num_envs=2, action_space=box, feature_dim=16)
    batch = make_batch(VECTOR, 2, seed=0)
    batch.action = torch.tensor([[0.5, -0.5], [0.25, 0.0]])
    setattr(batch, field, getattr(batch, field).clone().float())
    getattr(batch, field)[1] = float("nan")
    out = shaper(batch)
    assert out[0] > 0
    assert (out[1] == 0) == (field == "action")
