"""Batched geometry of points and boxes on a screen: the closed forms the grounding shapers use.

Every function takes ``[B, 2]`` points (x, y) and ``[B, 4]`` boxes (x1, y1, x2, y2) in pixels,
float32 on any device, and returns ``[B]`` tensors. Boxes may list their corners in either
order (widths are absolute). No function divides by a width, a height or a screen size without
flooring it, so zero-width boxes and points far off the screen give finite values, never NaN.
"""
from __future__ import annotations

import torch
from torch import Tensor

#: Default floor of a Gaussian's standard deviation, in pixels: a zero-width or zero-height box
#: gets a Gaussian this narrow instead of a division by zero. GUI-G² adds 1e-8 to the covariance
#: instead; the two agree for any box at least a few thousandths of a pixel wide.
MIN_SIGMA = 1e-3


def centre_size(box: Tensor) -> tuple[Tensor, Tensor]:
    """``([B, 2] centres, [B, 2] absolute widths and heights)`` of ``[B, 4]`` boxes."""
    low, high = box[:, :2], box[:, 2:]
    return (low + high) / 2, (high - low).abs()


def as_point(value: Tensor) -> Tensor:
    """``[B, 2]`` points as given, or the centres of ``[B, 4]`` boxes (GUI-G² scores a box's centre)."""
    return centre_size(value)[0] if value.shape[-1] == 4 else value


def gaussian_sigma(box: Tensor, alpha: float, min_sigma: float = MIN_SIGMA) -> Tensor:
    """``[B, 2]`` standard deviations of a box's Gaussian: ``alpha`` x its width and height, floored."""
    return (alpha * centre_size(box)[1]).clamp_min(min_sigma)


def gaussian_point(point: Tensor, box: Tensor, alpha: float, min_sigma: float = MIN_SIGMA) -> Tensor:
    """GUI-G²'s point reward: the box's unnormalised Gaussian density at ``point``, in (0, 1].

    ``exp(-0.5 ((x - cx)^2 / sx^2 + (y - cy)^2 / sy^2))`` with ``sx = alpha * width``,
    ``sy = alpha * height``: 1 at the box centre, ``exp(-0.5 / (4 alpha^2))`` at the middle of an
    edge.
    """
    centre = centre_size(box)[0]
    z = (point - centre) / gaussian_sigma(box, alpha, min_sigma)
    return torch.exp(-0.5 * (z * z).sum(dim=1))


def gaussian_coverage(pred: Tensor, target: Tensor, alpha: float, min_sigma: float = MIN_SIGMA) -> Tensor:
    """GUI-G²'s coverage reward ``exp(-D_B)``, in (0, 1]: 1 for identical boxes.

    ``D_B`` is the Bhattacharyya distance between the two boxes' diagonal Gaussians (each with
    ``sigma = alpha`` x its own width and height): ``1/8 dmu^T S^-1 dmu + 1/2 ln(det S /
    sqrt(det S1 det S2))`` with ``S = (S1 + S2) / 2``, per axis for diagonal covariances.
    """
    var_pred = gaussian_sigma(pred, alpha, min_sigma).square()
    var_target = gaussian_sigma(target, alpha, min_sigma).square()
    mean_var = (var_pred + var_target) / 2
    diff = centre_size(pred)[0] - centre_size(target)[0]
    mahalanobis = (diff * diff / mean_var).sum(dim=1) / 8
    log_ratio = (mean_var.log() - 0.5 * (var_pred.log() + var_target.log())).sum(dim=1) / 2
    return torch.exp(-(mahalanobis + log_ratio))


def inside(point: Tensor, box: Tensor) -> Tensor:
    """``[B]`` bool: the point lies in the box, edges included (as ScreenSpot and GUI-Cursor count a hit)."""
    low = torch.minimum(box[:, :2], box[:, 2:])
    high = torch.maximum(box[:, :2], box[:, 2:])
    return ((point >= low) & (point <= high)).all(dim=1)


#: Screen-normalised coordinates are clamped to +-FAR (a million screens away), so the distances of
#: points at any float32 position stay finite.
FAR = 1e6


def _normalised(point: Tensor, box: Tensor, screen: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Point, box low corner and box high corner in a 1 x 1 screen (sizes floored at 1 pixel)."""
    size = screen.clamp_min(1.0)
    low = (torch.minimum(box[:, :2], box[:, 2:]) / size).clamp(-FAR, FAR)
    high = (torch.maximum(box[:, :2], box[:, 2:]) / size).clamp(-FAR, FAR)
    return (point / size).clamp(-FAR, FAR), low, high


def distance_to_box(point: Tensor, box: Tensor, screen: Tensor) -> Tensor:
    """Euclidean distance from the point to the nearest point of the box, the screen scaled to 1 x 1.

    0 inside the box; GUI-Cursor's ``distance_to_bbox``.
    """
    p, low, high = _normalised(point, box, screen)
    return (p - torch.maximum(low, torch.minimum(p, high))).norm(dim=1)


def centre_closeness(point: Tensor, box: Tensor, screen: Tensor) -> Tensor:
    """GUI-Cursor's centre score ``1 - ratio^5`` inside the box, 0 outside.

    ``ratio`` is the point's distance to the box centre over the centre's distance to a corner,
    both on the screen scaled to 1 x 1; a box of zero size has ratio 0 (score 1 when hit).
    """
    p, low, high = _normalised(point, box, screen)
    centre = (low + high) / 2
    half_diagonal = (high - centre).norm(dim=1)
    ratio = torch.where(half_diagonal > 0, (p - centre).norm(dim=1) / half_diagonal.clamp_min(1e-12),
                        torch.zeros_like(half_diagonal))
    return torch.where(inside(point, box), 1 - ratio.pow(5), torch.zeros_like(ratio))
