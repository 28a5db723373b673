"""Random Network Distillation (Burda et al., 2019).

Novelty as the error of a predictor trained to match a fixed random network.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from ..base import TransitionBatch
from .common import IntrinsicShaper, as_float_reward, minibatches, take
from .encoders import batch_size_of, input_shape, make_encoder, obs_to_tensor
from .stats import RunningMeanStd


class RNDBonus(IntrinsicShaper):
    """``r = mean_j (f_hat(s')_j - f(s')_j)^2 / sigma_R`` with ``f`` random and fixed, ``f_hat`` trained.

    As in the paper: observations are normalised by running per-element mean / std and clipped
    to ``[-obs_clip, obs_clip]``; the bonus is divided by the running std of the discounted
    intrinsic return ``R <- gamma R + r`` kept per env (non-episodic: never reset). Both
    statistics are updated in ``forward`` (each step's observations, once); the predictor is
    trained in ``update`` on ``update_proportion`` of the batch.

    :param feature_dim: output width of the target and predictor networks.
    :param lr: Adam learning rate of the predictor.
    :param gamma: discount of the intrinsic return used for reward normalisation.
    :param normalize_obs: use the running observation normalisation.
    :param normalize_reward: divide by the running std of intrinsic returns (then a batch must hold
        one transition per env). ``False`` returns the raw prediction error.
    :param obs_clip: clip of the normalised observation.
    :param update_proportion: fraction of the batch the predictor trains on (RND used 0.25).
    :param epochs: passes over the batch per ``update`` call.
    :param minibatch_size: rows per gradient step; ``None`` takes one step on the whole batch.
    """

    requires = frozenset({"next_obs"})
    supports_text_input = True
    #: Per-env discounted intrinsic return ``R``, ``[num_envs]``.
    returns: Tensor

    def __init__(
        self,
        feature_dim: int = 128,
        lr: float = 1e-3,
        gamma: float = 0.99,
        normalize_obs: bool = True,
        normalize_reward: bool = True,
        obs_clip: float = 5.0,
        update_proportion: float = 1.0,
        epochs: int = 1,
        minibatch_size: int | None = None,
        *,
        device: torch.device | str | None = None,
        seed: int = 0,
        precision: str = "fp32",
        input: str = "obs",
    ) -> None:
        super().__init__(device=device, seed=seed, input=input, precision=precision)
        self.feature_dim = int(feature_dim)
        self.lr = float(lr)
        self.gamma = float(gamma)
        self.normalize_obs = bool(normalize_obs)
        self.normalize_reward = bool(normalize_reward)
        self.obs_clip = float(obs_clip)
        self.update_proportion = float(update_proportion)
        self.epochs = int(epochs)
        self.minibatch_size = minibatch_size

    def build(self) -> None:
        space = self.space
        self.target = make_encoder(space, self.feature_dim, self.precision).requires_grad_(False)
        self.predictor = make_encoder(space, self.feature_dim, self.precision)
        shape = input_shape(space)
        if isinstance(shape, dict):
            self.obs_rms: nn.Module = nn.ModuleDict({k: RunningMeanStd(s) for k, s in shape.items()})
        else:
            self.obs_rms = RunningMeanStd(shape)
        self.return_rms = RunningMeanStd()
        self.register_buffer("returns", torch.zeros(self.num_envs))

    def after_build(self) -> None:
        self.optimizer = torch.optim.Adam(self.predictor.parameters(), lr=self.lr)

    def state_config(self) -> dict[str, Any]:
        """Feature width, and the number of envs when per-env intrinsic returns are kept."""
        config = {**super().state_config(), "feature_dim": self.feature_dim}
        if self.normalize_reward:
            config["num_envs"] = self.num_envs
        return config

    def _normalize(self, x: Any, update_rows: Tensor | slice | None = None) -> Any:
        """Normalised ``x``.

        First merges the rows ``update_rows`` (a mask, or ``slice(None)`` for all) into the running
        statistics when given.
        """
        if not self.normalize_obs:
            return x
        parts = x if isinstance(x, dict) else {"": x}
        rms: Any = self.obs_rms if isinstance(x, dict) else {"": self.obs_rms}
        if update_rows is not None:
            for k, v in parts.items():
                rms[k].update(v[update_rows])
        out = {k: rms[k].normalize(v, self.obs_clip) for k, v in parts.items()}
        return out if isinstance(x, dict) else out[""]

    @torch.no_grad()
    def forward(self, batch: TransitionBatch) -> Tensor:
        self._check_ready()
        valid = self.valid(batch)
        x = self.zero_rows(obs_to_tensor(self.space, self.next_input(batch), self.device), valid)
        rows = valid if valid is not None else slice(None)
        x = self._normalize(x, update_rows=rows)
        target = self.target(x)
        if self.fuses(batch_size_of(x)):
            with torch.enable_grad():
                predicted = self.predictor(x)
            self.keep_for_update(batch, (predicted, target))
            predicted = predicted.detach()
        else:
            predicted = self.predictor(x)
        error = (predicted - target).square().mean(dim=1)
        if not self.normalize_reward:
            return as_float_reward(error, valid)
        self.check_envs(error.shape[0])
        discounted = self.returns * self.gamma + error
        self.returns.copy_(discounted if valid is None else torch.where(valid, discounted, self.returns))
        self.return_rms.update(self.returns[rows])
        return as_float_reward(error / self.return_rms.std.clamp_min(1e-8), valid)

    def update(self, batch: TransitionBatch) -> dict[str, float]:
        self._check_ready()
        valid = self.valid(batch)
        if self.nothing_to_learn(batch, valid):
            return {}
        kept = self.kept_for(batch)
        if kept is not None:  # forward's graph on this batch: one step, no recomputation
            predicted, target = kept
            if valid is not None:
                predicted, target = predicted[valid], target[valid]
            return {"rnd_loss": self._step((predicted - target).square().mean(dim=1))}
        batch = self.training_rows(batch, valid)
        x = self._normalize(obs_to_tensor(self.space, self.next_input(batch), self.device))
        with torch.no_grad():
            target = self.target(x)
        losses = []
        for _ in range(self.epochs):
            for index in minibatches(batch_size_of(x), self.minibatch_size, self.device):
                losses.append(self._step((self.predictor(take(x, index)) - take(target, index)).square().mean(dim=1)))
        return {"rnd_loss": sum(losses) / len(losses)}

    def _step(self, error: Tensor) -> float:
        """One Adam step on the mean of ``error`` over ``update_proportion`` of its rows."""
        if self.update_proportion < 1.0:
            keep = (torch.rand(error.shape[0], device=error.device) < self.update_proportion).float()
            loss = (error * keep).sum() / keep.sum().clamp_min(1.0)
        else:
            loss = error.mean()
        self.optimize(loss)
        return float(loss.detach())

    def extra_repr(self) -> str:
        return (f"{super().extra_repr()}, feature_dim={self.feature_dim}, lr={self.lr}, gamma={self.gamma}, "
                f"normalize_obs={self.normalize_obs}, normalize_reward={self.normalize_reward}")

