"""The base of shapers built from other shapers: inputs, setup, reset and update pass through."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

import gymnasium as gym
import torch
from torch import Tensor, nn

from ..base import INPUTS, RewardShaper, TransitionBatch
from ..errors import ShaperConfigError
from ..spec import ShaperLike, build_shapers


class NestedShaper(RewardShaper):
    """A shaper over child shapers (given as instances, registry names or spec dicts).

    Its :attr:`requires` is the union of the children's and ``extra_requires``; ``setup``,
    ``reset`` and ``update`` reach every child; each child sees the batch on its own device.
    Per-env state made with :meth:`per_env` is sized by ``setup`` (or by the first batch) and
    saved in ``state_dict``.
    """

    def __init__(
        self,
        children: Iterable[ShaperLike],
        extra_requires: Iterable[str] = (),
        device: torch.device | str | None = None,
    ) -> None:
        built = build_shapers(list(children), f"{type(self).__name__} children")
        weighted = [spec.name for _, spec in built if spec is not None and spec.weight != 1.0]
        if weighted:
            raise ShaperConfigError(f"{type(self).__name__} children {weighted} have a 'weight'; a child's weight "
                                    "belongs in the composition's own arguments (e.g. weighted_sum's weights)")
        first = built[0][0].device if built else None
        super().__init__(device if device is not None else first)
        self.shapers = nn.ModuleList(s for s, _ in built)
        self.requires = frozenset(extra_requires).union(*(c.requires for c in self.parts))
        unknown = self.requires - INPUTS
        if unknown:
            raise TypeError(f"{type(self).__name__} requires unknown inputs {sorted(unknown)}")
        self.num_envs: int | None = None
        self._per_env_names: list[tuple[str, torch.dtype]] = []
        #: The batch ``forward`` last scored, and that batch on each child's device (see :meth:`_on_device`).
        self._moved_for: TransitionBatch | None = None
        self._moved: dict[torch.device, TransitionBatch] = {}

    @property
    def parts(self) -> list[RewardShaper]:
        """The child shapers, in order (:attr:`shapers` holds only ``RewardShaper`` instances)."""
        return [cast(RewardShaper, child) for child in self.shapers]

    def per_env(self, name: str, dtype: torch.dtype = torch.float32) -> None:
        """Declare a ``[num_envs]`` zero buffer ``name`` (sized in ``setup`` or on first use)."""
        self._per_env_names.append((name, dtype))
        self.register_buffer(name, torch.zeros(0, dtype=dtype, device=self.device))

    def _size(self, num_envs: int) -> None:
        self.num_envs = num_envs
        for name, dtype in self._per_env_names:
            setattr(self, name, torch.zeros(num_envs, dtype=dtype, device=self.device))

    def setup(self, observation_space: gym.Space, action_space: gym.Space, num_envs: int) -> None:
        for child in self.parts:
            child.setup(observation_space, action_space, num_envs)
        self._size(num_envs)

    def ensure_size(self, batch_size: int) -> None:
        """Size per-env state for ``batch_size`` envs if ``setup`` was not called."""
        if self.num_envs != batch_size:
            self._size(batch_size)

    def child_outputs(self, batch: TransitionBatch) -> list[Tensor]:
        """Each child's rewards for ``batch``, float32 on this shaper's device."""
        out = []
        for child in self.parts:
            out.append(child(self._on_device(batch, child.device)).to(self.device, torch.float32))
        return out

    def _on_device(self, batch: TransitionBatch, device: torch.device) -> TransitionBatch:
        """``batch`` on ``device``, moved once per batch and device.

        ``update`` gets the very objects ``forward`` scored, so children that keep their forward
        graph for the update of the same batch (RND, ICM, E3B) reuse it.
        """
        if self._moved_for is not batch:
            self._moved_for, self._moved = batch, {}
        if device not in self._moved:
            self._moved[device] = batch if batch.device == device else batch.to(device)
        return self._moved[device]

    def reset(self, done_mask: Tensor) -> None:
        for child in self.parts:
            child.reset(done_mask.to(child.device))

    def update(self, batch: TransitionBatch) -> dict[str, float]:
        stats: dict[str, Any] = {}
        for child in self.parts:
            label = child.name or type(child).__name__
            stats.update({f"{label}/{k}": v for k, v in child.update(self._on_device(batch, child.device)).items()})
        self._moved_for, self._moved = None, {}  # release the batch
        return stats
