"""Potential-based shaping, F = gamma * Phi(s') - Phi(s), which keeps optimal policies."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, cast

import torch
from torch import Tensor

from ..base import RewardShaper, TransitionBatch
from ..errors import ShaperConfigError
from ..spec import ShaperLike
from .nested import NestedShaper

Potential = Callable[[Any], Tensor]


class PotentialShaping(NestedShaper):
    """``F = gamma * Phi(s') - Phi(s)``, with ``Phi(s') = 0`` when ``s'`` is terminal.

    Ng, Harada & Russell (1999): adding ``F`` leaves the optimal policies of the MDP unchanged
    when ``gamma`` is the agent's discount. A time limit truncates without ending the task, so
    on truncation ``Phi(s')`` keeps its value (the agent bootstraps from ``s'``).

    ``potential`` and ``source`` say how ``Phi`` is evaluated:

    - ``source="obs"``: ``potential`` is a callable on observations (a ``[B, ...]`` tensor or
      dict of them) returning ``[B]``; ``Phi(s) = potential(batch.obs)``, ``Phi(s') =
      potential(batch.next_obs)``. Stateless and exact.
    - ``source="next"`` (default): ``potential`` is a shaper (instance, registry name, spec
      dict) or a callable on the batch, read as ``Phi(s')`` (it sees the after-step view:
      ``next_obs``, ``reward_state``, ``frames``, ``text``). ``Phi(s)`` is the value it gave for
      the same env one step earlier, kept per env. At the first step of an episode the start
      state was never shown, so ``Phi(s_0) = 0`` there: a potential that depends on time as well
      as state (0 at t=0), which keeps policy invariance (Devlin & Kudenko 2012), since
      ``Phi(s_0)`` cannot depend on actions.

    :param requires: inputs a callable potential reads (a shaper declares its own);
        default ``{"next_obs"}`` for ``source="next"``.
    """

    name = "potential"
    #: ``Phi`` of each env's last state (``source="next"``), ``[num_envs]``.
    last_potential: Tensor

    def __init__(
        self,
        potential: RewardShaper | str | dict[str, Any] | Potential,
        gamma: float = 0.99,
        *,
        source: str = "next",
        requires: Iterable[str] | None = None,
        device: torch.device | str | None = None,
    ) -> None:
        if source not in ("next", "obs"):
            raise ShaperConfigError(f"PotentialShaping source must be 'next' or 'obs', got {source!r}")
        if not 0.0 <= gamma <= 1.0:
            raise ShaperConfigError(f"PotentialShaping gamma must be in [0, 1], got {gamma}")
        children: list[ShaperLike] = []
        function: Potential | None = None
        if isinstance(potential, (RewardShaper, str, dict)):
            if source == "obs":
                raise ShaperConfigError("source='obs' needs a callable on observations, not a shaper")
            children, extra = [potential], {"terminated"}
        elif source == "obs":
            function, extra = potential, {"obs", "next_obs", "terminated"}
        else:
            function, extra = potential, {"terminated", *(requires if requires is not None else {"next_obs"})}
        super().__init__(children, extra_requires=extra, device=device)
        #: The callable potential, or ``None`` when the potential is the (only) child shaper.
        self.potential = function
        self.gamma, self.source = gamma, source
        self.per_env("last_potential")

    def _phi(self, batch: TransitionBatch) -> Tensor:
        if self.potential is None:
            return self.child_outputs(batch)[0]
        return self.potential(batch).to(self.device, torch.float32)

    def forward(self, batch: TransitionBatch) -> Tensor:
        keep = (~self.field(batch, "terminated")).to(self.device, torch.float32)
        if self.source == "obs":
            potential = cast(Potential, self.potential)  # __init__ refuses source="obs" without a callable
            phi_s = potential(self.field(batch, "obs")).to(self.device, torch.float32)
            phi_next = potential(self.field(batch, "next_obs")).to(self.device, torch.float32)
            out = self.gamma * keep * phi_next - phi_s
        else:
            phi_next = self._phi(batch)
            self.ensure_size(phi_next.shape[0])
            out = self.gamma * keep * phi_next - self.last_potential
            valid = batch.valid_mask().to(self.device)
            self.last_potential = torch.where(valid, phi_next, self.last_potential)
        valid = batch.valid_mask().to(self.device)
        return torch.where(valid, out, torch.zeros_like(out))

    def reset(self, done_mask: Tensor) -> None:
        super().reset(done_mask)
        if self.last_potential.numel():
            mask = done_mask.to(self.device)
            self.last_potential = torch.where(mask, torch.zeros_like(self.last_potential), self.last_potential)

    def extra_repr(self) -> str:
        return f"gamma={self.gamma}, source={self.source!r}, device={self.device}"
