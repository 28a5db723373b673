"""Feature extractors for the observation kinds of agentenvs, and automatic selection.

SB3's ``NatureCNN`` needs images of at least 36x36 and treats a 2-D ``uint8`` Box as a flat
vector. Our grid envs emit small tile-code grids (Sokoban-Tiny is 6x6), text envs emit byte
arrays, and rich envs emit Dicts of both. :func:`policy_kwargs_for` picks an extractor from the
observation space:

==========================================  =====================
space                                       extractor
==========================================  =====================
Box uint8 (H, W): tile codes                :class:`SmallGridCNN`
Box uint8 image, H and W >= 36              SB3 ``NatureCNN``
Box uint8 image smaller than 36x36          :class:`SmallGridCNN` (channels, no one-hot)
Box uint8 (L,) with high 255: text bytes    :class:`TextHashExtractor`
Dict of the above (or any flat Box)         :class:`MultiInputExtractor`
anything else                               SB3 default (``FlattenExtractor``)
==========================================  =====================
"""
from __future__ import annotations

from typing import Any, TypeGuard

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces
from stable_baselines3.common.preprocessing import is_image_space
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor, NatureCNN
from torch import Tensor, nn

#: NatureCNN's smallest input side (8x8 stride 4, 4x4 stride 2, 3x3 stride 1).
NATURE_CNN_MIN_SIDE = 36


def is_tile_grid(space: gym.Space) -> TypeGuard[spaces.Box]:
    """A 2-D integer Box: a grid of tile codes."""
    return isinstance(space, spaces.Box) and len(space.shape) == 2 and np.issubdtype(space.dtype, np.integer)


def is_text_bytes(space: gym.Space) -> TypeGuard[spaces.Box]:
    """A 1-D uint8 Box whose values span 0..255: text encoded as (zero-padded) bytes."""
    return (
        isinstance(space, spaces.Box)
        and len(space.shape) == 1
        and space.dtype == np.uint8
        and int(np.max(space.high)) == 255
    )


def _is_image(space: gym.Space) -> TypeGuard[spaces.Box]:
    return isinstance(space, spaces.Box) and is_image_space(space, check_channels=False)


def _image_sides(space: spaces.Box) -> tuple[int, int]:
    """(H, W) of an image Box, channel-first or channel-last."""
    shape = space.shape
    return (shape[1], shape[2]) if shape[0] <= 4 and shape[-1] > 4 else (shape[0], shape[1])


class SmallGridCNN(BaseFeaturesExtractor):
    """3x3 convolutions with padding and no striding, for grids as small as 3x3.

    A 2-D tile-code grid ``(H, W)`` is one-hot encoded in torch to ``(n_codes, H, W)``; a small
    image ``(C, H, W)`` / ``(H, W, C)`` is scaled to [0, 1] instead. Receives raw values: use it
    with ``normalize_images=False`` (:func:`policy_kwargs_for` sets it).

    :param observation_space: the grid (or small image) Box.
    :param features_dim: size of the output features.
    :param channels: output channels of each conv layer.
    :param n_codes: number of tile codes; default ``high.max() + 1`` of the space.
    """

    def __init__(
        self,
        observation_space: spaces.Box,
        features_dim: int = 256,
        channels: tuple[int, ...] = (32, 64),
        n_codes: int | None = None,
    ) -> None:
        super().__init__(observation_space, features_dim)
        self.one_hot = len(observation_space.shape) == 2
        if self.one_hot:
            self.n_codes = int(n_codes if n_codes is not None else int(np.max(observation_space.high)) + 1)
            in_channels, height, width = self.n_codes, *observation_space.shape
            self.channel_last = False
        else:
            shape = observation_space.shape
            self.channel_last = not (shape[0] <= 4 and shape[-1] > 4)
            in_channels = shape[-1] if self.channel_last else shape[0]
            height, width = _image_sides(observation_space)
        layers: list[nn.Module] = []
        for out_channels in channels:
            layers += [nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1), nn.ReLU()]
            in_channels = out_channels
        self.cnn = nn.Sequential(*layers, nn.Flatten())
        self.linear = nn.Sequential(nn.Linear(in_channels * height * width, features_dim), nn.ReLU())

    def forward(self, observations: Tensor) -> Tensor:
        if self.one_hot:
            codes = observations.long().clamp_(0, self.n_codes - 1)
            x = nn.functional.one_hot(codes, self.n_codes).permute(0, 3, 1, 2).float()
        else:
            x = observations.float() / 255.0
            if self.channel_last:
                x = x.permute(0, 3, 1, 2)
        return self.linear(self.cnn(x))


