"""Weighted sums and clipping of shapers."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch
from torch import Tensor

from ..base import TransitionBatch
from ..errors import ShaperConfigError
from ..schedules import Schedule, make_schedule
from ..spec import ShaperLike
from .nested import NestedShaper


class WeightedSum(NestedShaper):
    """``sum_i w_i(t) * shaper_i(batch)``: several shapers as one.

    :param shapers: child shapers (instances, registry names or spec dicts).
    :param weights: ``None`` (all 1) or one per shaper: floats, schedules or schedule dicts,
        stepped by the number of valid transitions this shaper has scored.
    :param device: where the sum is computed; default: the first child's device.

    After each forward, :attr:`last_components` maps each child's label to its **unweighted**
    rewards; the wrappers report them as ``"<label>/<child label>"`` components.
    """

    name = "weighted_sum"

    def __init__(
        self,
        shapers: Iterable[ShaperLike],
        weights: Iterable[float | Schedule | dict[str, Any]] | None = None,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__(list(shapers), device=device)
        if not len(self.shapers):
            raise ShaperConfigError("WeightedSum needs at least one shaper")
        weights = [1.0] * len(self.shapers) if weights is None else list(weights)
        if len(weights) != len(self.shapers):
            raise ShaperConfigError(f"WeightedSum got {len(weights)} weights for {len(self.shapers)} shapers")
        self.weights = [make_schedule(w) for w in weights]
        labels: list[str] = []
        for child in self.parts:
            base = label = child.name or type(child).__name__
            n = 1
            while label in labels:
                label, n = f"{base}_{n}", n + 1
            labels.append(label)
        self.labels = labels
        self.steps = 0

    def components(self) -> list[str]:
        """The children's labels (registry names, numbered when repeated)."""
        return list(self.labels)

    def forward(self, batch: TransitionBatch) -> Tensor:
        outputs = self.child_outputs(batch)
        self.last_components = dict(zip(self.labels, outputs))
        total = torch.zeros_like(outputs[0])
        for weight, out in zip(self.weights, outputs):
            total = total + weight(self.steps) * out
        self.steps += int(batch.valid.sum()) if batch.valid is not None else batch.batch_size
        return total

    def get_extra_state(self) -> dict[str, int]:
        """The schedules' position, so a resumed run continues its weights where it stopped."""
        return {"steps": self.steps}

    def set_extra_state(self, state: dict[str, int]) -> None:
        self.steps = int(state["steps"])


class Clip(NestedShaper):
    """``clamp(shaper(batch), low, high)``.

    :param shaper: the child shaper (instance, registry name or spec dict).
    :param low, high: bounds; ``None`` leaves that side open.
    """

    name = "clip"

    def __init__(
        self,
        shaper: ShaperLike,
        low: float | None = -1.0,
        high: float | None = 1.0,
        device: torch.device | str | None = None,
    ) -> None:
        if low is None and high is None:
            raise ShaperConfigError("Clip needs at least one bound (low or high); without bounds, leave Clip out")
        if low is not None and high is not None and low > high:
            raise ShaperConfigError(f"Clip needs low <= high, got low={low}, high={high}")
        super().__init__([shaper], device=device)
        self.low, self.high = low, high

    def forward(self, batch: TransitionBatch) -> Tensor:
        return self.child_outputs(batch)[0].clamp(self.low, self.high)

    def extra_repr(self) -> str:
        return f"low={self.low}, high={self.high}, device={self.device}"
