"""E3B: the Sherman-Morrison bonus equals the explicit elliptical bonus, per env, across resets."""
from __future__ import annotations

import gymnasium as gym
import numpy as np
import torch
from intrinsic_helpers import SPACES, build, make_batch

from reward_plugins import TransitionBatch


def explicit_bonus(history: list[torch.Tensor], phi: torch.Tensor, ridge: float) -> float:
    d = phi.numel()
    cov = ridge * torch.eye(d, dtype=torch.float64)
    for h in history:
        cov += torch.outer(h.double(), h.double())
    return float(phi.double() @ torch.linalg.inv(cov) @ phi.double())


def test_bonus_matches_inverse_of_ridge_plus_outer_products_over_steps_and_resets():
    space = SPACES["vector"]
    ridge = 0.5
    shaper = build("e3b", space, num_envs=3, feature_dim=8, ridge=ridge)
    histories: list[list[torch.Tensor]] = [[], [], []]
    for t in range(6):
        batch = make_batch(space, 3, seed=t)
        phi = shaper.embed(batch)
        expected = [explicit_bonus(histories[i], phi[i], ridge) for i in range(3)]
        bonus = shaper(batch)
        np.testing.assert_allclose(bonus.numpy(), expected, rtol=1e-4)
        for i in range(3):
            histories[i].append(phi[i])
        if t == 3:
            shaper.reset(torch.tensor([False, True, False]))
            histories[1] = []
    fresh = torch.eye(8) / ridge
    shaper.reset(torch.tensor([True, True, True]))
    assert torch.allclose(shaper.cov_inverse, fresh.expand(3, 8, 8))


def test_first_bonus_of_an_episode_is_norm_over_ridge():
    shaper = build("e3b", SPACES["grid7x7"], num_envs=2, feature_dim=16, ridge=0.1)
    batch = make_batch(SPACES["grid7x7"], 2)
    phi = shaper.embed(batch)
    torch.testing.assert_close(shaper(batch), phi.square().sum(1) / 0.1)


def test_bonus_falls_on_a_repeated_state():
    space = SPACES["image84_hwc"]
    shaper = build("e3b", space, num_envs=2, feature_dim=16)
    batch = make_batch(space, 2)
    bonuses = torch.stack([shaper(batch) for _ in range(4)])
    assert (bonuses[1:] < bonuses[:-1]).all()
    assert (bonuses[-1] < 0.5 * bonuses[0]).all()


def test_invalid_rows_leave_the_episode_unchanged():
    space = SPACES["vector"]
    shaper = build("e3b", space, num_envs=2, feature_dim=8)
    batch = make_batch(space, 2)
    batch.valid = torch.tensor([True, False])
    before = shaper.cov_inverse.clone()
    bonus = shaper(batch)
    assert bonus[1] == 0.0
    assert torch.equal(shaper.cov_inverse[1], before[1])
    assert not torch.equal(shaper.cov_inverse[0], before[0])


def test_update_trains_the_encoder_by_inverse_dynamics():
    space = SPACES["vector"]
    shaper = build("e3b", space, num_envs=64, feature_dim=32, lr=3e-3)
    rng = np.random.default_rng(0)
    obs = torch.as_tensor(rng.uniform(-1, 1, (64, 5)).astype(np.float32))
    action = torch.as_tensor(rng.integers(0, 4, 64))
    nxt = obs.clone()
    nxt[torch.arange(64), action] += 0.5  # action k moves coordinate k
    batch = TransitionBatch(obs=obs, next_obs=nxt, action=action)
    losses = [shaper.update(batch)["e3b_inverse_loss"] for _ in range(60)]
    assert losses[-1] < 0.25 * losses[0]


def test_continuous_actions():
    space = SPACES["vector"]
    shaper = build("e3b", space, num_envs=4, action_space=gym.spaces.Box(-1, 1, (2,), np.float32), feature_dim=8)
    batch = make_batch(space, 4)
    batch.action = torch.rand(4, 2)
    assert shaper(batch).shape == (4,)
    assert np.isfinite(shaper.update(batch)["e3b_inverse_loss"])
