"""RND: observation statistics, the reward formula, return normalisation, learning, resuming."""
from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from intrinsic_helpers import SPACES, build, make_batch

from reward_plugins import TransitionBatch


@pytest.mark.parametrize("kind", ["vector", "image84_hwc", "image84_chw"])
def test_observation_statistics_match_numpy(kind):
    space = SPACES[kind]
    shaper = build("rnd", space, num_envs=4)
    seen = []
    for t in range(5):
        batch = make_batch(space, 4, seed=t)
        shaper(batch)
        seen.append(batch.next_obs.numpy())
    seen = np.concatenate(seen).astype(np.float64)
    if kind != "vector":  # the encoder's input: channels first, scaled to [0, 1]
        seen = (seen.transpose(0, 3, 1, 2) if kind.endswith("hwc") else seen) / 255.0
    np.testing.assert_allclose(shaper.obs_rms.mean.numpy(), seen.mean(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(shaper.obs_rms.var.numpy(), seen.var(0), rtol=1e-4, atol=1e-6)
    assert float(shaper.obs_rms.count) == 20


def test_invalid_rows_stay_out_of_the_statistics():
    space = SPACES["vector"]
    shaper = build("rnd", space, num_envs=4)
    batch = make_batch(space, 4)
    batch.valid = torch.tensor([True, True, False, True])
    reward = shaper(batch)
    assert reward[2] == 0.0
    kept = batch.next_obs.numpy()[[0, 1, 3]]
    np.testing.assert_allclose(shaper.obs_rms.mean.numpy(), kept.mean(0), rtol=1e-5)


def test_reward_is_predictor_error_on_clipped_normalised_observations():
    space = SPACES["grid7x7"]
    shaper = build("rnd", space, num_envs=4, normalize_reward=False)
    first = make_batch(space, 4, seed=0)
    shaper(first)
    batch = make_batch(space, 4, seed=1)
    x = torch.nn.functional.one_hot(batch.next_obs.long(), 7).permute(0, 3, 1, 2).float()
    both = torch.cat([torch.nn.functional.one_hot(first.next_obs.long(), 7).permute(0, 3, 1, 2).float(), x])
    mean, var = both.mean(0), both.var(0, unbiased=False)
    normalised = ((x - mean) / var.clamp_min(1e-16).sqrt()).clamp(-5, 5)
    with torch.no_grad():
        expected = (shaper.predictor(normalised) - shaper.target(normalised)).square().mean(1)
    torch.testing.assert_close(shaper(batch), expected, rtol=1e-4, atol=1e-6)


def test_image_reward_is_predictor_error_on_normalised_channels_last_images():
    space = SPACES["image84_hwc"]
    shaper = build("rnd", space, num_envs=4, normalize_reward=False, obs_clip=1.0)
    first, batch = make_batch(space, 4, seed=0), make_batch(space, 4, seed=1)
    shaper(first)

    def chw(b):
        return b.next_obs.permute(0, 3, 1, 2).double() / 255.0

    both = torch.cat([chw(first), chw(batch)])
    mean, var = both.mean(0), both.var(0, unbiased=False)
    normalised = ((chw(batch) - mean) / var.clamp_min(1e-16).sqrt()).clamp(-1, 1).float()
    with torch.no_grad():
        expected = (shaper.predictor(normalised) - shaper.target(normalised)).square().mean(1)
    torch.testing.assert_close(shaper(batch), expected, rtol=1e-3, atol=1e-5)


def test_reward_is_divided_by_std_of_discounted_intrinsic_returns():
    space = SPACES["vector"]
    raw = build("rnd", space, num_envs=3, normalize_reward=False, seed=5)
    scaled = build("rnd", space, num_envs=3, gamma=0.9, seed=5)
    returns = np.zeros(3)
    history = []
    for t in range(4):
        batch = make_batch(space, 3, seed=t)
        error = raw(batch).numpy().astype(np.float64)
        returns = 0.9 * returns + error
        history.append(returns.copy())
        np.testing.assert_allclose(scaled(batch).numpy(), error / np.std(np.concatenate(history)), rtol=1e-4)


def test_bonus_falls_on_repeated_states_after_training():
    space = SPACES["image84_hwc"]
    shaper = build("rnd", space, num_envs=8, normalize_reward=False, lr=1e-3)
    seen, novel = make_batch(space, 8, seed=0), make_batch(space, 8, seed=1)
    shaper(seen)
    shaper(novel)  # both enter the observation statistics
    before = shaper(seen).mean()
    for _ in range(25):
        shaper.update(seen)
    after = shaper(seen).mean()
    assert after < 0.2 * before
    assert after < 0.5 * shaper(novel).mean()


def test_state_dict_round_trip_resumes_identically():
    space = SPACES["grid6x6"]
    shaper = build("rnd", space, num_envs=4)
    for t in range(3):
        batch = make_batch(space, 4, seed=t)
        shaper(batch)
        shaper.update(batch)
    buffer = io.BytesIO()
    torch.save(shaper.state_dict(), buffer)
    buffer.seek(0)
    clone = build("rnd", space, num_envs=4, seed=99)
    clone.load_state_dict(torch.load(buffer, weights_only=False))
    for t in range(3, 6):
        batch = make_batch(space, 4, seed=t)
        torch.testing.assert_close(clone(batch), shaper(batch), rtol=0, atol=0)
        assert clone.update(batch) == shaper.update(batch)


def test_text_input_reads_batch_text():
    from reward_plugins.intrinsic.encoders import text_features

    shaper = build("rnd", SPACES["vector"], num_envs=3, input="text", normalize_reward=False, normalize_obs=False)
    assert shaper.requires == frozenset({"text"})
    texts = ["go north", "open the red door", "go north"]
    reward = shaper(TransitionBatch(text=texts))
    x = text_features(texts, "cpu")
    with torch.no_grad():
        expected = (shaper.predictor(x) - shaper.target(x)).square().mean(1)
    torch.testing.assert_close(reward, expected, rtol=1e-5, atol=1e-7)  # the bonus reads the text ...
    assert reward[0] == reward[2] and reward[0] != reward[1]  # ... and only the text
