"""Intrinsic Curiosity Module (Pathak et al., 2017).

Novelty as the error of a forward model in a feature space learned by inverse dynamics.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from ..base import TransitionBatch
from .common import IntrinsicShaper, as_float_reward, minibatches, space_signature, take
from .dynamics import ActionCodec, InverseModel, encode_pair, head
from .encoders import batch_size_of, make_encoder


class ICMBonus(IntrinsicShaper):
    """``r = eta / 2 * ||f(phi(s), a) - phi(s')||^2``.

    ``phi`` is trained only through the inverse model ``g(phi(s), phi(s')) -> a``; the forward
    model ``f`` regresses the detached ``phi(s')`` (the "IDF features" of Burda et al., 2019,
    which keeps ``phi`` from collapsing to make ``f`` trivially right). ``update`` minimises
    ``(1 - beta) * L_inverse + beta * L_forward`` with ``L_forward = 1/2 ||f - phi(s')||^2``.
    Discrete, MultiDiscrete, MultiBinary and Box actions are supported (one-hot inputs and
    cross-entropy, or float inputs and MSE).

    :param feature_dim: width of ``phi``.
    :param eta: reward scale.
    :param beta: weight of the forward loss against the inverse loss.
    :param lr: Adam learning rate.
    :param epochs: passes over the batch per ``update`` call.
    :param minibatch_size: rows per gradient step; ``None`` takes one step on the whole batch.
    """

    requires = frozenset({"obs", "next_obs", "action"})

    def __init__(
        self,
        feature_dim: int = 128,
        eta: float = 1.0,
        beta: float = 0.2,
        lr: float = 1e-3,
        epochs: int = 1,
        minibatch_size: int | None = None,
        *,
        device: torch.device | str | None = None,
        seed: int = 0,
        precision: str = "fp32",
    ) -> None:
        super().__init__(device=device, seed=seed, precision=precision)
        self.feature_dim = int(feature_dim)
        self.eta = float(eta)
        self.beta = float(beta)
        self.lr = float(lr)
        self.epochs = int(epochs)
        self.minibatch_size = minibatch_size

    def build(self) -> None:
        space, actions = self.spaces()
        self.codec = ActionCodec(actions)
        self.encoder = make_encoder(space, self.feature_dim, self.precision)
        self.inverse = InverseModel(self.feature_dim, self.codec)
        self.forward_model = head(self.feature_dim + self.codec.dim, self.feature_dim)

    def after_build(self) -> None:
        self.optimizer = torch.optim.Adam(self.parameters(), lr=self.lr)

    def state_config(self) -> dict[str, Any]:
        """Feature width and action space (they size the networks)."""
        return {**super().state_config(), "feature_dim": self.feature_dim,
                "action": space_signature(self.action_space) if self.action_space is not None else None}

    def _inputs(self, batch: TransitionBatch) -> tuple[Tensor | dict[str, Tensor], Tensor | dict[str, Tensor]]:
        return (self.encoder_input(self.field(batch, "obs")),
                self.encoder_input(self.next_input(batch)))

    def predict_next(self, phi: Tensor, action_code: Tensor) -> Tensor:
        """The forward model's ``f(phi(s), a)``."""
        return self.forward_model(torch.cat([phi, action_code], dim=1))

    @torch.no_grad()
    def forward(self, batch: TransitionBatch) -> Tensor:
        self._check_ready()
        valid = self.valid(batch)
        obs, nxt = (self.zero_rows(x, valid) for x in self._inputs(batch))
        code = self.zero_rows(self.codec.encode(self.field(batch, "action"), self.device), valid)
        if self.fuses(batch_size_of(obs)):
            with torch.enable_grad():
                phi, next_phi = encode_pair(self.encoder, obs, nxt)
                predicted = self.predict_next(phi.detach(), code)
            self.keep_for_update(batch, (phi, next_phi, predicted))
            phi, next_phi, predicted = phi.detach(), next_phi.detach(), predicted.detach()
        else:
            phi, next_phi = encode_pair(self.encoder, obs, nxt)
            predicted = self.predict_next(phi, code)
        error = (predicted - next_phi).square().sum(dim=1)
        return as_float_reward(0.5 * self.eta * error, valid)

    def update(self, batch: TransitionBatch) -> dict[str, float]:
        self._check_ready()
        valid = self.valid(batch)
        if self.nothing_to_learn(batch, valid):
            return {}
        action = torch.as_tensor(self.field(batch, "action"), device=self.device)
        kept = self.kept_for(batch)
        if kept is not None:  # forward's graph on this batch: one step, no recomputation
            phi, next_phi, predicted = kept if valid is None else (t[valid] for t in kept)
            return self._step(phi, next_phi, predicted, action if valid is None else action[valid])
        batch = self.training_rows(batch, valid)
        action = torch.as_tensor(self.field(batch, "action"), device=self.device)
        obs, nxt = self._inputs(batch)
        stats: list[dict[str, float]] = []
        for _ in range(self.epochs):
            for index in minibatches(batch_size_of(obs), self.minibatch_size, self.device):
                a = take(action, index)
                phi, next_phi = encode_pair(self.encoder, take(obs, index), take(nxt, index))
                predicted = self.predict_next(phi.detach(), self.codec.encode(a, self.device))
                stats.append(self._step(phi, next_phi, predicted, a))
        return {k: sum(s[k] for s in stats) / len(stats) for k in stats[0]}

    def _step(self, phi: Tensor, next_phi: Tensor, predicted: Tensor, action: Tensor) -> dict[str, float]:
        """One Adam step on ``(1 - beta) * inverse loss + beta * forward loss``."""
        inverse_loss = self.codec.inverse_loss(self.inverse(phi, next_phi), action)
        forward_loss = 0.5 * (predicted - next_phi.detach()).square().sum(dim=1).mean()
        loss = (1 - self.beta) * inverse_loss + self.beta * forward_loss
        self.optimize(loss)
        return {"icm_inverse_loss": float(inverse_loss.detach()), "icm_forward_loss": float(forward_loss.detach())}

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, feature_dim={self.feature_dim}, eta={self.eta}, beta={self.beta}, lr={self.lr}"
