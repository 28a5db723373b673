"""Encoders: one choice per observation space, small grids included, preprocessing in torch."""
from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from intrinsic_helpers import SPACES, sample_obs

from reward_plugins.errors import ShaperConfigError
from reward_plugins.intrinsic.encoders import (
    GridEncoder,
    NatureCNN,
    input_shape,
    make_encoder,
    obs_to_tensor,
    text_features,
)


@pytest.mark.parametrize("space_name", sorted(SPACES))
def test_encoder_maps_preprocessed_batch_to_features(space_name):
    space = SPACES[space_name]
    x = obs_to_tensor(space, sample_obs(space, 5, np.random.default_rng(0)), "cpu")
    parts = x.values() if isinstance(x, dict) else [x]
    assert all(p.dtype == torch.float32 for p in parts)
    assert make_encoder(space, 12)(x).shape == (5, 12)


@pytest.mark.parametrize("side", [1, 6, 7, 10])
def test_small_grids_are_one_hot_and_use_the_padded_conv_encoder(side):
    space = gym.spaces.Box(0, 6, (side, side), np.uint8)
    assert input_shape(space) == (7, side, side)
    assert isinstance(make_encoder(space, 8), GridEncoder)
    grid = torch.randint(0, 7, (2, side, side), dtype=torch.uint8)
    x = obs_to_tensor(space, grid, "cpu")
    assert torch.equal(x.argmax(1), grid.long()) and torch.equal(x.sum(1), torch.ones(2, side, side))


def test_hwc_and_chw_images_give_the_same_input():
    hwc, chw = SPACES["image84_hwc"], SPACES["image84_chw"]
    image = torch.randint(0, 256, (2, 84, 84, 3), dtype=torch.uint8)
    a = obs_to_tensor(hwc, image, "cpu")
    b = obs_to_tensor(chw, image.permute(0, 3, 1, 2), "cpu")
    assert torch.equal(a, b) and a.shape == (2, 3, 84, 84)
    assert float(a.max()) <= 1.0
    assert isinstance(make_encoder(hwc, 8), NatureCNN)


def test_small_multichannel_grid_uses_the_grid_encoder():
    space = gym.spaces.Box(0, 255, (7, 7, 3), np.uint8)  # MiniGrid-style
    assert input_shape(space) == (3, 7, 7)
    assert isinstance(make_encoder(space, 8), GridEncoder)


def test_discrete_observations_are_one_hot():
    x = obs_to_tensor(gym.spaces.MultiDiscrete([2, 3]), np.array([[1, 2], [0, 0]]), "cpu")
    assert x.tolist() == [[0, 1, 0, 0, 1], [1, 0, 1, 0, 0]]


def test_text_features_count_words_and_keep_order_and_symbols():
    x = text_features(["Go north, go!", "", "go NORTH go"], "cpu", buckets=64)
    words, grams = x[:, :32], x[:, 32:]
    assert float(words[0].sum()) == 3 and float(words[0].max()) == 2 and float(x[1].sum()) == 0
    assert torch.equal(words[0], words[2])  # case and punctuation do not change the words ...
    assert float(grams[0].sum()) == len("Go north, go!") - 2  # ... trigrams see the raw text
    order = text_features(["push box left", "left box push"], "cpu")
    boards = text_features(["#####\n#@ $.#\n#####", "#####\n# @$.#\n#####"], "cpu")
    assert not torch.equal(order[0], order[1]) and not torch.equal(boards[0], boards[1])
    assert torch.equal(boards, text_features(["#####\n#@ $.#\n#####", "#####\n# @$.#\n#####"], "cpu"))


def test_unsupported_space_names_the_supported_ones():
    with pytest.raises(ShaperConfigError, match="supported"):
        make_encoder(gym.spaces.Graph(gym.spaces.Discrete(2), None), 8)
