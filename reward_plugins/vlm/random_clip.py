"""CLIP models with random weights, saved as real model folders: for tests, benchmarks and offline demos.

:func:`save_random_clip` writes what ``CLIPModel.save_pretrained``, a ``CLIPTokenizer`` and a
``CLIPImageProcessor`` write, so the folder loads through the same path as downloaded weights.
The tokenizer is byte-level BPE without merges (every byte its own token), which needs no
vocabulary download. Rewards from random weights mean nothing; speed and plumbing do not care.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from .loading import clip_image_processor_class, require_transformers

#: Tower sizes: ``tiny`` for tests (well under a second to build and run), ``vit-b-32`` for timing
#: (the shape of OpenAI's ViT-B/32 CLIP, 151M parameters).
SIZES: dict[str, dict[str, Any]] = {
    "tiny": {"text": {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2},
             "vision": {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2,
                        "image_size": 32, "patch_size": 8},
             "projection_dim": 16},
    "vit-b-32": {"text": {"hidden_size": 512, "intermediate_size": 2048, "num_hidden_layers": 12,
                          "num_attention_heads": 8},
                 "vision": {"hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12,
                            "num_attention_heads": 12, "image_size": 224, "patch_size": 32},
                 "projection_dim": 512},
}


def _byte_vocabulary() -> dict[str, int]:
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for char in bytes_to_unicode().values():
        vocab[char] = len(vocab)
        vocab[char + "</w>"] = len(vocab)
    return vocab


def save_random_clip(folder: str | os.PathLike[str], size: str = "tiny", seed: int = 0) -> Path:
    """Write a CLIP of ``size`` (:data:`SIZES`) with weights drawn under ``seed`` to ``folder``; return it."""
    transformers = require_transformers()
    sizes = SIZES[size]
    vocab = _byte_vocabulary()
    ids = {"vocab_size": len(vocab), "bos_token_id": 0, "eos_token_id": 1, "pad_token_id": 1,
           "max_position_embeddings": 77}
    config = transformers.CLIPConfig(text_config={**sizes["text"], **ids}, vision_config=sizes["vision"],
                                     projection_dim=sizes["projection_dim"])
    fork = [torch.cuda.current_device()] if torch.cuda.is_initialized() else []
    with torch.random.fork_rng(devices=fork):  # leaves the caller's random state alone
        torch.manual_seed(seed)
        model = transformers.CLIPModel(config)
    out = Path(folder)
    model.save_pretrained(out)
    transformers.CLIPTokenizer(vocab=vocab, merges=[]).save_pretrained(out)
    side = sizes["vision"]["image_size"]
    processor_class = clip_image_processor_class()
    processor_class(size={"shortest_edge": side}, crop_size={"height": side, "width": side}).save_pretrained(out)
    return out
