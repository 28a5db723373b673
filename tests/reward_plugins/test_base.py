"""The shaper contract: TransitionBatch helpers and RewardShaper input checks."""
from __future__ import annotations

import pytest
import torch

from reward_plugins import INPUTS, RewardShaper, TransitionBatch


def test_batch_size_device_valid_mask_and_select():
    batch = TransitionBatch(
        next_obs={"grid": torch.arange(12).reshape(3, 4)}, reward=torch.tensor([1.0, 2.0, 3.0]), text=["a", "b", "c"]
    )
    assert batch.batch_size == 3 and batch.device == torch.device("cpu")
    assert batch.valid_mask().tolist() == [True, True, True]
    batch.valid = torch.tensor([True, False, True])
    sub = batch.select(batch.valid_mask())
    assert sub.batch_size == 2 and sub.reward.tolist() == [1.0, 3.0] and sub.text == ["a", "c"]
    assert sub.next_obs["grid"][:, 0].tolist() == [0, 8] and sub.valid.tolist() == [True, True]
    assert TransitionBatch(size=5).batch_size == 5
    with pytest.raises(ValueError):
        TransitionBatch().batch_size


def test_to_moves_every_tensor_including_dicts():
    batch = TransitionBatch(reward_state={"pos": torch.zeros(2)}, done=torch.zeros(2, dtype=torch.bool)).to("meta")
    assert batch.reward_state["pos"].device.type == "meta" and batch.done.device.type == "meta"


def test_unknown_requires_are_rejected_and_terminated_is_an_input():
    class Bad(RewardShaper):
        requires = frozenset({"next_obs", "pixels"})

        def forward(self, batch):
            return torch.zeros(batch.batch_size)

    with pytest.raises(TypeError, match="pixels"):
        Bad("cpu")
    assert "terminated" in INPUTS
