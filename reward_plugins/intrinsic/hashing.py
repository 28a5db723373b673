"""State keys for count bonuses, and count tables kept on the shaper's device.

Two ways to turn a batch of observations into ``int64`` keys, both vectorised over the batch:

* :class:`ExactHash`: the raw observation bytes read as 64-bit words ``x_i``, each mixed with
  its position by the SplitMix64 finaliser and summed: ``h(s) = sum_i mix(x_i + c_i)
  (mod 2**64)``; strings (``Text``) enter as an 8-byte BLAKE2 digest of their UTF-8 bytes.
  Distinct states collide with probability about ``2**-64``: counts are exact for grids, text
  and other small discrete states.
* :class:`SimHash`: "#Exploration" (Tang et al., 2017): ``sign(A g(s))`` with a fixed Gaussian
  ``A`` of ``k`` rows over the preprocessed features ``g(s)`` (:func:`encoders.flat_features`),
  the ``k`` bits packed into one key. Nearby high-dimensional states (images, float vectors)
  share a key.

:class:`~reward_plugins.intrinsic.table.CountTable` counts the keys.
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch import Tensor, nn

from .encoders import as_tensor, flat_features

#: Largest SimHash code length: the bits must fit one signed 64-bit key.
MAX_SIMHASH_BITS = 63
#: SplitMix64 constants, as signed 64-bit ints.
_GOLDEN = -7046029254386353131  # 0x9E3779B97F4A7C15
_MIX1 = -4658895280553007687  # 0xBF58476D1CE4E5B9
_MIX2 = -7723592293110705685  # 0x94D049BB133111EB


def _shift_right(z: Tensor, bits: int) -> Tensor:
    """Logical right shift of int64 (torch's ``>>`` is arithmetic)."""
    return (z >> bits) & ((1 << (64 - bits)) - 1)


def splitmix(z: Tensor) -> Tensor:
    """The SplitMix64 finaliser, a bijection of int64 that scrambles every bit."""
    z = (z ^ _shift_right(z, 30)) * _MIX1
    z = (z ^ _shift_right(z, 27)) * _MIX2
    return z ^ _shift_right(z, 31)


def observation_bytes(space: gym.Space, obs: Any, device: torch.device | str) -> Tensor:
    """The raw bytes of each observation, ``[B, nbytes]`` uint8 (``Dict`` keys in key order)."""
    if isinstance(space, gym.spaces.Dict):
        if not isinstance(obs, Mapping):
            raise TypeError(f"Dict observation space expects a dict batch, got {type(obs).__name__}")
        return torch.cat([observation_bytes(s, obs[k], device) for k, s in space.spaces.items()], dim=1)
    if isinstance(space, gym.spaces.Text):  # strings of any length: an 8-byte digest of each
        digests = b"".join(hashlib.blake2b(str(t).encode(), digest_size=8).digest() for t in obs)
        return torch.frombuffer(bytearray(digests), dtype=torch.uint8).reshape(-1, 8).to(device)
    x = as_tensor(obs, device)
    if x.dim() == 0:  # the observation of one env in a scalar space (Discrete): a batch of one
        x = x.reshape(1)
    if x.dtype == torch.bool:
        x = x.to(torch.uint8)
    x = x.reshape(x.shape[0], -1).contiguous()
    if x.stride(-1) != 1:  # size-1 axes pass as contiguous with any stride (0 from broadcast single-env batches)
        x = x.clone(memory_format=torch.contiguous_format)
    return x if x.dtype == torch.uint8 else x.view(torch.uint8)


def is_small_discrete(space: gym.Space, max_elements: int = 4096) -> bool:
    """True when exact counts make sense: integer / discrete / text states of modest size."""
    if isinstance(space, gym.spaces.Dict):
        return all(is_small_discrete(s, max_elements) for s in space.spaces.values())
    if isinstance(space, (gym.spaces.Discrete, gym.spaces.MultiDiscrete, gym.spaces.MultiBinary, gym.spaces.Text)):
        return True
    if isinstance(space, gym.spaces.Box):
        return np.issubdtype(space.dtype, np.integer) and int(np.prod(space.shape)) <= max_elements
    return False


class ExactHash(nn.Module):
    """Hash of the observation bytes to ``int64`` (see module docstring); stateless."""

    def __init__(self, observation_space: gym.Space, seed: int = 0) -> None:
        super().__init__()
        self.space = observation_space
        self.seed = int(seed)

    @torch.no_grad()
    def forward(self, obs: Any, device: torch.device | str) -> Tensor:
        data = observation_bytes(self.space, obs, device)
        salt = (self.seed * _MIX1 + 2**63) % 2**64 - 2**63  # wrapped to int64
        if data.device.type == "cpu":  # numpy: the same bits in half the time of small torch ops
            return torch.from_numpy(_hash_rows_numpy(data.numpy(), salt))
        return _hash_rows_torch(data, salt)


def _hash_rows_torch(data: Tensor, salt: int) -> Tensor:
    """:class:`ExactHash` of ``[B, nbytes]`` uint8 rows, on the rows' device."""
    pad = -data.shape[1] % 8
    if pad:
        data = torch.nn.functional.pad(data, (0, pad))
    words = data.view(torch.int64)
    position = torch.arange(1, words.shape[1] + 1, device=words.device) * _GOLDEN + salt
    return splitmix(words + position).sum(dim=1)


def _hash_rows_numpy(data: np.ndarray, salt: int) -> np.ndarray:
    """:class:`ExactHash` of ``[B, nbytes]`` uint8 rows in numpy; int64 keys equal to the torch path's.

    Works in numpy's uint64 (logical shifts, wrapping products), in place on one padded copy.
    """
    words = -(-data.shape[1] // 8)
    z = np.zeros((data.shape[0], 8 * words), dtype=np.uint8)
    z[:, : data.shape[1]] = data
    z = z.view(np.uint64)
    z += np.arange(1, words + 1, dtype=np.uint64) * np.uint64(_GOLDEN % 2**64) + np.uint64(salt % 2**64)
    for shift, mul in ((30, _MIX1), (27, _MIX2)):
        z ^= z >> np.uint64(shift)
        z *= np.uint64(mul % 2**64)
    z ^= z >> np.uint64(31)
    return z.sum(axis=1, dtype=np.uint64).view(np.int64)


class SimHash(nn.Module):
    """``k``-bit SimHash of the preprocessed observation features (see module docstring)."""

    projection: Tensor
    powers: Tensor

    def __init__(self, observation_space: gym.Space, bits: int = 32, seed: int = 0) -> None:
        super().__init__()
        if not 1 <= bits <= MAX_SIMHASH_BITS:
            raise ValueError(f"simhash_bits must be in [1, {MAX_SIMHASH_BITS}], got {bits}")
        self.space = observation_space
        dim = flat_features(observation_space, _one(observation_space), "cpu").shape[1]
        g = torch.Generator().manual_seed(seed)
        self.register_buffer("projection", torch.randn(dim, bits, generator=g))
        self.register_buffer("powers", torch.tensor([1 << i for i in range(bits)], dtype=torch.int64))

    @torch.no_grad()
    def forward(self, obs: Any, device: torch.device | str) -> Tensor:
        feats = flat_features(self.space, obs, self.projection.device)
        bits = (feats @ self.projection) > 0
        return (bits.long() * self.powers).sum(dim=1)


def _one(space: gym.Space) -> Any:
    """A batch of one sample of ``space`` (dicts and strings included)."""
    if isinstance(space, gym.spaces.Dict):
        return {k: _one(s) for k, s in space.spaces.items()}
    if isinstance(space, gym.spaces.Text):
        return [space.sample()]
    return np.asarray(space.sample())[None]
