"""Gated reward accumulation (G-RA): shaped rewards count only if the outcome is good enough."""
from __future__ import annotations

import torch
from torch import Tensor

from ..base import TransitionBatch
from ..errors import ShaperConfigError
from ..spec import ShaperLike
from .nested import NestedShaper

OUTCOMES = ("return", "last")


class GatedShaping(NestedShaper):
    """G-RA, per episode: immediate rewards are paid only if the outcome reward reaches a threshold.

    Sun et al. 2025, "Stabilizing Long-term Multi-turn RL with Gated Rewards", arXiv:2508.10548:
    immediate rewards are banked and paid at the episode's end only if the outcome reward reaches
    a threshold, so the policy cannot farm them in episodes that fail.

    The exact rule, per env ``i`` and episode:

    - every valid step adds the child's reward to ``A_i`` and the env reward to ``O_i``;
    - the shaper pays 0 on every step except the episode's last (``done``);
    - on the last step it pays ``A_i`` if ``outcome >= threshold`` else 0, where ``outcome`` is
      ``O_i`` (the episode's env return, ``outcome="return"``) or that step's env reward
      (``outcome="last"``); then ``A_i`` and ``O_i`` restart at 0.

    Truncated episodes are judged the same way at truncation.

    :param shaper: the immediate (lower-priority) reward: instance, registry name or spec dict.
    :param threshold: the outcome needed to unlock the banked rewards.
    """

    name = "gated"
    #: Per env: the child's rewards banked this episode (``A_i``), the env's return so far (``O_i``).
    banked: Tensor
    env_return: Tensor

    def __init__(
        self,
        shaper: ShaperLike,
        threshold: float = 1.0,
        outcome: str = "return",
        device: torch.device | str | None = None,
    ) -> None:
        if outcome not in OUTCOMES:
            raise ShaperConfigError(f"GatedShaping outcome must be one of {OUTCOMES}, got {outcome!r}")
        super().__init__([shaper], extra_requires={"reward", "done"}, device=device)
        self.threshold, self.outcome = float(threshold), outcome
        self.per_env("banked")
        self.per_env("env_return")

    def forward(self, batch: TransitionBatch) -> Tensor:
        reward = self.field(batch, "reward").to(self.device, torch.float32)
        done = self.field(batch, "done").to(self.device)
        immediate = self.child_outputs(batch)[0]
        self.ensure_size(immediate.shape[0])
        valid = batch.valid_mask().to(self.device)
        zero = torch.zeros_like(immediate)
        self.banked = self.banked + torch.where(valid, immediate, zero)
        self.env_return = self.env_return + torch.where(valid, reward, zero)
        outcome = self.env_return if self.outcome == "return" else reward
        pay = done & valid & (outcome >= self.threshold)
        return torch.where(pay, self.banked, zero)

    def reset(self, done_mask: Tensor) -> None:
        super().reset(done_mask)
        if self.banked.numel():
            mask = done_mask.to(self.device)
            self.banked = torch.where(mask, torch.zeros_like(self.banked), self.banked)
            self.env_return = torch.where(mask, torch.zeros_like(self.env_return), self.env_return)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, outcome={self.outcome!r}, device={self.device}"
