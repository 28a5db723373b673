"""Observation encoders for the intrinsic shapers: one place decides how a space is embedded.

:func:`obs_to_tensor` turns a batch of raw observations (numpy or torch, any device) into the
float32 network input for its space, in torch; :func:`make_encoder` builds the network that maps
that input to ``feature_dim`` features. The choice per space:

=====================================  ==========================================================
space                                  input (``obs_to_tensor``) -> encoder
=====================================  ==========================================================
``Box`` 1-D / any non-image ``Box``    flattened float -> MLP
``Discrete`` / ``MultiDiscrete``       one-hot (concatenated) -> MLP
``MultiBinary``                        flattened float -> MLP
integer ``Box`` ``[H, W]`` (grids)     one-hot tile codes ``[K, H, W]`` -> padded 3x3 convs, no
                                       striding (works from 1x1; Sokoban's 6x6 / 7x7 included)
small ``Box`` ``[H, W, C]`` or CHW     float ``[C, H, W]`` -> the same padded conv encoder
image ``Box`` (side >= 36), HWC/CHW    ``[C, H, W]`` scaled to [0, 1] -> Nature-CNN (8/4, 4/2, 3/1)
``Text``                               hashed words + char trigrams ``[text_buckets]`` -> MLP
``Dict``                               per-key inputs -> per-key encoders, concatenated -> Linear
=====================================  ==========================================================

Strings (``Text`` spaces, or ``batch.text``) are tokenised in Python, one pass over the batch;
everything after that is batched torch.
"""
from __future__ import annotations

import re
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch import Tensor, nn

from ..errors import ShaperConfigError

#: Images have both spatial sides at least this large (the Nature-CNN minimum); smaller boxes are grids.
IMAGE_MIN_SIDE = 36
#: Integer grids whose largest code is below this are one-hot encoded per tile.
MAX_ONE_HOT_CODES = 32
#: Hash buckets of the text features (words and character trigrams).
TEXT_BUCKETS = 1024
#: A text space or ``batch.text``; used by shapers that read ``batch.text``.
TEXT_SPACE = gym.spaces.Text(max_length=4096)

_TOKEN = re.compile(r"[a-z0-9]+")


def _layout(space: gym.spaces.Box) -> str:
    """``"vector"``, ``"grid2d"``, ``"hwc"`` or ``"chw"`` for a ``Box``."""
    shape = space.shape
    if len(shape) == 2:
        return "grid2d"
    if len(shape) == 3:
        if shape[-1] <= 4 and shape[0] > 4:
            return "hwc"
        if shape[0] <= 4 and shape[-1] > 4:
            return "chw"
        if shape[-1] <= 4:  # tiny on every side: follow the gymnasium convention (HWC)
            return "hwc"
    return "vector"


def _is_image(space: gym.spaces.Box) -> bool:
    layout = _layout(space)
    if layout not in ("hwc", "chw"):
        return False
    h, w = space.shape[:2] if layout == "hwc" else space.shape[1:]
    return min(h, w) >= IMAGE_MIN_SIDE


def _grid_codes(space: gym.spaces.Box) -> int:
    """Number of one-hot classes for an integer ``[H, W]`` grid, or 0 to feed raw values."""
    if not np.issubdtype(space.dtype, np.integer) or not np.all(np.isfinite(space.high)):
        return 0
    if np.any(space.low < 0):
        return 0
    codes = int(np.max(space.high)) + 1
    return codes if codes <= MAX_ONE_HOT_CODES else 0


def _scale(space: gym.spaces.Box) -> float:
    """Divisor mapping uint8-like ranges to [0, 1]."""
    if space.dtype == np.uint8:
        return 255.0
    return 1.0


