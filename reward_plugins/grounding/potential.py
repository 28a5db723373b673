"""Potential-based shaping on the Gaussian point value, for multi-step cursor envs."""
from __future__ import annotations

import torch

from ..compose import PotentialShaping
from . import geometry
from .gaussian import GaussianPoint
from .keys import CURSOR, TARGET_BOX


class GaussianPotential(PotentialShaping):
    """``gamma * G(s') - G(s)``, ``G`` the Gaussian point value of the cursor, 0 at terminal states.

    :class:`~reward_plugins.compose.PotentialShaping` with a :class:`GaussianPoint` potential:
    moving the cursor towards the target's centre pays, moving away costs as much, and
    hovering costs ``(1 - gamma) G(s)`` per step, so no policy gains by circling or waiting near
    the target; the state an episode ends in (the click) has potential 0, so the shaped returns
    of every episode differ from the unshaped ones by ``-G(s_0)`` only, and the optimal
    policies (click the target) are those of the unshaped task (Ng, Harada & Russell 1999). As
    in ``potential``, the first step of an episode takes ``G(s_0) = 0`` (the start state is never
    shown to shapers), which keeps that invariance. Pass the agent's discount as ``gamma``.

    :param gamma: the agent's discount.
    :param alpha, point_key, target_key, min_sigma: as :class:`GaussianPoint`.
    """

    name = "gaussian_potential"

    def __init__(
        self,
        gamma: float = 0.99,
        alpha: float = 0.5,
        point_key: str = CURSOR,
        target_key: str = TARGET_BOX,
        min_sigma: float = geometry.MIN_SIGMA,
        device: torch.device | str | None = None,
    ) -> None:
        point = GaussianPoint(alpha, point_key, target_key, min_sigma, device=device)
        super().__init__(point, gamma, device=point.device)
