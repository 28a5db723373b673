"""``LabelledShaper``: the part shared by shapers whose reward is an LLM's label of each row.

It owns an :class:`~reward_plugins.llm.labeler.AsyncLabeler`, asks for the labels a batch lacks,
waits at most ``timeout`` seconds, and keeps every label and count in its ``state_dict`` (so a
resumed run reuses them). Subclasses say what a row's key and item are, and what a row without a
label gets.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch

from ..base import RewardShaper, TransitionBatch
from ..errors import ShaperConfigError
from .client import ChatClient, Message
from .labeler import AsyncLabeler, as_client


class LabelledShaper(RewardShaper):
    """A shaper with an LLM labeler (see the module docstring).

    Args:
        client: a :class:`~reward_plugins.llm.ChatClient`, a dict of its arguments, or ``None``
            (settings from the ``AGENTENVS_LLM_*`` environment variables).
        prompt: ``item -> messages`` for one label.
        parse: ``reply -> label`` (``None``: unparsable, the label is ``fallback``).
        timeout: the longest a ``forward`` waits for labels, in seconds; ``0`` never waits (rows
            get their label on a later visit), ``None`` waits for every label (runs that must
            replay exactly, tests).
        temperature, max_tokens, seed: sampling of each request (part of the cache key).
        max_concurrency: requests in flight at once.
    """

    def __init__(
        self,
        client: ChatClient | Mapping[str, Any] | None,
        prompt: Callable[[Any], Sequence[Message]],
        parse: Callable[[str], float | None],
        *,
        fallback: float,
        timeout: float | None,
        temperature: float,
        max_tokens: int | None,
        seed: int | None,
        max_concurrency: int,
        device: torch.device | str | None,
    ) -> None:
        super().__init__(device)
        if timeout is not None and not timeout >= 0:
            raise ShaperConfigError(f"timeout must be None (wait for every label) or >= 0 seconds, got {timeout!r}")
        if max_concurrency < 1:
            raise ShaperConfigError(f"max_concurrency must be >= 1, got {max_concurrency!r}")
        self.timeout = timeout
        sampling = {"temperature": temperature, "max_tokens": max_tokens, "seed": seed}
        self.labeler = AsyncLabeler(as_client(client), prompt, parse, fallback=fallback, sampling=sampling,
                                    max_concurrency=max_concurrency)

    def labels_of(self, keyed: Sequence[tuple[int, Any] | None]) -> list[float | None]:
        """The label of each ``(key, item)`` (``None`` entries: rows not to label), after asking for missing ones.

        Returns ``None`` for rows skipped or still unlabelled after ``timeout``.
        """
        items = {entry[0]: entry[1] for entry in keyed if entry is not None}
        self.labeler.request(items)
        self.labeler.wait(items, self.timeout)
        labels = self.labeler.labels
        return [None if entry is None else labels.get(entry[0]) for entry in keyed]

    def label_stats(self) -> dict[str, float]:
        """Counts of the labeler (requested, labelled, unparsable, errors, pending), prefixed by the shaper's name."""
        counts = {**self.labeler.counts, "pending": self.labeler.pending, "known": len(self.labeler.labels)}
        return {f"{self.name}_{name}": float(value) for name, value in counts.items()}

    def update(self, batch: TransitionBatch) -> dict[str, float]:
        return self.label_stats()

    def get_extra_state(self) -> Any:
        labels = dict(self.labeler.labels)
        return {"label_keys": torch.tensor(list(labels), dtype=torch.int64),
                "label_values": torch.tensor(list(labels.values()), dtype=torch.float32),
                "label_counts": dict(self.labeler.counts)}

    def set_extra_state(self, state: Any) -> None:
        self.labeler.labels = dict(zip(state["label_keys"].tolist(), state["label_values"].tolist()))
        self.labeler.counts.update(state["label_counts"])

    def __del__(self) -> None:
        labeler = self.__dict__.get("labeler")
        if labeler is not None:
            labeler.close(wait=False)
