"""E3B (Henaff et al., 2022): an episodic elliptical bonus in a feature space learned by inverse dynamics."""
from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from ..base import TransitionBatch
from ..errors import ShaperConfigError
from .common import IntrinsicShaper, as_float_reward, minibatches, space_signature, take
from .dynamics import ActionCodec, InverseModel, encode_pair
from .encoders import batch_size_of, make_encoder


class E3BBonus(IntrinsicShaper):
    """``b = phi(s')^T C^{-1} phi(s')`` with ``C = ridge * I + sum of phi phi^T`` over the episode so far.

    Each env keeps its own ``C^{-1}`` (``cov_inverse``, ``[num_envs, d, d]``), starting at
    ``I / ridge`` and cleared by ``reset``. After scoring, ``phi(s')`` joins the episode by the
    rank-1 Sherman-Morrison update ``C^{-1} <- C^{-1} - u u^T / (1 + b)`` with ``u = C^{-1} phi``,
    batched over envs with ``bmm`` / ``baddbmm``. ``phi`` is an encoder trained with an inverse
    dynamics head in ``update`` (cross-entropy for discrete actions, MSE for continuous).
    Batches hold one transition per env, row ``i`` being env ``i``.

    :param feature_dim: width ``d`` of ``phi``.
    :param ridge: ``lambda`` of the initial ``C = lambda * I``.
    :param lr: Adam learning rate of the encoder and inverse head.
    :param epochs: passes over the batch per ``update`` call.
    :param minibatch_size: rows per gradient step; ``None`` takes one step on the whole batch.
    """

    requires = frozenset({"obs", "next_obs", "action"})
    #: Each env's ``C^{-1}``, ``[num_envs, d, d]``.
    cov_inverse: Tensor

    def __init__(
        self,
        feature_dim: int = 128,
        ridge: float = 0.1,
        lr: float = 1e-3,
        epochs: int = 1,
        minibatch_size: int | None = None,
        *,
        device: torch.device | str | None = None,
        seed: int = 0,
        precision: str = "fp32",
    ) -> None:
        super().__init__(device=device, seed=seed, precision=precision)
        if ridge <= 0:
            raise ShaperConfigError(f"E3B ridge must be positive, got {ridge}")
        self.feature_dim = int(feature_dim)
        self.ridge = float(ridge)
        self.lr = float(lr)
        self.epochs = int(epochs)
        self.minibatch_size = minibatch_size

    def build(self) -> None:
        space, actions = self.spaces()
        self.codec = ActionCodec(actions)
        self.encoder = make_encoder(space, self.feature_dim, self.precision)
        self.inverse = InverseModel(self.feature_dim, self.codec)
        eye = torch.eye(self.feature_dim) / self.ridge
        self.register_buffer("cov_inverse", eye.repeat(self.num_envs, 1, 1))

    def after_build(self) -> None:
        self.optimizer = torch.optim.Adam(self.parameters(), lr=self.lr)

    def state_config(self) -> dict[str, Any]:
        """Feature width, action space and number of envs (they size the networks and ``cov_inverse``)."""
        return {**super().state_config(), "feature_dim": self.feature_dim, "num_envs": self.num_envs,
                "action": space_signature(self.action_space) if self.action_space is not None else None}

    @torch.no_grad()
    def embed(self, batch: TransitionBatch) -> Tensor:
        """``phi(s')``, ``[B, d]``."""
        return self.encoder(self.encoder_input(self.next_input(batch)))

    @torch.no_grad()
    def forward(self, batch: TransitionBatch) -> Tensor:
        self._check_ready()
        valid = self.valid(batch)
        nxt = self.zero_rows(self.encoder_input(self.next_input(batch)), valid)
        self.check_envs(batch_size_of(nxt))
        if self.fuses(batch_size_of(nxt)):
            with torch.enable_grad():
                phi = self.encoder(nxt)
            self.keep_for_update(batch, phi)
            phi = phi.detach()
        else:
            phi = self.encoder(nxt)
        u = torch.bmm(self.cov_inverse, phi.unsqueeze(2)).squeeze(2)
        bonus = (phi * u).sum(dim=1)
        scale = (1.0 + bonus).rsqrt()
        if valid is not None:
            scale = scale * valid
        v = u * scale.unsqueeze(1)
        self.cov_inverse.baddbmm_(v.unsqueeze(2), v.unsqueeze(1), alpha=-1.0)
        return as_float_reward(bonus, valid)

    @torch.no_grad()
    def reset(self, done_mask: Tensor) -> None:
        done = done_mask.to(self.cov_inverse.device, torch.bool).reshape(-1, 1, 1)
        fresh = torch.eye(self.feature_dim, device=self.cov_inverse.device) / self.ridge
        self.cov_inverse.copy_(torch.where(done, fresh, self.cov_inverse))

    def update(self, batch: TransitionBatch) -> dict[str, float]:
        self._check_ready()
        valid = self.valid(batch)
        if self.nothing_to_learn(batch, valid):
            return {}
        kept = self.kept_for(batch)
        if kept is not None:  # forward's graph of phi(s') on this batch: encode only s
            batch = self.training_rows(batch, valid)
            next_phi = kept if valid is None else kept[valid]
            phi = self.encoder(self.encoder_input(self.field(batch, "obs")))
            action = torch.as_tensor(self.field(batch, "action"), device=self.device)
            return {"e3b_inverse_loss": self._step(phi, next_phi, action)}
        batch = self.training_rows(batch, valid)
        obs = self.encoder_input(self.field(batch, "obs"))
        nxt = self.encoder_input(self.next_input(batch))
        action = torch.as_tensor(self.field(batch, "action"), device=self.device)
        losses = []
        for _ in range(self.epochs):
            for index in minibatches(batch_size_of(obs), self.minibatch_size, self.device):
                phi, next_phi = encode_pair(self.encoder, take(obs, index), take(nxt, index))
                losses.append(self._step(phi, next_phi, take(action, index)))
        return {"e3b_inverse_loss": sum(losses) / len(losses)}

    def _step(self, phi: Tensor, next_phi: Tensor, action: Tensor) -> float:
        loss = self.codec.inverse_loss(self.inverse(phi, next_phi), action)
        self.optimize(loss)
        return float(loss.detach())

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, feature_dim={self.feature_dim}, ridge={self.ridge}, lr={self.lr}"
