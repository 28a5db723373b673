"""global_episodic: product, sum and NGU modulation equal the formula of their parts."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from intrinsic_helpers import SPACES, build, make_batch

from reward_plugins.errors import ShaperConfigError

SPACE = SPACES["grid7x7"]


def parts(global_name: str, global_kwargs: dict, episodic_name: str, episodic_kwargs: dict):
    return (build(global_name, SPACE, num_envs=3, **global_kwargs),
            build(episodic_name, SPACE, num_envs=3, **episodic_kwargs))


@pytest.mark.parametrize("mode", ["product", "sum"])
@pytest.mark.parametrize("names", [("rnd", "e3b"), ("count", "episodic_count")])
def test_product_and_sum_of_parts(mode, names):
    g_name, e_name = names
    g_kwargs = {"seed": 3} if g_name == "rnd" else {}
    e_kwargs = {"feature_dim": 16, "seed": 4} if e_name == "e3b" else {}
    combined = build("global_episodic", SPACE, num_envs=3, mode=mode, global_shaper=g_name,
                     episodic_shaper=e_name, global_kwargs=g_kwargs, episodic_kwargs=e_kwargs)
    g_twin, e_twin = parts(g_name, g_kwargs, e_name, e_kwargs)
    for t in range(4):
        batch = make_batch(SPACE, 3, seed=t % 2)
        g, e = g_twin(batch), e_twin(batch)
        expected = g * e if mode == "product" else g + e
        torch.testing.assert_close(combined(batch), expected, rtol=1e-5, atol=1e-6)
        if t == 1:
            done = torch.tensor([True, False, False])
            combined.reset(done)
            e_twin.reset(done)


def test_ngu_modulates_the_episodic_bonus_by_the_normalised_rnd_error():
    combined = build("global_episodic", SPACE, num_envs=3, mode="ngu", max_modulation=2.0,
                     episodic_shaper="episodic_count")
    rnd, episodic = parts("rnd", {"normalize_reward": False}, "episodic_count", {})
    errors = []
    for t in range(4):
        batch = make_batch(SPACE, 3, seed=t)
        g, e = rnd(batch).double().numpy(), episodic(batch).double().numpy()
        errors.append(g)
        history = np.concatenate(errors)
        alpha = 1 + (g - history.mean()) / history.std()
        expected = e * np.clip(alpha, 1, 2.0)
        np.testing.assert_allclose(combined(batch).numpy(), expected, rtol=1e-4)


def test_update_reports_both_parts_and_requires_their_union():
    combined = build("global_episodic", SPACE, num_envs=3, global_shaper="count", episodic_shaper="e3b")
    assert combined.requires == frozenset({"obs", "next_obs", "action"})
    stats = combined.update(make_batch(SPACE, 3))
    assert set(stats) == {"global/distinct_states", "episodic/e3b_inverse_loss"}


def test_unknown_mode_is_rejected():
    with pytest.raises(ShaperConfigError, match="mode"):
        build("global_episodic", SPACE, num_envs=3, mode="max")


def test_parts_are_seeded_from_the_combination_apart():
    combined = build("global_episodic", SPACE, num_envs=3, seed=7, global_kwargs={"feature_dim": 8},
                     episodic_kwargs={"feature_dim": 8})
    assert (combined.global_bonus.seed, combined.episodic_bonus.seed) == (7, 8)