def input_shape(space: gym.Space) -> tuple[int, ...] | dict[str, tuple[int, ...]]:
    """Shape of one ``obs_to_tensor`` output (without the batch axis)."""
    if isinstance(space, gym.spaces.Dict):
        return {k: input_shape(s) for k, s in space.spaces.items()}  # type: ignore[misc]
    if isinstance(space, gym.spaces.Discrete):
        return (int(space.n),)
    if isinstance(space, gym.spaces.MultiDiscrete):
        return (int(np.sum(space.nvec)),)
    if isinstance(space, gym.spaces.MultiBinary):
        return (int(np.prod(space.shape)),)
    if isinstance(space, gym.spaces.Text):
        return (TEXT_BUCKETS,)
    if isinstance(space, gym.spaces.Box):
        layout = _layout(space)
        if layout == "grid2d":
            h, w = space.shape
            return (max(_grid_codes(space), 1), h, w)
        if layout == "hwc":
            h, w, c = space.shape
            return (c, h, w)
        if layout == "chw":
            return tuple(space.shape)
        return (int(np.prod(space.shape)),)
    raise ShaperConfigError(
        f"intrinsic shapers cannot encode observation space {space!r}; supported: Box, Discrete, "
        "MultiDiscrete, MultiBinary, Text and Dict of those. Wrap the env to flatten other spaces."
    )


def text_features(texts: Sequence[str], device: torch.device | str, buckets: int = TEXT_BUCKETS) -> Tensor:
    """Hashed counts ``[B, buckets]`` (float32).

    Lower-cased words in the first half of the buckets, character trigrams of the raw text in the
    second.

    Words carry the meaning of prose; trigrams keep order and symbols, so "push box left" and
    "left box push" differ, and so do two Sokoban boards in XSB text (``#``, ``@``, ``$``, spaces),
    which have no words at all. CRC32 is stable across processes (Python's ``hash`` is salted).
    """
    half = buckets // 2
    rows: list[int] = []
    cols: list[int] = []
    for i, text in enumerate(texts):
        text = str(text)
        for token in _TOKEN.findall(text.lower()):
            rows.append(i)
            cols.append(zlib.crc32(token.encode()) % half)
        for k in range(len(text) - 2):
            rows.append(i)
            cols.append(half + zlib.crc32(text[k:k + 3].encode()) % (buckets - half))
    out = torch.zeros(len(texts), buckets, dtype=torch.float32, device=device)
    if rows:
        index = torch.tensor([rows, cols], dtype=torch.long, device=device)
        out.index_put_((index[0], index[1]), torch.ones(len(rows), device=device), accumulate=True)
    return out


def as_tensor(x: Any, device: torch.device | str) -> Tensor:
    """``x`` (numpy, torch, or nested lists) as a tensor on ``device`` without changing dtype."""
    if isinstance(x, Tensor):
        return x.to(device, non_blocking=True)
    return torch.as_tensor(np.asarray(x), device=device)


def obs_to_tensor(space: gym.Space, obs: Any, device: torch.device | str,
                  image_dtype: torch.dtype = torch.float32, channels_last: bool = True) -> Tensor | dict[str, Tensor]:
    """Preprocess a batch of raw observations of ``space`` into float32 encoder input on ``device``.

    ``obs`` has a leading batch axis (a dict of such for ``Dict`` spaces, a sequence of strings
    for ``Text``). The output shape per item is :func:`input_shape`. Images come out as
    ``image_dtype`` (bf16 encoders take them without another conversion pass), laid out
    channels-last in memory for the convolutions unless ``channels_last`` is false.
    """
    if isinstance(space, gym.spaces.Dict):
        if not isinstance(obs, Mapping):
            raise ShaperConfigError(f"Dict observation space expects a dict batch, got {type(obs).__name__}")
        return {k: obs_to_tensor(s, obs[k], device, image_dtype, channels_last)  # type: ignore[misc]
                for k, s in space.spaces.items()}
    if isinstance(space, gym.spaces.Text):
        return text_features(list(obs), device)
    x = as_tensor(obs, device)
    if isinstance(space, gym.spaces.Discrete):
        return nn.functional.one_hot(x.long().reshape(-1) - int(space.start), int(space.n)).float()
    if isinstance(space, gym.spaces.MultiDiscrete):
        x = x.long().reshape(x.shape[0], -1)
        nvec = torch.as_tensor(space.nvec.reshape(-1), device=x.device)
        offsets = torch.cumsum(nvec, 0) - nvec
        out = torch.zeros(x.shape[0], int(nvec.sum()), device=x.device)
        return out.scatter_(1, x + offsets, 1.0)
    if isinstance(space, gym.spaces.MultiBinary):
        return x.reshape(x.shape[0], -1).float()
    if isinstance(space, gym.spaces.Box):
        layout = _layout(space)
        if layout == "grid2d":
            codes = _grid_codes(space)
            if codes:
                return nn.functional.one_hot(x.long().clamp_(0, codes - 1), codes).permute(0, 3, 1, 2).float()
            return (x.float() / _scale(space)).unsqueeze(1)
        if layout in ("hwc", "chw"):  # images, channels-last in memory as NatureCNN wants them
            x = x.permute(0, 3, 1, 2) if layout == "hwc" else x
            memory = torch.channels_last if channels_last else torch.contiguous_format
            return x.to(image_dtype, memory_format=memory).div_(_scale(space))
        return x.reshape(x.shape[0], -1).float()
    input_shape(space)  # raises the unsupported-space error
    raise AssertionError("unreachable")


