"""reward_plugins.testing.check_shaper over the whole shaper registry, and on shapers that break
the contract (so the checker is known to catch what it claims to).
"""
from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

from reward_plugins import RewardShaper, TransitionBatch
from reward_plugins.errors import ShaperContractError
from reward_plugins.testing import check_shaper, random_batch
from tests.reward_plugins.shaper_args import ARGS, REGISTRY


def test_the_argument_table_names_only_registered_shapers():
    assert set(ARGS) <= set(REGISTRY)


@pytest.mark.parametrize("name", REGISTRY)
def test_every_registered_shaper_keeps_the_contract(name, tmp_path):
    args = ARGS.get(name)
    done = check_shaper(name, args(tmp_path) if callable(args) else args)
    assert {"contract[cpu]", "reset[cpu]", "state round trip"} <= set(done)
    if torch.cuda.is_available():
        assert "contract[cuda]" in done


@pytest.mark.parametrize("space", [gym.spaces.Box(-1.0, 1.0, (5,), np.float32), gym.spaces.Discrete(6),
                                   gym.spaces.Dict({"grid": gym.spaces.Box(0, 6, (4, 4), np.uint8),
                                                    "pos": gym.spaces.Box(-1.0, 1.0, (2,), np.float32)})])
@pytest.mark.parametrize("name", ["count", "rnd"])
def test_checks_run_on_other_observation_spaces(name, space):
    check_shaper(name, ARGS.get(name), observation_space=space)


class RewardPlusRow(RewardShaper):
    """Stateless: the env reward plus a feature of next_obs."""

    requires = frozenset({"reward", "next_obs"})

    def forward(self, batch: TransitionBatch) -> torch.Tensor:
        return batch.reward.float() + batch.next_obs.float().reshape(batch.batch_size, -1)[:, 0]


def test_a_stateless_shaper_is_checked_for_batch_invariance():
    assert "batch invariance" in check_shaper(RewardPlusRow("cpu"))


class BatchCentred(RewardPlusRow):
    """Subtracts the batch mean: each row depends on the others."""

    def forward(self, batch):
        out = super().forward(batch)
        return out - out.mean()


class Float64(RewardPlusRow):
    def forward(self, batch):
        return super().forward(batch).double()


class Unseeded(RewardPlusRow):
    def forward(self, batch):
        return super().forward(batch) + torch.rand(batch.batch_size)


class CounterNotSaved(RewardPlusRow):
    """Counts steps in a Python attribute that state_dict does not save."""

    def __init__(self) -> None:
        super().__init__("cpu")
        self.register_buffer("scale", torch.ones(()))
        self.steps = 0

    def forward(self, batch):
        self.steps += 1
        return super().forward(batch) * self.steps


class ResetsEverything(RewardPlusRow):
    """Per-env totals whose reset ignores the mask."""

    def __init__(self) -> None:
        super().__init__("cpu")
        self.register_buffer("total", torch.zeros(0))

    def setup(self, observation_space, action_space, num_envs):
        self.total = torch.zeros(num_envs)

    def forward(self, batch):
        self.total = self.total + super().forward(batch)
        return self.total.clone()

    def reset(self, done_mask):
        self.total = torch.zeros_like(self.total)


class NaNs(RewardPlusRow):
    def forward(self, batch):
        return super().forward(batch) * float("nan")


class Pixels(RewardPlusRow):
    requires = frozenset({"next_obs"})

    def __init__(self) -> None:
        super().__init__("cpu")
        self.requires = frozenset({"pixels"})


@pytest.mark.parametrize("shaper, check, detail", [
    (BatchCentred("cpu"), "batch invariance", "when only the other rows changed"),
    (Float64("cpu"), "contract", "torch.float64, not float32"),
    (Unseeded("cpu"), "contract", "two shapers built alike"),
    (CounterNotSaved(), "state round trip", "save every piece of state"),
    (ResetsEverything(), "reset", "all-false mask changed"),
    (NaNs("cpu"), "contract", "non-finite"),
    (Pixels(), "contract", "unknown inputs \\['pixels'\\]"),
])
def test_shapers_breaking_the_contract_are_caught(shaper, check, detail):
    with pytest.raises(ShaperContractError, match=f"failed the {check} check: .*{detail}"):
        check_shaper(shaper)


def test_random_batches_are_seeded_and_hold_every_input():
    a, b = random_batch(n=4, seed=1), random_batch(n=4, seed=1)
    assert torch.equal(a.next_obs, b.next_obs) and a.instruction == b.instruction and len(a.instruction) == 4
    assert not torch.equal(a.next_obs, random_batch(n=4, seed=2).next_obs)
    assert a.next_obs.shape == (4, 7, 7) and a.frames.shape == (4, 16, 16, 3) and a.state_key.dtype == torch.int64
