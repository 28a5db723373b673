"""bf16 encoders: the same bonuses as fp32 up to bf16 rounding, float32 everywhere outside the encoders."""
from __future__ import annotations

import io

import pytest
import torch
from intrinsic_helpers import SPACES, build, make_batch

from reward_plugins.errors import ShaperConfigError

LEARNED = ["rnd", "icm", "e3b"]


@pytest.mark.parametrize("space_name", ["image84_chw", "image84_hwc", "grid7x7", "dict"])
@pytest.mark.parametrize("name", LEARNED)
def test_bf16_bonuses_track_fp32_ones_and_stay_float32(name, space_name):
    space = SPACES[space_name]
    batches = [make_batch(space, 32, seed=s) for s in range(3)]
    fp32 = build(name, space, num_envs=32, feature_dim=32, seed=3)
    bf16 = build(name, space, num_envs=32, feature_dim=32, seed=3, precision="bf16")
    assert all(p.dtype == torch.float32 for p in bf16.parameters())
    for step, batch in enumerate(batches):
        exact, mixed = fp32(batch), bf16(batch)
        assert mixed.dtype == torch.float32 and torch.isfinite(mixed).all()
        if step == 0:  # same weights: bf16's 8-bit mantissa moves bonuses by a few percent
            assert torch.allclose(mixed, exact, rtol=0.1, atol=1e-3 * float(exact.abs().max()))
        # after updates from slightly different gradients, they still rank transitions alike
        assert torch.corrcoef(torch.stack([exact, mixed]))[0, 1] > 0.9
        fp32.update(batch)
        bf16.update(batch)
    if name == "e3b":
        assert bf16.cov_inverse.dtype == torch.float32


@pytest.mark.parametrize("name", LEARNED)
def test_bf16_state_dict_round_trip_resumes_identically(name):
    space = SPACES["image84_chw"]
    batch, later = make_batch(space, 8, seed=0), make_batch(space, 8, seed=1)
    shaper = build(name, space, num_envs=8, feature_dim=16, precision="bf16")
    shaper(batch)
    shaper.update(batch)
    buffer = io.BytesIO()
    torch.save(shaper.state_dict(), buffer)
    clone = build(name, space, num_envs=8, feature_dim=16, precision="bf16", seed=99)
    buffer.seek(0)
    clone.load_state_dict(torch.load(buffer, weights_only=False))
    assert torch.equal(clone(later), shaper(later))


def test_bad_precisions_are_refused_with_the_choices():
    with pytest.raises(ShaperConfigError, match="precision must be one of \\['bf16', 'fp16', 'fp32'\\]"):
        build("rnd", SPACES["grid7x7"], num_envs=2, precision="int8")
    with pytest.raises(ShaperConfigError, match="fp16' needs a GPU; on the CPU use 'bf16'"):
        build("e3b", SPACES["grid7x7"], num_envs=2, precision="fp16")


@pytest.mark.parametrize("source, target", [("fp32", "bf16"), ("bf16", "fp32")])
@pytest.mark.parametrize("name", LEARNED)
def test_checkpoints_move_between_precisions(name, source, target):
    space = SPACES["grid7x7"]
    batch = make_batch(space, 8, seed=0)
    trained = build(name, space, num_envs=8, feature_dim=16, precision=source)
    trained(batch)
    trained.update(batch)
    resumed = build(name, space, num_envs=8, feature_dim=16, precision=target, seed=5)
    resumed.load_state_dict(trained.state_dict())
    assert trained.state_dict().keys() == resumed.state_dict().keys()
    for (key, a), b in zip(trained.state_dict().items(), resumed.state_dict().values()):
        if isinstance(a, torch.Tensor):
            assert torch.equal(a, b), key
