"""Every intrinsic shaper on every observation kind: shapes, dtype, device, resets, resuming."""
from __future__ import annotations

import dataclasses
import io

import pytest
import torch
from intrinsic_helpers import SPACES, build, make_batch

from reward_plugins import available_shapers

SHAPERS = ["count", "episodic_count", "rnd", "icm", "e3b", "global_episodic"]
DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
SMALL = {"rnd": {"feature_dim": 16}, "icm": {"feature_dim": 16}, "e3b": {"feature_dim": 16},
         "global_episodic": {"global_kwargs": {"feature_dim": 16}, "episodic_kwargs": {"feature_dim": 16}}}


def test_all_intrinsic_shapers_are_registered():
    assert set(SHAPERS) <= set(available_shapers())


@pytest.mark.parametrize("space_name", sorted(SPACES))
@pytest.mark.parametrize("name", SHAPERS)
@pytest.mark.parametrize("device", DEVICES)
def test_reward_shape_dtype_device(name, space_name, device):
    space = SPACES[space_name]
    shaper = build(name, space, num_envs=3, device=device, **SMALL.get(name, {}))
    batch = make_batch(space, 3).to(device)
    reward = shaper(batch)
    assert reward.shape == (3,)
    assert reward.dtype == torch.float32
    assert reward.device.type == device
    assert torch.isfinite(reward).all() and (reward >= 0).all()
    stats = shaper.update(batch)
    assert all(isinstance(v, float) for v in stats.values())
    shaper.reset(torch.tensor([True, False, True], device=device))
    assert shaper(batch).shape == (3,)


@pytest.mark.parametrize("name", SHAPERS)
@pytest.mark.parametrize("space_name", ["grid7x7", "image84_hwc"])
def test_state_dict_round_trip_resumes_identically(name, space_name):
    space = SPACES[space_name]
    shaper = build(name, space, num_envs=3, **SMALL.get(name, {}))
    for t in range(2):
        batch = make_batch(space, 3, seed=t)
        shaper(batch)
        shaper.update(batch)
    shaper.reset(torch.tensor([False, True, False]))
    buffer = io.BytesIO()
    torch.save(shaper.state_dict(), buffer)
    buffer.seek(0)
    clone = build(name, space, num_envs=3, **SMALL.get(name, {}))
    clone.load_state_dict(torch.load(buffer, weights_only=False))
    for t in (0, 2):
        batch = make_batch(space, 3, seed=t)
        torch.testing.assert_close(clone(batch), shaper(batch), rtol=0, atol=0)
        assert clone.update(batch) == shaper.update(batch)


@pytest.mark.parametrize("name", ["rnd", "icm", "e3b"])
def test_update_reusing_the_forward_graph_equals_recomputing_it(name):
    """forward keeps its graph for update on the same batch object; a copy of the batch takes
    the recomputing path. Both must train the same parameters, invalid rows excluded."""
    space = SPACES["grid7x7"]
    fused, recomputed = (build(name, space, num_envs=4, feature_dim=16) for _ in range(2))
    for t in range(2):
        batch = make_batch(space, 4, seed=t)
        batch.valid = torch.tensor([True, False, True, True])
        fused(batch)
        recomputed(batch)
        stats = fused.update(batch)
        assert stats == pytest.approx(recomputed.update(dataclasses.replace(batch)), rel=1e-5)
    for (key, a), b in zip(fused.state_dict().items(), recomputed.state_dict().values()):
        if isinstance(a, torch.Tensor):
            torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6, msg=key)
