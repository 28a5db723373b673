"""GUI-G²'s Gaussian grounding rewards (Tang et al. 2025), batched in torch.

A target element is a 2-D Gaussian centred on its box with ``sigma = alpha`` x its width and
height (``alpha = 0.5`` as GUI-G² ships it). ``gaussian_point`` scores a point by that
Gaussian's density; ``gaussian_coverage`` scores a predicted box by how much its own Gaussian
overlaps the target's; ``gaussian_grounding`` sums the two, as GUI-G² trains with them.
"""
from __future__ import annotations

import torch
from torch import Tensor

from ..base import RewardShaper, TransitionBatch
from ..compose import WeightedSum
from ..errors import ShaperConfigError
from . import geometry
from .keys import CURSOR, PRED_BOX, TARGET_BOX, check_key, read_state


def check_gaussian(alpha: float, min_sigma: float, owner: str) -> None:
    """Refuse a non-positive ``alpha`` or ``min_sigma`` (a Gaussian needs a width)."""
    if not alpha > 0:
        raise ShaperConfigError(f"{owner} alpha (sigma / box size) must be > 0, got {alpha}")
    if not min_sigma > 0:
        raise ShaperConfigError(f"{owner} min_sigma (pixels) must be > 0, got {min_sigma}")


class GaussianPoint(RewardShaper):
    """``exp(-0.5 ((x - cx)^2 / sx^2 + (y - cy)^2 / sy^2))``: GUI-G²'s Gaussian point reward.

    ``(x, y)`` is ``reward_state[point_key]`` (a ``(2,)`` point, or the centre of a ``(4,)``
    box, which is how GUI-G² scores a predicted box); ``(cx, cy)`` and ``sx = alpha * width``,
    ``sy = alpha * height`` come from ``reward_state[target_key]``. 1 at the target's centre,
    ``exp(-0.5)`` one sigma away on one axis; every step scores the state after it, so on its
    own in a multi-step env it pays for hovering (use ``gaussian_potential`` there).

    :param alpha: sigma as a fraction of the box's width and height.
    :param point_key, target_key: the ``reward_state`` entries read.
    :param min_sigma: floor of sigma in pixels, so zero-width boxes score finite values.
    """

    name = "gaussian_point"
    requires = frozenset({"reward_state"})

    def __init__(
        self,
        alpha: float = 0.5,
        point_key: str = CURSOR,
        target_key: str = TARGET_BOX,
        min_sigma: float = geometry.MIN_SIGMA,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__(device)
        check_gaussian(alpha, min_sigma, type(self).__name__)
        self.alpha, self.min_sigma = float(alpha), float(min_sigma)
        self.point_key = check_key(point_key, "point_key", type(self).__name__)
        self.target_key = check_key(target_key, "target_key", type(self).__name__)

    def forward(self, batch: TransitionBatch) -> Tensor:
        owner = type(self).__name__
        point = read_state(batch, self.point_key, columns=(2, 4), argument="point_key", owner=owner,
                           device=self.device)
        target = read_state(batch, self.target_key, columns=(4,), argument="target_key", owner=owner,
                            device=self.device)
        return geometry.gaussian_point(geometry.as_point(point), target, self.alpha, self.min_sigma)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}, point_key={self.point_key!r}, target_key={self.target_key!r}, device={self.device}"


class GaussianCoverage(RewardShaper):
    """``exp(-D_B)``: GUI-G²'s coverage reward of a predicted box.

    ``D_B`` is the Bhattacharyya distance between the Gaussians of ``reward_state[pred_key]``
    and ``reward_state[target_key]``, each with ``sigma = alpha`` x its own width and height
    (see :func:`~reward_plugins.grounding.geometry.gaussian_coverage`). 1 for the target box
    itself; it falls both as the centres part and as the sizes differ.

    :param alpha: sigma as a fraction of each box's width and height.
    :param pred_key, target_key: the ``reward_state`` entries read, ``(4,)`` boxes.
    :param min_sigma: floor of sigma in pixels, so zero-width boxes score finite values.
    """

    name = "gaussian_coverage"
    requires = frozenset({"reward_state"})

    def __init__(
        self,
        alpha: float = 0.5,
        pred_key: str = PRED_BOX,
        target_key: str = TARGET_BOX,
        min_sigma: float = geometry.MIN_SIGMA,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__(device)
        check_gaussian(alpha, min_sigma, type(self).__name__)
        self.alpha, self.min_sigma = float(alpha), float(min_sigma)
        self.pred_key = check_key(pred_key, "pred_key", type(self).__name__)
        self.target_key = check_key(target_key, "target_key", type(self).__name__)

    def forward(self, batch: TransitionBatch) -> Tensor:
        owner = type(self).__name__
        pred = read_state(batch, self.pred_key, columns=(4,), argument="pred_key", owner=owner, device=self.device)
        target = read_state(batch, self.target_key, columns=(4,), argument="target_key", owner=owner,
                            device=self.device)
        return geometry.gaussian_coverage(pred, target, self.alpha, self.min_sigma)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}, pred_key={self.pred_key!r}, target_key={self.target_key!r}, device={self.device}"


class GaussianGrounding(WeightedSum):
    """``point_weight * gaussian_point + coverage_weight * gaussian_coverage``: GUI-G²'s grounding reward.

    GUI-G² trains with the sum of the two (weights 1 and 1), the point term scoring the centre
    of the predicted box; so does this shaper by default (``point_key="pred_box"``). The two
    terms are reported as components ``gaussian_point`` and ``gaussian_coverage``.

    :param alpha: sigma as a fraction of box widths and heights, for both terms.
    :param point_weight, coverage_weight: the weights of the two terms (floats or schedules).
    :param point_key: the point scored by the point term (a point, or a box's centre).
    :param pred_key, target_key: the predicted and the target box.
    :param min_sigma: floor of sigma in pixels.
    """

    name = "gaussian_grounding"

    def __init__(
        self,
        alpha: float = 0.5,
        point_weight: float = 1.0,
        coverage_weight: float = 1.0,
        point_key: str = PRED_BOX,
        pred_key: str = PRED_BOX,
        target_key: str = TARGET_BOX,
        min_sigma: float = geometry.MIN_SIGMA,
        device: torch.device | str | None = None,
    ) -> None:
        point = GaussianPoint(alpha, point_key, target_key, min_sigma, device=device)
        coverage = GaussianCoverage(alpha, pred_key, target_key, min_sigma, device=device)
        super().__init__([point, coverage], weights=[point_weight, coverage_weight], device=point.device)
