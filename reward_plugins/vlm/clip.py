"""``vlm_clip``: VLM-RM's zero-shot CLIP reward on rendered frames (Rocamonde et al., 2024)."""
from __future__ import annotations

import os
from collections.abc import Sequence

import torch
from torch import Tensor

from ..base import TransitionBatch
from ..errors import ShaperConfigError
from .cache import frame_keys
from .clip_model import DEFAULT_CLIP, load_clip
from .goal import GoalShaper
from .projection import DEFAULT_ALPHA


class VLMClipReward(GoalShaper):
    """``1 - ||P (x - g)||^2 / 2`` with ``x`` the CLIP embedding of the frame after the step.

    ``g`` and ``b`` are the mean normalised CLIP text embeddings of the goal and baseline prompts,
    ``P = alpha d d^T / ||d||^2 + (1 - alpha) I`` with ``d = g - b`` (see :mod:`.projection` and
    :class:`~reward_plugins.vlm.goal.GoalShaper` for the prompt and ``alpha`` arguments). Frames
    (``batch.frames``, ``[B, H, W, 3]`` uint8) are preprocessed and embedded in torch on the
    shaper's device, ``chunk_size`` per forward pass; text embeddings are computed once.
    Stateless: nothing in ``state_dict``; the model is loaded once per (model, device, precision)
    in a process and shared.

    :param model: a local folder saved by ``CLIPModel.save_pretrained`` (with its tokenizer and,
        optionally, its ``preprocessor_config.json``) or a Hugging Face model id.
    :param resize: ``"shortest_edge"`` (CLIPImageProcessor's aspect-preserving resize) or
        ``"squash"`` (VLM-RM's resize of both sides).
    :param precision: ``"fp32"``, ``"bf16"`` or ``"fp16"`` (GPU); ``None``: fp16 on ``cuda``, else fp32.
    :param chunk_size: frames per forward pass of the image tower.
    """

    def __init__(
        self,
        model: str | os.PathLike[str] = DEFAULT_CLIP,
        goal_prompts: str | Sequence[str] | None = None,
        baseline_prompts: str | Sequence[str] | None = None,
        alpha: float = DEFAULT_ALPHA,
        resize: str = "shortest_edge",
        cache_size: int = 0,
        chunk_size: int = 256,
        precision: str | None = None,
        *,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__(goal_prompts, baseline_prompts, alpha, cache_size, observation_input="frames",
                         device=device)
        if int(chunk_size) < 1:
            raise ShaperConfigError(f"chunk_size must be >= 1, got {chunk_size}")
        self.chunk_size = int(chunk_size)
        self.clip = load_clip(model, self.device, precision, resize)

    def embed_texts(self, texts: list[str]) -> Tensor:
        return self.clip.embed_text(texts)

    def embed_frames(self, frames: Tensor) -> Tensor:
        """``[B, D]`` normalised embeddings of ``[B, H, W, 3]`` uint8 frames, through the cache when on."""
        frames = frames.to(self.device)
        if not self.cache.capacity:
            return self.clip.embed_frames(frames, self.chunk_size)
        return self.cache.get(frame_keys(frames), lambda rows: self.clip.embed_frames(frames[rows], self.chunk_size))

    def embed_observations(self, batch: TransitionBatch) -> Tensor:
        frames = self.field(batch, "frames")
        if not isinstance(frames, Tensor) or frames.dim() != 4 or frames.shape[-1] != 3 or frames.dtype != torch.uint8:
            shape = tuple(frames.shape) if isinstance(frames, Tensor) else type(frames).__name__
            raise ShaperConfigError(f"vlm_clip scores RGB frames, [B, H, W, 3] uint8; got {shape}")
        return self.embed_frames(frames)
