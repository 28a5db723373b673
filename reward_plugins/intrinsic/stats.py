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

    mean: Tensor
    var: Tensor
    count: Tensor

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
        rows, item_order = _as_rows(x.float())
        batch_mean = rows.mean(0)
        batch_var = (rows - batch_mean).square_().mean(0)  # 3x faster than Tensor.var over dim 0 on CPU
        batch_mean, batch_var = item_order.to_item(batch_mean, self.mean), item_order.to_item(batch_var, self.var)
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
        """``(x - mean) / std``, optionally clipped to ``[-clip, clip]``, in ``x``'s memory layout."""
        rows, item_order = _as_rows(x)
        out = torch.sub(rows, item_order.to_rows(self.mean)).mul_(item_order.to_rows(self.std.reciprocal()))
        if clip is not None:
            out.clamp_(-clip, clip)
        return item_order.back(out, x)


class _ItemOrder:
    """How the elements of one row of a batch lie in memory.

    In the items' logical order (contiguous batches) or channels-last (``[N, C, H, W]`` images
    stored as NHWC).
    """

    def __init__(self, channels_last: bool) -> None:
        self.channels_last = channels_last

    def to_rows(self, item: Tensor) -> Tensor:
        """A per-item tensor (``[*shape]``) flattened in the rows' element order."""
        return (item.permute(1, 2, 0) if self.channels_last else item).reshape(-1)

    def to_item(self, flat: Tensor, like: Tensor) -> Tensor:
        """A vector in the rows' element order shaped like the per-item tensor ``like``."""
        if self.channels_last:
            c, h, w = like.shape
            return flat.view(h, w, c).permute(2, 0, 1)
        return flat.view(like.shape)

    def back(self, rows: Tensor, like: Tensor) -> Tensor:
        """``[N, D]`` rows as a batch shaped (and laid out) like ``like``."""
        if self.channels_last:
            n, c, h, w = like.shape
            return rows.view(n, h, w, c).permute(0, 3, 1, 2)
        return rows.view(like.shape)


def _as_rows(x: Tensor) -> tuple[Tensor, _ItemOrder]:
    """``x`` (``[N, *shape]``) as a ``[N, D]`` view without copying when its layout allows.

    Reductions over the batch axis run several times faster on it than on a channels-last 4D tensor.
    """
    channels_last = x.dim() == 4 and not x.is_contiguous() and x.is_contiguous(memory_format=torch.channels_last)
    if channels_last:
        return x.permute(0, 2, 3, 1).reshape(x.shape[0], -1), _ItemOrder(True)
    return x.reshape(x.shape[0], -1), _ItemOrder(False)
