"""A frozen CLIP model through ``transformers``: normalised text and frame embeddings, batched on one device."""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from ..base import resolve_device
from ..errors import ModelLoadError
from .loading import (
    SharedOnCopy,
    clip_image_processor_class,
    from_pretrained,
    is_model_id,
    require_transformers,
    torch_dtype,
)
from .preprocess import ImageTransform

#: The model most VLM-RM reproductions start from (OpenAI's ViT-B/32).
DEFAULT_CLIP = "openai/clip-vit-base-patch32"
SAVE_HINT = ("python -c \"from transformers import CLIPModel, CLIPProcessor; m = '{model}'; "
             "CLIPModel.from_pretrained(m).save_pretrained('clip'); "
             "CLIPProcessor.from_pretrained(m).save_pretrained('clip')\"")


def _features(out: Any) -> Tensor:
    """Projected features of ``get_*_features``: a tensor (transformers 4) or ``pooler_output`` (transformers 5)."""
    return out if isinstance(out, Tensor) else out.pooler_output


@dataclass(eq=False)
class CLIPEmbedder(SharedOnCopy):
    """CLIP's image and text towers with their tokenizer and a torch :class:`ImageTransform`.

    Weights sit on :attr:`device` in :attr:`dtype`, frozen and in eval mode; embeddings come back
    float32 and L2-normalised.
    """

    model: Any
    tokenizer: Any
    transform: ImageTransform
    device: torch.device
    dtype: torch.dtype
    source: str

    @torch.no_grad()
    def embed_text(self, texts: list[str]) -> Tensor:
        """``[N, D]`` normalised embeddings of ``texts`` (truncated to the model's context length)."""
        tokens = self.tokenizer(list(texts), padding=True, truncation=True, return_tensors="pt").to(self.device)
        out = self.model.get_text_features(input_ids=tokens["input_ids"], attention_mask=tokens["attention_mask"])
        return F.normalize(_features(out).float(), dim=-1)

    @torch.no_grad()
    def embed_frames(self, frames: Tensor, chunk_size: int = 256) -> Tensor:
        """``[B, D]`` normalised embeddings of ``[B, H, W, 3]`` uint8 frames, ``chunk_size`` frames per forward."""
        frames = frames.to(self.device)
        parts = []
        for start in range(0, int(frames.shape[0]), chunk_size):
            pixels = self.transform(frames[start:start + chunk_size]).to(self.dtype)
            parts.append(F.normalize(_features(self.model.get_image_features(pixel_values=pixels)).float(), dim=-1))
        if not parts:
            return torch.zeros(0, self.model.config.projection_dim, device=self.device)
        return torch.cat(parts)


def load_clip(
    source: str | os.PathLike[str] = DEFAULT_CLIP,
    device: torch.device | str | None = None,
    precision: str | None = None,
    resize: str = "shortest_edge",
) -> CLIPEmbedder:
    """CLIP from a local folder or a model id (see :func:`~reward_plugins.vlm.loading.from_pretrained`).

    :param precision: ``"fp32"``, ``"bf16"`` or ``"fp16"`` (GPU only); ``None``: fp16 on ``cuda``, else fp32.
    :param resize: ``"shortest_edge"`` (CLIPImageProcessor) or ``"squash"`` (VLM-RM); see :mod:`.preprocess`.
    :raises ModelLoadError: the weights are not here and cannot be downloaded (the message says how to get them).
    """
    where = resolve_device(device)
    key = os.fspath(source)
    if Path(key).expanduser().is_dir():
        key = str(Path(key).expanduser().resolve())
    return _load(key, str(where), str(torch_dtype(precision, where)).removeprefix("torch."), resize)


@functools.lru_cache(maxsize=4)
def _load(source: str, device: str, dtype_name: str, resize: str) -> CLIPEmbedder:
    transformers = require_transformers()
    hint = SAVE_HINT.format(model=source if is_model_id(source) else DEFAULT_CLIP)
    dtype = getattr(torch, dtype_name)
    model = from_pretrained(transformers.CLIPModel.from_pretrained, source, "CLIP model", hint)
    tokenizer = from_pretrained(transformers.AutoTokenizer.from_pretrained, source, "CLIP tokenizer", hint)
    processor_class = clip_image_processor_class()
    try:
        config = from_pretrained(processor_class.from_pretrained, source, "CLIP image processor", hint).to_dict()
    except ModelLoadError:  # a folder without preprocessor_config.json: CLIP's defaults at the model's input size
        side = int(model.config.vision_config.image_size)
        config = {"size": {"shortest_edge": side}, "crop_size": {"height": side, "width": side}}
    model = model.to(torch.device(device), dtype).eval().requires_grad_(False)
    transform = ImageTransform.from_processor_config(config, resize)
    return CLIPEmbedder(model, tokenizer, transform, torch.device(device), dtype, source)