class TextHashExtractor(BaseFeaturesExtractor):
    """Hashed bag of byte n-grams (n = 1..``max_n``) for text encoded as zero-padded uint8 bytes.

    Every n-gram that contains no padding byte is hashed into ``n_buckets`` counts (computed in
    torch, batched), ``log1p``-scaled, then a linear layer maps counts to features. Word order
    beyond ``max_n`` bytes is ignored, as in a bag-of-words model.

    :param observation_space: 1-D uint8 Box of bytes.
    :param features_dim: size of the output features.
    :param n_buckets: hash buckets.
    :param max_n: longest n-gram.
    """

    _PRIMES = (1_000_003, 998_244_353, 19_260_817, 131)
    _MODULUS = 2_147_483_647  # keeps digest * prime inside int64

    def __init__(
        self, observation_space: spaces.Box, features_dim: int = 128, n_buckets: int = 4096, max_n: int = 3
    ) -> None:
        super().__init__(observation_space, features_dim)
        if not 1 <= max_n <= len(self._PRIMES):
            raise ValueError(f"max_n must be in 1..{len(self._PRIMES)}, got {max_n}")
        self.n_buckets = n_buckets
        self.max_n = max_n
        self.linear = nn.Sequential(nn.Linear(n_buckets, features_dim), nn.ReLU())

    def forward(self, observations: Tensor) -> Tensor:
        data = observations.long()
        batch, length = data.shape
        counts = torch.zeros(batch, self.n_buckets, device=data.device)
        for n in range(1, min(self.max_n, length) + 1):
            grams = data.unfold(1, n, 1)  # [B, L - n + 1, n]
            valid = (grams > 0).all(dim=-1)
            digest = torch.full_like(grams[..., 0], n)
            for k in range(n):
                digest = (digest * self._PRIMES[k] + grams[..., k]) % self._MODULUS
            counts.scatter_add_(1, digest % self.n_buckets, valid.float())
        return self.linear(torch.log1p(counts))


class _Scaled(nn.Module):
    """Divide uint8 image input by 255 before an extractor (used inside Dicts)."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, x: Tensor) -> Tensor:
        return self.inner(x.float() / 255.0)


class MultiInputExtractor(BaseFeaturesExtractor):
    """Dict observations: one extractor per key (chosen as for a single space), concatenated.

    Unlike SB3's ``CombinedExtractor`` it handles tile grids, small images and text bytes. Use
    with ``normalize_images=False``: image keys are scaled here.

    :param observation_space: a flat Dict space.
    :param grid_features_dim, image_features_dim, text_features_dim: per-key output sizes.
    """

    def __init__(
        self,
        observation_space: spaces.Dict,
        grid_features_dim: int = 128,
        image_features_dim: int = 256,
        text_features_dim: int = 128,
    ) -> None:
        super().__init__(observation_space, features_dim=1)
        extractors: dict[str, nn.Module] = {}
        total = 0
        for key, space in observation_space.spaces.items():
            if is_tile_grid(space):
                extractors[key], size = SmallGridCNN(space, grid_features_dim), grid_features_dim
            elif _is_image(space) and min(_image_sides(space)) >= NATURE_CNN_MIN_SIDE:
                extractors[key] = _Scaled(NatureCNN(space, image_features_dim, normalized_image=True))
                size = image_features_dim
            elif _is_image(space):
                extractors[key], size = SmallGridCNN(space, image_features_dim), image_features_dim
            elif is_text_bytes(space):
                extractors[key], size = TextHashExtractor(space, text_features_dim), text_features_dim
            else:
                extractors[key], size = nn.Flatten(), spaces.flatdim(space)
            total += size
        self.extractors = nn.ModuleDict(extractors)
        self._features_dim = total

    def forward(self, observations: dict[str, Tensor]) -> Tensor:
        return torch.cat([extractor(observations[key].float()) for key, extractor in self.extractors.items()], dim=1)


def policy_kwargs_for(observation_space: gym.Space) -> dict[str, Any]:
    """``policy_kwargs`` (extractor class, kwargs, ``normalize_images``) suited to the space.

    Returns ``{}`` when SB3's default extractor is right (flat vectors, discrete spaces).
    """
    if isinstance(observation_space, spaces.Dict):
        return dict(features_extractor_class=MultiInputExtractor, normalize_images=False)
    if is_tile_grid(observation_space):
        return dict(features_extractor_class=SmallGridCNN, normalize_images=False)
    if _is_image(observation_space):
        if min(_image_sides(observation_space)) >= NATURE_CNN_MIN_SIDE:
            return dict(features_extractor_class=NatureCNN)
        return dict(features_extractor_class=SmallGridCNN, normalize_images=False)
    if is_text_bytes(observation_space):
        return dict(features_extractor_class=TextHashExtractor, normalize_images=False)
    return {}


def default_policy(observation_space: gym.Space) -> str:
    """The SB3 policy name for ``policy: auto``: MultiInputPolicy for Dicts, else MlpPolicy.

    With :func:`policy_kwargs_for` supplying the extractor, ``MlpPolicy`` is only the name of the
    actor-critic (or Q-network) class; it does not imply an MLP on raw observations.
    """
    return "MultiInputPolicy" if isinstance(observation_space, spaces.Dict) else "MlpPolicy"