def flat_features(space: gym.Space, obs: Any, device: torch.device | str) -> Tensor:
    """``obs_to_tensor`` flattened to ``[B, D]`` (``Dict`` keys concatenated in key order)."""
    x = obs_to_tensor(space, obs, device, channels_last=False)  # flattening channels-last would copy
    if isinstance(x, dict):
        return torch.cat([v.flatten(1) for v in x.values()], dim=1)
    return x.flatten(1)


def _mlp(in_dim: int, feature_dim: int, hidden: int = 256) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(in_dim, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, feature_dim)
    )


class GridEncoder(nn.Module):
    """Two padded 3x3 convs (stride 1) then a linear layer: works for any ``H, W >= 1``."""

    def __init__(self, in_shape: tuple[int, int, int], feature_dim: int, channels: int = 32) -> None:
        super().__init__()
        c, h, w = in_shape
        self.net = nn.Sequential(
            nn.Conv2d(c, channels, 3, padding=1), nn.ReLU(),
            nn.Conv2d(channels, channels, 3, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(channels * h * w, feature_dim),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


class NatureCNN(nn.Module):
    """Mnih et al. (2015) conv stack (32x8/4, 64x4/2, 64x3/1) then a linear layer; input >= 36 px."""

    def __init__(self, in_shape: tuple[int, int, int], feature_dim: int) -> None:
        super().__init__()
        c, h, w = in_shape
        self.convs = nn.Sequential(
            nn.Conv2d(c, 32, 8, stride=4), nn.ReLU(),
            nn.Conv2d(32, 64, 4, stride=2), nn.ReLU(),
            nn.Conv2d(64, 64, 3, stride=1), nn.ReLU(), nn.Flatten(),
        )
        with torch.no_grad():
            flat = int(self.convs(torch.zeros(1, c, h, w)).shape[1])
        self.head = nn.Linear(flat, feature_dim)

    def forward(self, x: Tensor) -> Tensor:
        # channels-last, as make_encoder lays out the weights: oneDNN's fastest conv layout
        return self.head(self.convs(x.contiguous(memory_format=torch.channels_last)))


class DictEncoder(nn.Module):
    """One encoder per key, features concatenated in key order, projected to ``feature_dim``."""

    def __init__(self, space: gym.spaces.Dict, feature_dim: int) -> None:
        super().__init__()
        self.parts = nn.ModuleDict({k: _build(s, feature_dim) for k, s in space.spaces.items()})
        self.head = nn.Linear(feature_dim * len(self.parts), feature_dim)

    def forward(self, x: Mapping[str, Tensor]) -> Tensor:
        return self.head(torch.relu(torch.cat([enc(x[k]) for k, enc in self.parts.items()], dim=1)))


#: Values of the ``precision`` argument of the learned shapers: the encoders' compute dtype.
PRECISIONS = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}


class MixedPrecision(nn.Module):
    """Runs ``net`` under autocast to ``dtype`` and returns float32 features.

    Its ``state_dict`` is the one of ``net`` alone, so checkpoints move between precisions.

    Parameters, optimizer state and everything computed from the features (bonuses, losses,
    E3B's covariance) stay float32; only the encoder's matmuls and convs run in ``dtype``
    (bf16 roughly halves their time on CPUs with AVX512-BF16 or AMX, and on recent GPUs).
    """

    def __init__(self, net: nn.Module, dtype: torch.dtype) -> None:
        super().__init__()
        self.wrapped = net
        self.dtype = dtype
        self.register_load_state_dict_pre_hook(self._nest_keys)

    def state_dict(self, *args: Any, destination: Any = None, prefix: str = "", keep_vars: bool = False) -> Any:
        """``net``'s entries under this module's own prefix (the keys of an fp32 encoder)."""
        return self.wrapped.state_dict(*args, destination=destination, prefix=prefix, keep_vars=keep_vars)

    @staticmethod
    def _nest_keys(module: nn.Module, state_dict: dict[str, Any], prefix: str, *args: Any) -> None:
        for key in [k for k in state_dict if k.startswith(prefix) and not k.startswith(prefix + "wrapped.")]:
            state_dict[prefix + "wrapped." + key[len(prefix):]] = state_dict.pop(key)

    def forward(self, x: Any) -> Tensor:
        first = next(iter(x.values())) if isinstance(x, Mapping) else x
        with torch.autocast(first.device.type, dtype=self.dtype):
            return self.wrapped(x).float()


def check_precision(precision: str, device: torch.device) -> None:
    """Raise a :class:`ShaperConfigError` for an unknown ``precision`` or fp16 on a CPU."""
    if precision not in PRECISIONS:
        raise ShaperConfigError(f"precision must be one of {sorted(PRECISIONS)}, got {precision!r}")
    if precision == "fp16" and device.type == "cpu":
        raise ShaperConfigError("precision='fp16' needs a GPU; on the CPU use 'bf16' (or 'fp32')")


def make_encoder(observation_space: gym.Space, feature_dim: int, precision: str = "fp32") -> nn.Module:
    """The network mapping ``obs_to_tensor(observation_space, ...)`` to ``[B, feature_dim]``.

    Conv and linear weights are orthogonal with gain sqrt(2), biases zero (as SB3, CleanRL and
    rllte): features start at unit scale, which elliptical and distance bonuses rely on.
    ``precision`` other than ``"fp32"`` wraps the network in :class:`MixedPrecision`.
    """
    encoder = _build(observation_space, feature_dim)
    for module in encoder.modules():
        if isinstance(module, (nn.Linear, nn.Conv2d)):
            nn.init.orthogonal_(module.weight, gain=float(np.sqrt(2)))
            if module.bias is not None:
                nn.init.zeros_(module.bias)
    for module in encoder.modules():
        if isinstance(module, NatureCNN):
            module.to(memory_format=torch.channels_last)  # type: ignore[call-overload]  # .to(device) keeps it
    dtype = PRECISIONS[precision]
    return encoder if dtype is None else MixedPrecision(encoder, dtype)


def _build(observation_space: gym.Space, feature_dim: int) -> nn.Module:
    if isinstance(observation_space, gym.spaces.Dict):
        return DictEncoder(observation_space, feature_dim)
    shape = input_shape(observation_space)
    if len(shape) == 3:
        if isinstance(observation_space, gym.spaces.Box) and _is_image(observation_space):
            return NatureCNN(shape, feature_dim)  # type: ignore[arg-type]
        return GridEncoder(shape, feature_dim)  # type: ignore[arg-type]
    return _mlp(int(np.prod(shape)), feature_dim)  # type: ignore[arg-type]  # not a Dict space: a tuple


def batch_size_of(x: Tensor | Mapping[str, Tensor]) -> int:
    """Leading dimension of an encoder input."""
    if isinstance(x, Mapping):
        return int(next(iter(x.values())).shape[0])
    return int(x.shape[0])
