"""ICM: the reward formula, inverse-model learning, falling bonuses, action spaces."""
from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from intrinsic_helpers import SPACES, build, make_batch

from reward_plugins import TransitionBatch


def toy_batch(n: int = 64, seed: int = 0) -> TransitionBatch:
    """Action k in {0..3} moves coordinate k of a 5-vector by +0.5: actions are identifiable."""
    rng = np.random.default_rng(seed)
    obs = torch.as_tensor(rng.uniform(-1, 1, (n, 5)).astype(np.float32))
    action = torch.as_tensor(rng.integers(0, 4, n))
    nxt = obs.clone()
    nxt[torch.arange(n), action] += 0.5
    return TransitionBatch(obs=obs, next_obs=nxt, action=action)


def test_reward_is_half_eta_squared_forward_error():
    space = SPACES["grid7x7"]
    shaper = build("icm", space, num_envs=4, eta=0.3)
    batch = make_batch(space, 4)
    with torch.no_grad():
        onehot = lambda g: torch.nn.functional.one_hot(g.long(), 7).permute(0, 3, 1, 2).float()  # noqa: E731
        phi, next_phi = shaper.encoder(onehot(batch.obs)), shaper.encoder(onehot(batch.next_obs))
        a = torch.nn.functional.one_hot(batch.action, 4).float()
        predicted = shaper.forward_model(torch.cat([phi, a], 1))
    expected = 0.15 * (predicted - next_phi).square().sum(1)
    torch.testing.assert_close(shaper(batch), expected, rtol=1e-5, atol=1e-6)


def test_inverse_model_learns_the_action_on_a_toy_batch():
    shaper = build("icm", SPACES["vector"], num_envs=64, lr=3e-3, feature_dim=32)
    batch = toy_batch()
    def accuracy() -> float:
        with torch.no_grad():
            phi, next_phi = shaper.encoder(batch.obs), shaper.encoder(batch.next_obs)
            return shaper.codec.accuracy(shaper.inverse(phi, next_phi), batch.action)
    start = accuracy()
    losses = [shaper.update(batch)["icm_inverse_loss"] for _ in range(60)]
    assert start < 0.6
    assert accuracy() > 0.95
    assert losses[-1] < 0.2 * losses[0]


def test_bonus_falls_on_repeated_transitions_after_training():
    """The inverse loss rescales phi while it trains, so the bonus is compared relative to
    ||phi(s')||^2 (the forward error in units of the feature scale)."""
    shaper = build("icm", SPACES["vector"], num_envs=64, lr=3e-3, feature_dim=32)
    seen, novel = toy_batch(seed=0), toy_batch(seed=1)
    novel.next_obs = novel.next_obs * 3 - 1  # transitions unlike the trained ones

    def relative_bonus(batch: TransitionBatch) -> float:
        with torch.no_grad():
            scale = 0.5 * shaper.encoder(batch.next_obs).square().sum(1)
        return float((shaper(batch) / scale).mean())

    before = relative_bonus(seen)
    for _ in range(40):
        shaper.update(seen)
    after = relative_bonus(seen)
    assert after < 0.1 * before
    assert after < 0.25 * relative_bonus(novel)


@pytest.mark.parametrize(
    "action_space, action",
    [
        (gym.spaces.Box(-1.0, 1.0, (2,), np.float32), torch.rand(4, 2)),
        (gym.spaces.MultiDiscrete([3, 2]), torch.tensor([[0, 1], [2, 0], [1, 1], [2, 1]])),
        (gym.spaces.Discrete(3, start=1), torch.tensor([1, 2, 3, 1])),
    ],
    ids=["box", "multidiscrete", "discrete-start"],
)
def test_action_spaces(action_space, action):
    shaper = build("icm", SPACES["vector"], num_envs=4, action_space=action_space)
    batch = make_batch(SPACES["vector"], 4)
    batch.action = action
    assert shaper(batch).shape == (4,)
    stats = shaper.update(batch)
    assert np.isfinite(stats["icm_inverse_loss"]) and np.isfinite(stats["icm_forward_loss"])
