"""CLIP image preprocessing for a whole batch of uint8 frames, in torch on the frames' device.

Two resize modes, then a centre crop to ``crop x crop`` and normalisation by the CLIP mean / std:

- ``"shortest_edge"``: what ``transformers.CLIPImageProcessor`` does: the shorter side to
  ``size`` (the longer one to ``int(size * long / short)``), bicubic with antialiasing, as PIL
  does it: the width pass, then the height pass, each rounded and clipped to uint8. Matches the
  processor's output to within two uint8 levels per pixel (:data:`PROCESSOR_TOLERANCE` after
  normalisation; all but about one value in 10^4 within one level) (tests/reward_plugins/vlm/test_preprocess.py).
- ``"squash"``: VLM-RM's ``image_transform``: both sides to ``size`` (aspect ratio not kept),
  bicubic with antialiasing, in float (no rounding).

One ``interpolate`` call for the batch: no per-frame PIL work, no host round trip.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from ..errors import ShaperConfigError

#: CLIP's normalisation (OpenAI's training set statistics), as transformers' OPENAI_CLIP_MEAN / STD.
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
RESIZE_MODES = ("shortest_edge", "squash")
#: Largest difference from CLIPImageProcessor's pixel values in ``"shortest_edge"`` mode: two uint8
#: levels divided by the smallest CLIP std (fixed-point rounding inside PIL, seen on upscaled noise).
PROCESSOR_TOLERANCE = 2.0 / 255.0 / min(CLIP_STD) + 1e-5


@dataclass(frozen=True)
class ImageTransform:
    """Resize, centre crop and normalise ``[B, H, W, 3]`` uint8 frames to ``[B, 3, crop, crop]`` float.

    :param size: target of the resize (the shorter side, or both sides with ``"squash"``).
    :param crop: side of the square centre crop.
    :param mode: ``"shortest_edge"`` (CLIPImageProcessor) or ``"squash"`` (VLM-RM).
    """

    size: int = 224
    crop: int = 224
    mode: str = "shortest_edge"
    mean: tuple[float, float, float] = CLIP_MEAN
    std: tuple[float, float, float] = CLIP_STD

    def __post_init__(self) -> None:
        if self.mode not in RESIZE_MODES:
            raise ShaperConfigError(f"resize mode must be one of {RESIZE_MODES}, got {self.mode!r}")
        if self.crop > self.size:
            raise ShaperConfigError(f"the crop ({self.crop}) cannot be larger than the resize target ({self.size})")

    @classmethod
    def from_processor_config(cls, config: dict[str, Any], mode: str = "shortest_edge") -> ImageTransform:
        """The transform a ``preprocessor_config.json`` (a CLIPImageProcessor's settings) describes."""
        size = config.get("size", 224)
        size = size.get("shortest_edge", size.get("height", 224)) if isinstance(size, dict) else size
        crop = config.get("crop_size", size)
        crop = crop.get("height", size) if isinstance(crop, dict) else crop
        mean = tuple(config.get("image_mean", CLIP_MEAN))
        std = tuple(config.get("image_std", CLIP_STD))
        return cls(int(size), int(crop), mode, mean, std)  # type: ignore[arg-type]

    def output_size(self, height: int, width: int) -> tuple[int, int]:
        """``(height, width)`` after the resize, before the crop."""
        if self.mode == "squash":
            return self.size, self.size
        if height <= width:
            return self.size, int(self.size * width / height)
        return int(self.size * height / width), self.size

    def __call__(self, frames: Tensor) -> Tensor:
        """``[B, H, W, 3]`` uint8 -> ``[B, 3, crop, crop]`` float32 on the frames' device."""
        if frames.dim() != 4 or frames.shape[-1] != 3 or frames.dtype != torch.uint8:
            raise ShaperConfigError(f"frames must be a [B, H, W, 3] uint8 batch, got {tuple(frames.shape)} "
                                    f"{frames.dtype}")
        x = frames.permute(0, 3, 1, 2).float()
        height, width = self.output_size(int(x.shape[2]), int(x.shape[3]))
        if self.mode == "squash":
            x = _bicubic(x, height, width)
        else:  # PIL: horizontal pass, then vertical, each to uint8
            x = _bicubic(x, int(x.shape[2]), width).round_().clamp_(0, 255)
            x = _bicubic(x, height, width).round_().clamp_(0, 255)
        top, left = (height - self.crop) // 2, (width - self.crop) // 2
        x = x[:, :, top:top + self.crop, left:left + self.crop]
        mean = torch.tensor(self.mean, device=x.device).view(1, 3, 1, 1) * 255.0
        std = torch.tensor(self.std, device=x.device).view(1, 3, 1, 1) * 255.0
        return ((x - mean) / std).contiguous()


def _bicubic(x: Tensor, height: int, width: int) -> Tensor:
    """``x`` ``[B, C, H, W]`` resized to ``height x width`` (antialiased bicubic; unchanged when equal)."""
    if (height, width) == tuple(x.shape[2:]):
        return x
    return F.interpolate(x, size=(height, width), mode="bicubic", antialias=True, align_corners=False)
