"""The shaper contract: a batch of transitions in, one reward per transition out.

A wrapper gathers the inputs a shaper declares in :attr:`RewardShaper.requires` once per step
for the whole batch, moves them to the shaper's device once (:meth:`TransitionBatch.to`), and
calls the shaper. Shapers never see env objects, so any Gymnasium env that offers the declared
inputs works.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, fields, replace
from typing import Any, ClassVar, Mapping

import gymnasium as gym
import torch
from torch import Tensor, nn

#: Every input a shaper may declare.
#: obs / next_obs: observation before / after the step, [B, ...] (a dict of such for Dict spaces);
#: action: [B, ...]; reward: env reward [B] float32; done: terminated | truncated [B] bool;
#: reward_state: the env's privileged state, dict of [B, ...] tensors (see env.reward_state_doc);
#: frames: rendered RGB frames of next_obs, [B, H, W, 3] uint8; text: list of B strings.
INPUTS: frozenset[str] = frozenset(
    {"obs", "next_obs", "action", "reward", "done", "reward_state", "frames", "text"}
)


def default_device() -> torch.device:
    """``cuda`` when a GPU is present, else ``cpu``."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _move(value: Any, device: torch.device) -> Any:
    if isinstance(value, Tensor):
        return value.to(device, non_blocking=True)
    if isinstance(value, Mapping):
        return {k: _move(v, device) for k, v in value.items()}
    return value


@dataclass
class TransitionBatch:
    """One vector step: B transitions. Fields a shaper did not declare may be ``None``.

    ``done[i]`` marks that ``next_obs[i]`` is the last observation of its episode (the
    observation *before* any autoreset), so episodic state is cleared after scoring it.
    """

    obs: Tensor | dict[str, Tensor] | None = None
    next_obs: Tensor | dict[str, Tensor] | None = None
    action: Tensor | None = None
    reward: Tensor | None = None
    done: Tensor | None = None
    reward_state: dict[str, Tensor] | None = None
    frames: Tensor | None = None
    text: list[str] | None = None

    @property
    def batch_size(self) -> int:
        """Number of transitions B."""
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Tensor):
                return int(value.shape[0])
            if isinstance(value, Mapping) and value:
                return int(next(iter(value.values())).shape[0])
            if isinstance(value, list):
                return len(value)
        raise ValueError("empty TransitionBatch has no batch size")

    def to(self, device: torch.device | str) -> "TransitionBatch":
        """The same batch with every tensor on ``device`` (one transfer per field)."""
        device = torch.device(device)
        return replace(self, **{f.name: _move(getattr(self, f.name), device) for f in fields(self)})


class RewardShaper(nn.Module, ABC):
    """A reward function over batches of transitions, as a ``torch.nn.Module``.

    Subclasses set :attr:`requires`, implement :meth:`forward`, and override :meth:`setup`,
    :meth:`reset` and :meth:`update` where they keep state or learn.

    Parameters
    ----------
    device:
        Where the shaper computes; ``None`` picks ``cuda`` when present, else ``cpu``.
    """

    #: Registry name (set by :func:`reward_plugins.registry.register_shaper`).
    name: ClassVar[str] = ""
    #: Inputs this shaper reads, a subset of :data:`INPUTS`.
    requires: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, device: torch.device | str | None = None) -> None:
        super().__init__()
        self.device = torch.device(device) if device is not None else default_device()
        unknown = set(self.requires) - INPUTS
        if unknown:
            raise TypeError(f"{type(self).__name__}.requires has unknown inputs {sorted(unknown)}; allowed: {sorted(INPUTS)}")

    def setup(self, observation_space: gym.Space, action_space: gym.Space, num_envs: int) -> None:
        """Called once by the wrapper at wrap time, with the single-env spaces.

        Shapers that size networks or per-env state from the spaces build them here, then
        move themselves to :attr:`device`.
        """

    @abstractmethod
    def forward(self, batch: TransitionBatch) -> Tensor:
        """Return one float32 reward per transition, shape ``[B]``, on :attr:`device`."""

    def reset(self, done_mask: Tensor) -> None:
        """Clear episodic state of the envs where ``done_mask`` (``[B]`` bool) is true."""

    def update(self, batch: TransitionBatch) -> dict[str, float]:
        """Train learned parts on the batch (RND, ICM, E3B encoders); return statistics to log."""
        return {}

    def extra_repr(self) -> str:
        return f"device={self.device}"
