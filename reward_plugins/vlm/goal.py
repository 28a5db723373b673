"""What ``vlm_clip`` and ``embedding_goal`` share: goal and baseline prompts, alpha, the projected reward.

Subclasses embed text (:meth:`GoalShaper.embed_texts`) and observations
(:meth:`GoalShaper.embed_observations`); this base turns prompts into the goal ``g`` and baseline
``b`` once, or embeds each env's instruction (``batch.instruction``) once per distinct string when
no goal prompts are given, and scores with :func:`~reward_plugins.vlm.projection.projected_reward`.
"""
from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence

import torch
from torch import Tensor

from ..base import RewardShaper, TransitionBatch
from ..errors import ShaperConfigError
from .cache import EmbeddingCache
from .projection import DEFAULT_ALPHA, check_alpha, mean_direction, projected_reward

#: Distinct instructions whose embeddings are kept (goal-conditioned envs with many goals).
INSTRUCTION_CACHE = 4096


def prompt_list(prompts: str | Sequence[str] | None, what: str) -> list[str] | None:
    """``prompts`` as a non-empty list of strings (one string is a list of one), or ``None``."""
    if prompts is None:
        return None
    items = [prompts] if isinstance(prompts, str) else list(prompts)
    if not items or not all(isinstance(p, str) and p.strip() for p in items):
        raise ShaperConfigError(f"{what} must be a non-empty string or a non-empty list of them, got {prompts!r}")
    return items


class GoalShaper(RewardShaper):
    """``1 - ||P (x - g)||^2 / 2`` with ``x`` the embedding of the observation (see :mod:`.projection`).

    :param goal_prompts: what success looks like, one string or a list (``g`` is the mean of their
        normalised embeddings). ``None``: each env's own instruction (``batch.instruction``), so one
        shaper serves goal-conditioned envs whose goals differ per env and per episode.
    :param baseline_prompts: a neutral description of the scene (``b``); needed when ``alpha > 0``.
    :param alpha: weight of the goal-baseline direction in ``[0, 1]``; 0 is plain goal similarity,
        1 keeps only the progress along ``g - b``; 0.5 as in VLM-RM's configs.
    :param cache_size: observation embeddings kept by key (frame hash, or text); 0 turns the cache off.
    """

    def __init__(
        self,
        goal_prompts: str | Sequence[str] | None = None,
        baseline_prompts: str | Sequence[str] | None = None,
        alpha: float = DEFAULT_ALPHA,
        cache_size: int = 0,
        *,
        observation_input: str,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__(device)
        self.goal_prompts = prompt_list(goal_prompts, "goal_prompts")
        self.baseline_prompts = prompt_list(baseline_prompts, "baseline_prompts")
        self.alpha = check_alpha(alpha)
        if self.alpha > 0 and self.baseline_prompts is None:
            raise ShaperConfigError(
                f"{type(self).__name__}: alpha={self.alpha} projects onto the goal-baseline direction, so it needs "
                "baseline_prompts (a neutral description of the scene, e.g. 'a Sokoban level' for 'all boxes on "
                "their targets'); or pass alpha=0 for plain goal similarity"
            )
        if int(cache_size) < 0:
            raise ShaperConfigError(f"cache_size must be >= 0 (0 turns the cache off), got {cache_size}")
        self.requires = frozenset({observation_input} | ({"instruction"} if self.goal_prompts is None else set()))
        self.cache = EmbeddingCache(int(cache_size))
        self._instructions = EmbeddingCache(INSTRUCTION_CACHE)
        self._fixed: tuple[Tensor, Tensor | None] | None = None

    @abstractmethod
    def embed_texts(self, texts: list[str]) -> Tensor:
        """``[N, D]`` normalised float32 embeddings of ``texts`` on :attr:`device`."""

    @abstractmethod
    def embed_observations(self, batch: TransitionBatch) -> Tensor:
        """``[B, D]`` normalised float32 embeddings of the batch's observations on :attr:`device`."""

    def goal_and_baseline(self, batch: TransitionBatch) -> tuple[Tensor, Tensor | None]:
        """``g`` (``[D]``, or ``[B, D]`` from instructions) and ``b`` (``[D]`` or ``None``)."""
        if self._fixed is None:
            prompts = (self.goal_prompts, self.baseline_prompts)
            goal, baseline = (None if p is None else mean_direction(self.embed_texts(p)) for p in prompts)
            self._fixed = (goal if goal is not None else torch.empty(0), baseline)
        goal, baseline = self._fixed
        if self.goal_prompts is None:
            instructions = [str(s) for s in self.field(batch, "instruction")]
            goal = self._instructions.get(instructions, lambda rows: self.embed_texts([instructions[i] for i in rows]))
        return goal, baseline

    def forward(self, batch: TransitionBatch) -> Tensor:
        goal, baseline = self.goal_and_baseline(batch)
        x = self.embed_observations(batch)
        return projected_reward(x, goal, baseline, self.alpha).to(self.device, torch.float32)

    def extra_repr(self) -> str:
        goal = "instruction" if self.goal_prompts is None else self.goal_prompts
        return f"goal={goal}, baseline={self.baseline_prompts}, alpha={self.alpha}, device={self.device}"
