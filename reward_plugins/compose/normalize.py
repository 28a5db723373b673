"""Running normalisation of a shaper by the spread of its discounted returns (as RND does)."""
from __future__ import annotations

import torch
from torch import Tensor

from ..base import TransitionBatch
from ..errors import ShaperConfigError
from ..spec import ShaperLike
from .nested import NestedShaper

#: Relative variance below which returns count as having no spread.
_NO_SPREAD = 1e-8


class RunningNorm(NestedShaper):
    """``r_t / sqrt(Var[R] + eps)``, with ``R`` the per-env discounted return of the child.

    Each env ``i`` keeps ``R_i <- gamma * R_i + r_i`` over its valid transitions; the variance
    is the population variance of every ``R_i`` value produced so far (this step's included),
    merged batch by batch (Chan et al.), in float64. While the returns have no spread (fewer
    than two seen, or a variance below ``1e-8 * max(mean**2, 1)``, as when every env starts
    with the same bonus) rewards pass unscaled instead of being multiplied by ``1/sqrt(eps)``.
    The mean is not subtracted, so the sign of the reward is kept (Burda et al. 2018, RND).
    With ``reset_on_done`` ``R_i`` restarts at 0 when an episode ends; RND's non-episodic
    intrinsic return is ``reset_on_done=False``.
    Invalid rows give 0 and change nothing.

    :param shaper: the child shaper (instance, registry name or spec dict).
    :param gamma: discount of the return whose spread normalises; 0 normalises by the reward's
        own second moment about its mean.
    :param eps: added to the variance.
    """

    name = "running_norm"
    #: Per env discounted return ``R_i``, ``[num_envs]``.
    returns: Tensor
    #: Count, mean and population variance of every ``R_i`` value so far (float64 scalars).
    count: Tensor
    mean: Tensor
    var: Tensor

    def __init__(
        self,
        shaper: ShaperLike,
        gamma: float = 0.99,
        eps: float = 1e-8,
        reset_on_done: bool = True,
        device: torch.device | str | None = None,
    ) -> None:
        if not 0.0 <= gamma <= 1.0:
            raise ShaperConfigError(f"RunningNorm gamma must be in [0, 1], got {gamma}")
        super().__init__([shaper], device=device)
        self.gamma, self.eps, self.reset_on_done = gamma, eps, reset_on_done
        self.per_env("returns")
        self.register_buffer("count", torch.zeros((), dtype=torch.float64, device=self.device))
        self.register_buffer("mean", torch.zeros((), dtype=torch.float64, device=self.device))
        self.register_buffer("var", torch.ones((), dtype=torch.float64, device=self.device))

    def forward(self, batch: TransitionBatch) -> Tensor:
        reward = self.child_outputs(batch)[0]
        self.ensure_size(reward.shape[0])
        valid = batch.valid_mask().to(self.device)
        self.returns = torch.where(valid, self.gamma * self.returns + reward, self.returns)
        self._merge(self.returns[valid].double())
        spread = self.count >= 2 and self.var > _NO_SPREAD * torch.clamp(self.mean.square(), min=1.0)
        scale = torch.sqrt(self.var + self.eps) if spread else torch.ones_like(self.var)
        out = reward / scale.float()
        return torch.where(valid, out, torch.zeros_like(out))

    def _merge(self, x: Tensor) -> None:
        n = x.numel()
        if n == 0:
            return
        total = self.count + n
        delta = x.mean() - self.mean
        m2 = self.var * self.count + x.var(unbiased=False) * n + delta.square() * self.count * n / total
        self.mean = self.mean + delta * n / total
        self.var = m2 / total
        self.count = total

    def reset(self, done_mask: Tensor) -> None:
        super().reset(done_mask)
        if self.reset_on_done and self.returns.numel():
            self.returns = torch.where(done_mask.to(self.device), torch.zeros_like(self.returns), self.returns)

    def extra_repr(self) -> str:
        return f"gamma={self.gamma}, eps={self.eps}, reset_on_done={self.reset_on_done}, device={self.device}"
