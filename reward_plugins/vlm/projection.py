"""VLM-RM's goal-baseline projection reward (Rocamonde et al., 2024), on any normalised embeddings.

With ``x`` the normalised embedding of an observation, ``g`` and ``b`` the means of the normalised
embeddings of the goal and the baseline prompts, ``d = g - b`` and

    P = alpha * d d^T / ||d||^2 + (1 - alpha) * I,

the reward is ``1 - ||P (x - g)||^2 / 2``. ``alpha = 0`` gives ``P = I`` and the reward
``1 - ||x - g||^2 / 2``, which is the cosine similarity ``x . g`` when ``g`` has unit norm (one
goal prompt); ``alpha = 1`` keeps only the component of ``x - g`` along ``d``: the reward then
measures progress from the baseline towards the goal and ignores every direction in which the
observation differs from both (background, colours, clutter). VLM-RM's shipped configs use
``alpha = 0.5``, the default here.

``P`` is never formed: with ``v = x - g`` and ``u = d / ||d||``,
``||P v||^2 = (1 - alpha)^2 ||v||^2 + (1 - (1 - alpha)^2) (u . v)^2``, so each row costs ``O(D)``
and every row may have its own goal (goal-conditioned envs).
"""
from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

from ..errors import ShaperConfigError

#: Default weight of the goal-baseline direction (VLM-RM's shipped configs).
DEFAULT_ALPHA = 0.5


def check_alpha(alpha: float) -> float:
    """``alpha`` as a float in ``[0, 1]``, else a :class:`ShaperConfigError`."""
    try:
        value = float(alpha)
    except (TypeError, ValueError):
        raise ShaperConfigError(f"alpha must be a number in [0, 1], got {alpha!r}") from None
    if not 0.0 <= value <= 1.0:
        raise ShaperConfigError(f"alpha must be in [0, 1] (0: plain goal similarity, 1: only the goal-baseline "
                                f"direction), got {value}")
    return value


def mean_direction(embeddings: Tensor) -> Tensor:
    """The mean of the L2-normalised rows of ``embeddings`` ``[N, D]``, ``[D]`` (not renormalised, as VLM-RM)."""
    return F.normalize(embeddings.float(), dim=-1).mean(dim=0)


def projected_reward(x: Tensor, goal: Tensor, baseline: Tensor | None, alpha: float) -> Tensor:
    """``1 - ||P (x - g)||^2 / 2`` per row (see the module docstring), float32 ``[B]``.

    :param x: ``[B, D]`` observation embeddings (normalised here).
    :param goal: ``[D]`` or ``[B, D]`` goal embeddings ``g`` (means of normalised prompt embeddings).
    :param baseline: ``[D]`` or ``[B, D]`` baseline embeddings ``b``; ``None`` only with ``alpha = 0``.
    :param alpha: weight of the goal-baseline direction, in ``[0, 1]``.
    """
    x = F.normalize(x.float(), dim=-1)
    v = x - goal.float()
    keep = (1.0 - alpha) ** 2
    squared = keep * v.square().sum(dim=-1)
    if alpha > 0.0:
        if baseline is None:
            raise ShaperConfigError("alpha > 0 needs baseline prompts (the goal-baseline direction)")
        u = F.normalize((goal.float() - baseline.float()).expand_as(v), dim=-1)
        squared = squared + (1.0 - keep) * (u * v).sum(dim=-1).square()
    return 1.0 - 0.5 * squared
