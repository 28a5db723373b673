"""The shaper contract: TransitionBatch helpers and RewardShaper input checks."""
from __future__ import annotations

import pytest
import torch

from reward_plugins import INPUTS, RewardShaper, TransitionBatch, make_shaper
from reward_plugins.base import finite_rows
from reward_plugins.errors import ShaperConfigError, ShaperDeviceError


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
        _ = TransitionBatch().batch_size


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


class Zero(RewardShaper):
    name = "zero"
    requires = frozenset({"next_obs"})

    def forward(self, batch):
        return torch.zeros(batch.batch_size)


def test_finite_rows_marks_rows_with_nan_or_inf_in_the_fields_read():
    nan, inf = float("nan"), float("inf")
    batch = TransitionBatch(
        obs=torch.tensor([[nan, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]),
        next_obs={"pos": torch.tensor([[0.0], [-inf], [0.0], [0.0]]), "grid": torch.ones(4, 2, dtype=torch.uint8)},
        reward=torch.tensor([0.0, 0.0, inf, 0.0]),
        reward_state={"dist": torch.tensor([0.0, 0.0, 0.0, nan], dtype=torch.float64)},
        done=torch.zeros(4, dtype=torch.bool),
        state_key=torch.arange(4),
        text=["a", "b", "c", "d"],
    )
    assert finite_rows(batch).tolist() == [False, False, False, False]
    assert finite_rows(batch, {"obs"}).tolist() == [False, True, True, True]
    assert finite_rows(batch, {"next_obs", "reward"}).tolist() == [True, False, False, True]
    assert finite_rows(batch, {"reward_state", "text", "state_key", "done"}).tolist() == [True, True, True, False]
    assert finite_rows(TransitionBatch(size=3)).tolist() == [True, True, True]
    huge = torch.full((2, 3), 3e38)  # finite values whose sum overflows are finite rows
    assert finite_rows(TransitionBatch(next_obs=huge)).tolist() == [True, True]


def test_components_default_to_the_shaper_name():
    assert Zero("cpu").components() == ["zero"]
    assert make_shaper("count", device="cpu").components() == ["count"]

    class Unnamed(Zero):
        name = ""

    assert Unnamed("cpu").components() == ["Unnamed"]


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without a GPU")
@pytest.mark.parametrize("device", ["cuda", "cuda:0", torch.device("cuda")])
def test_cuda_without_a_gpu_is_refused_at_construction(device):
    with pytest.raises(ShaperDeviceError, match=r"'cuda.*'.*no CUDA GPU.*available here: cpu"):
        make_shaper("count", device=device)
    with pytest.raises(ShaperDeviceError, match="no CUDA GPU"):
        Zero(device)


def test_missing_gpu_index_mps_and_malformed_devices_are_refused():
    available = torch.cuda.device_count()
    with pytest.raises(ShaperDeviceError, match=f"'cuda:{available}'"):
        Zero(f"cuda:{available}")
    if not torch.backends.mps.is_available():
        with pytest.raises(ShaperDeviceError, match="'mps'.*no MPS"):
            make_shaper("rnd", device="mps")
    for bad in ("gpu", "cuda:x", ""):
        with pytest.raises(ShaperDeviceError, match=f"{bad!r} is not a device"):
            make_shaper("icm", device=bad)
    assert issubclass(ShaperDeviceError, ShaperConfigError)
    assert Zero("cpu").device == torch.device("cpu") and Zero(None).device.type in ("cpu", "cuda")
