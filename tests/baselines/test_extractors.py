"""Feature extractors: output sizes for grids, images, text and Dicts; automatic selection."""
import numpy as np
import pytest
import torch
from gymnasium import spaces
from stable_baselines3.common.torch_layers import NatureCNN

from baselines.extractors import (
    MultiInputExtractor,
    SmallGridCNN,
    TextHashExtractor,
    default_policy,
    policy_kwargs_for,
)

GRID_6 = spaces.Box(0, 6, (6, 6), np.uint8)
GRID_7 = spaces.Box(0, 6, (7, 7), np.uint8)
IMAGE_84 = spaces.Box(0, 255, (3, 84, 84), np.uint8)
SMALL_IMAGE = spaces.Box(0, 255, (16, 16, 3), np.uint8)
TEXT = spaces.Box(0, 255, (64,), np.uint8)


def _batch(space, n=3):
    return torch.as_tensor(np.stack([space.sample() for _ in range(n)])).float()


@pytest.mark.parametrize("space", [GRID_6, GRID_7, SMALL_IMAGE])
def test_small_grid_cnn_keeps_spatial_size_and_outputs_features_dim(space):
    extractor = SmallGridCNN(space, features_dim=64)
    assert extractor.features_dim == 64
    assert extractor(_batch(space)).shape == (3, 64)


def test_small_grid_cnn_one_hot_encodes_tile_codes():
    extractor = SmallGridCNN(GRID_6)
    assert extractor.n_codes == 7
    conv = extractor.cnn[0]
    assert conv.in_channels == 7 and conv.stride == (1, 1) and conv.padding == (1, 1)
    seen = []
    conv.register_forward_hook(lambda module, inputs, output: seen.append(inputs[0]))
    grid = torch.as_tensor(np.random.default_rng(0).integers(0, 7, (2, 6, 6)))
    extractor(grid.float())
    expected = torch.nn.functional.one_hot(grid, 7).permute(0, 3, 1, 2).float()
    assert torch.equal(seen[0], expected)  # one channel per tile code, not the raw codes


def test_text_hash_extractor_ignores_padding_and_sees_content():
    extractor = TextHashExtractor(TEXT, features_dim=16)
    text = np.zeros((2, 64), np.uint8)
    text[0, :5] = np.frombuffer(b"hello", np.uint8)
    text[1, :5] = np.frombuffer(b"world", np.uint8)
    out = extractor(torch.as_tensor(text).float())
    assert out.shape == (2, 16)
    assert not torch.allclose(out[0], out[1])
    padded = np.zeros((1, 64), np.uint8)
    padded[0, 10:15] = text[0, :5]
    assert torch.allclose(extractor(torch.as_tensor(padded).float()), out[:1])


def test_multi_input_extractor_concatenates_per_key_features():
    space = spaces.Dict({"grid": GRID_7, "image": IMAGE_84, "text": TEXT, "vec": spaces.Box(-1, 1, (5,))})
    extractor = MultiInputExtractor(space, grid_features_dim=32, image_features_dim=64, text_features_dim=16)
    assert extractor.features_dim == 32 + 64 + 16 + 5
    batch = {k: torch.as_tensor(np.stack([s.sample() for _ in range(2)])).float() for k, s in space.spaces.items()}
    assert extractor(batch).shape == (2, extractor.features_dim)


@pytest.mark.parametrize(
    "space, expected",
    [
        (GRID_6, SmallGridCNN),
        (IMAGE_84, NatureCNN),
        (SMALL_IMAGE, SmallGridCNN),
        (TEXT, TextHashExtractor),
        (spaces.Dict({"grid": GRID_6}), MultiInputExtractor),
    ],
)
def test_policy_kwargs_for_picks_the_extractor(space, expected):
    assert policy_kwargs_for(space)["features_extractor_class"] is expected


def test_flat_vectors_keep_sb3_defaults():
    assert policy_kwargs_for(spaces.Box(-1, 1, (4,))) == {}
    assert policy_kwargs_for(spaces.Discrete(5)) == {}


def test_raw_tile_codes_reach_the_grid_extractor():
    assert policy_kwargs_for(GRID_6)["normalize_images"] is False
    assert default_policy(GRID_6) == "MlpPolicy"
    assert default_policy(spaces.Dict({"grid": GRID_6})) == "MultiInputPolicy"


def test_images_of_84_pixels_and_up_get_the_nature_cnn_with_scaling():
    kwargs = policy_kwargs_for(IMAGE_84)
    assert kwargs["features_extractor_class"] is NatureCNN and kwargs.get("normalize_images", True)
    assert policy_kwargs_for(SMALL_IMAGE)["features_extractor_class"] is SmallGridCNN  # below 36 px
