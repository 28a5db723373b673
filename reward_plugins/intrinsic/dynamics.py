"""Actions as network inputs and targets, and the inverse-dynamics model shared by ICM and E3B.

An inverse model predicts the action ``a`` from ``(phi(s), phi(s'))``; training it shapes
``phi`` to keep what the agent controls and drop what it does not (Pathak et al., 2017).
"""
from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch import Tensor, nn
from torch.nn import functional as F

from ..errors import ShaperConfigError
from .encoders import as_tensor


class ActionCodec:
    """Encodes batched actions of one space: one-hot for discrete parts, floats for boxes.

    ``dim`` is the width of :meth:`encode`; inverse models output ``dim`` values, scored against
    the true action by :meth:`inverse_loss` (cross-entropy per discrete part, MSE for ``Box``,
    BCE for ``MultiBinary``).
    """

    def __init__(self, action_space: gym.Space) -> None:
        self.space = action_space
        if isinstance(action_space, gym.spaces.Discrete):
            self.nvec = np.array([action_space.n])
            self.start = np.array([action_space.start])
        elif isinstance(action_space, gym.spaces.MultiDiscrete):
            self.nvec = action_space.nvec.reshape(-1)
            self.start = np.asarray(getattr(action_space, "start", np.zeros_like(action_space.nvec))).reshape(-1)
        elif isinstance(action_space, (gym.spaces.Box, gym.spaces.MultiBinary)):  # no discrete parts
            self.nvec = np.zeros(0, dtype=np.int64)
            self.start = np.zeros(0, dtype=np.int64)
        else:
            raise ShaperConfigError(
                f"ICM / E3B need a Discrete, MultiDiscrete, MultiBinary or Box action space, got {action_space!r}"
            )
        self.dim = int(self.nvec.sum()) if self.discrete else int(np.prod(action_space.shape or ()))

    @property
    def discrete(self) -> bool:
        """Whether actions are indices (Discrete, MultiDiscrete) rather than vectors."""
        return self.nvec.size > 0

    def _indices(self, action: Tensor) -> Tensor:
        idx = action.long().reshape(action.shape[0], -1)
        return idx - torch.as_tensor(self.start, device=idx.device)

    def encode(self, action: Any, device: torch.device | str) -> Tensor:
        """``[B, dim]`` float32: concatenated one-hots, or the flattened continuous action."""
        a = as_tensor(action, device)
        if not self.discrete:
            return a.reshape(a.shape[0], -1).float()
        idx = self._indices(a)
        return torch.cat([F.one_hot(idx[:, j], int(n)).float() for j, n in enumerate(self.nvec)], dim=1)

    def inverse_loss(self, prediction: Tensor, action: Tensor) -> Tensor:
        """Mean loss of inverse-model outputs ``prediction`` ``[B, dim]`` against ``action``."""
        if isinstance(self.space, gym.spaces.MultiBinary):
            return F.binary_cross_entropy_with_logits(prediction, action.reshape(action.shape[0], -1).float())
        if not self.discrete:
            return F.mse_loss(prediction, action.reshape(action.shape[0], -1).float())
        idx = self._indices(action)
        logits = torch.split(prediction, [int(n) for n in self.nvec], dim=1)
        return torch.stack([F.cross_entropy(lg, idx[:, j]) for j, lg in enumerate(logits)]).sum() / len(logits)

    def accuracy(self, prediction: Tensor, action: Tensor) -> float:
        """Fraction of discrete action parts predicted exactly (NaN for continuous spaces)."""
        if not self.discrete:
            return float("nan")
        idx = self._indices(action)
        logits = torch.split(prediction, [int(n) for n in self.nvec], dim=1)
        hits = torch.stack([lg.argmax(1) == idx[:, j] for j, lg in enumerate(logits)], dim=1)
        return float(hits.float().mean())


def head(in_dim: int, out_dim: int, hidden: int = 256) -> nn.Sequential:
    """A two-layer MLP head."""
    return nn.Sequential(nn.Linear(in_dim, hidden), nn.ReLU(), nn.Linear(hidden, out_dim))


class InverseModel(nn.Module):
    """Predicts the action (logits or values, ``codec.dim`` wide) from ``phi(s), phi(s')``."""

    def __init__(self, feature_dim: int, codec: ActionCodec) -> None:
        super().__init__()
        self.net = head(2 * feature_dim, codec.dim)

    def forward(self, phi: Tensor, next_phi: Tensor) -> Tensor:
        return self.net(torch.cat([phi, next_phi], dim=1))


def encode_pair(
    encoder: nn.Module, obs: Tensor | dict[str, Tensor], next_obs: Tensor | dict[str, Tensor]
) -> tuple[Tensor, Tensor]:
    """``encoder(obs), encoder(next_obs)`` computed in one call on the concatenated batch."""
    if isinstance(obs, dict):
        both: Tensor | dict[str, Tensor] = {k: torch.cat([obs[k], next_obs[k]]) for k in obs}  # type: ignore[index]
    else:
        both = torch.cat([obs, next_obs])  # type: ignore[list-item]
    phi, next_phi = encoder(both).chunk(2)
    return phi, next_phi
