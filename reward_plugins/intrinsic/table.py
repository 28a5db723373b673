"""Visit counts of ``int64`` keys in an open-addressing hash table made of tensors.

A batch of ``B`` keys costs ``O(B)`` whatever the number of distinct keys seen: the batch is
deduplicated with ``torch.unique``, then every key probes a window of ``WINDOW`` consecutive
slots at once (linear probing, vectorised over keys); a key absent from the table claims the
first empty slot of its window. Two new keys racing for one slot are resolved by writing both
and reading back which landed; losers probe again. Rows with nothing to write write to a trash
slot past the end, so a round needs no compaction; the loop runs over probing rounds (almost
always one), never over transitions. The table doubles when half full.

Episodic tables (``num_envs > 0``) count each env's current episode apart: row ``i`` of a batch
is env ``i``, its key is mixed with ``(i, episode[i])``, and :meth:`CountTable.forget` starts a
new episode by bumping ``episode[i]`` (``O(B)``). Entries of finished episodes are dropped when
the table next grows.

This table lives on the shaper's device; on the CPU, :func:`make_count_table` picks
:class:`~reward_plugins.intrinsic.host_table.HostCountTable` instead, which keeps the same
contract and saves the same state (``export()``).
"""
from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np
import torch
from torch import Tensor, nn

from ..errors import ShaperStateError

#: Marks an empty slot; keys equal to it are moved to ``EMPTY + 1``.
EMPTY = -(2**63)
#: Slots a key inspects per probing round.
WINDOW = 8
#: Odd 64-bit constants (as signed ints) for multiplicative hashing and key mixing.
_SLOT_MUL = -7046029254386353131  # 0x9E3779B97F4A7C15
_ENV_MUL = -4658895280553007687  # 0xBF58476D1CE4E5B9
_EPISODE_MUL = -7723592293110705685  # 0x94D049BB133111EB


def episodic_keys(keys: Any, episode: Any) -> Any:
    """Keys of an episodic table: row ``i``'s key mixed with env ``i`` and its episode number.

    Works on numpy arrays and tensors alike (both wrap around on overflow), so the CPU table of
    :mod:`~reward_plugins.intrinsic.host_table` and this one store the same keys.
    """
    env: Any
    if isinstance(keys, np.ndarray):
        env = np.arange(keys.shape[0], dtype=np.int64)
    else:
        env = torch.arange(keys.shape[0], device=keys.device)
    return keys * 3 + (env + 1) * _ENV_MUL + episode * _EPISODE_MUL


@runtime_checkable
class CountTableProtocol(Protocol):
    """What every count table offers.

    :class:`CountTable` (accelerators) and :class:`~reward_plugins.intrinsic.host_table.HostCountTable`
    (CPU) both follow it: check ``isinstance(x, CountTableProtocol)`` rather than probing for methods.
    """

    #: 0 for one global table; else the number of envs whose episodes are counted apart.
    num_envs: int

    def __len__(self) -> int:
        """Stored keys (episodic tables include finished episodes not yet dropped)."""

    def add(self, keys: Tensor, valid: Tensor | None = None) -> Tensor:
        """Count the keys of the rows where ``valid``; every row's count, this batch included."""

    def count(self, keys: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
        """:meth:`add` on numpy arrays."""

    def forget(self, done_mask: Tensor) -> None:
        """Start a new episode for the envs where ``done_mask`` is true (episodic tables)."""

    def export(self) -> dict[str, np.ndarray]:
        """The table's state independent of slots and device (what ``state_dict`` saves)."""


def check_saved_envs(state: dict[str, Any], num_envs: int) -> None:
    """Refuse table state saved for another number of envs (its ``episode`` has one entry per env)."""
    saved = len(state["episode"])
    if saved != num_envs:
        raise ShaperStateError(
            f"count table cannot load state saved for another number of envs: num_envs: saved {saved}, "
            f"this shaper {num_envs}"
        )


def make_count_table(num_envs: int, device: torch.device) -> CountTableProtocol:
    """The count table for ``device``: numpy and a C hash map on the CPU, tensors elsewhere."""
    if device.type == "cpu":
        from .host_table import HostCountTable

        return HostCountTable(num_envs=num_envs)
    return CountTable(num_envs=num_envs)


class CountTable(nn.Module):
    """Counts of ``int64`` keys; episodic per env when ``num_envs > 0`` (see module docstring).

    :param num_envs: 0 for one global table; else the number of envs whose episodes are kept apart.
    :param capacity: initial number of slots (a power of two; grows by doubling).
    """

    slot_keys: Tensor
    slot_counts: Tensor
    used: Tensor
    episode: Tensor
    slot_owners: Tensor
    slot_episodes: Tensor

    def __init__(self, num_envs: int = 0, capacity: int = 1 << 12) -> None:
        super().__init__()
        if capacity & (capacity - 1):
            raise ValueError(f"capacity must be a power of two, got {capacity}")
        self.num_envs = int(num_envs)
        # one slot more than the capacity: the last is the trash slot, never probed
        # the slots move with .to(device) but are saved in the compact form of export()
        buffer = lambda name, value: self.register_buffer(name, value, persistent=False)  # noqa: E731
        buffer("slot_keys", torch.full((capacity + 1,), EMPTY, dtype=torch.int64))
        buffer("slot_counts", torch.zeros(capacity + 1, dtype=torch.int64))
        buffer("used", torch.zeros((), dtype=torch.int64))
        buffer("episode", torch.zeros(self.num_envs, dtype=torch.int64))
        if self.num_envs:
            buffer("slot_owners", torch.zeros(capacity + 1, dtype=torch.int64))
            buffer("slot_episodes", torch.zeros(capacity + 1, dtype=torch.int64))

    def __len__(self) -> int:
        """Occupied slots (episodic tables include finished episodes not yet dropped)."""
        return int(self.used)

    @property
    def capacity(self) -> int:
        """Number of slots (a power of two)."""
        return int(self.slot_keys.numel()) - 1

    @torch.no_grad()
    def add(self, keys: Tensor, valid: Tensor | None = None) -> Tensor:
        """Count the batch's keys (only rows where ``valid``), then return every row's count.

        Counts include this batch; rows that are not valid get 0. Episodic: row ``i`` is env ``i``.
        """
        keys = keys.to(self.slot_keys.device)
        if self.num_envs:
            keys = episodic_keys(keys, self.episode)
        keys = torch.where(keys == EMPTY, keys + 1, keys)
        rows = None if valid is None else valid.nonzero().squeeze(1)
        uniq, inverse, n = torch.unique(keys if rows is None else keys[rows], return_inverse=True, return_counts=True)
        if 2 * (int(self.used) + uniq.numel()) > self.capacity:
            self._rebuild(incoming=uniq.numel())
        slots, claimed = self._find_or_claim(uniq)
        if self.num_envs and bool(claimed.any()):
            row_ids = torch.arange(keys.shape[0], device=keys.device) if rows is None else rows
            first = torch.empty_like(uniq).scatter_(0, inverse, row_ids)
            self.slot_owners[slots[claimed]] = first[claimed]
            self.slot_episodes[slots[claimed]] = self.episode[first[claimed]]
        self.slot_counts.index_add_(0, slots, n)
        counted = self.slot_counts[slots][inverse]
        if rows is None:
            return counted
        return torch.zeros_like(keys).index_put_((rows,), counted)

    def count(self, keys: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
        """:meth:`add` on numpy arrays."""
        counted = self.add(torch.from_numpy(keys), None if valid is None else torch.from_numpy(valid))
        return counted.cpu().numpy()

    @torch.no_grad()
    def forget(self, done_mask: Tensor) -> None:
        """Start a new episode for the envs where ``done_mask`` is true (episodic tables)."""
        if not self.num_envs:
            raise TypeError("forget() needs an episodic table (num_envs > 0)")
        self.episode += done_mask.to(self.episode.device, torch.int64)

    def _slot_of(self, keys: Tensor) -> Tensor:
        bits = self.capacity.bit_length() - 1
        return ((keys * _SLOT_MUL) >> (64 - bits)) & (self.capacity - 1)

    def _find_or_claim(self, keys: Tensor) -> tuple[Tensor, Tensor]:
        """Slot of each distinct key, inserting absent ones; and which were inserted."""
        start = self._slot_of(keys)
        slots, claimed, done, stopped = self._probe(keys, start)
        if bool(done.all()):
            return slots, claimed
        pending = (~done).nonzero().squeeze(1)
        start = torch.where(stopped, start, start + WINDOW)[pending]
        while pending.numel():
            slot, landed, done, stopped = self._probe(keys[pending], start)
            slots[pending[done]] = slot[done]
            claimed[pending[landed]] = True
            start = torch.where(stopped, start, start + WINDOW)[~done]
            pending = pending[~done]
        return slots, claimed

    def _probe(self, key: Tensor, start: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """One probing round over ``WINDOW`` slots from ``start``.

        :return: the slot each key stopped at, whether the key was inserted there, whether it is
            settled (found or inserted), and whether its window had a stop (else: probe further).
        """
        capacity = self.capacity
        window = (start.unsqueeze(1) + torch.arange(WINDOW, device=key.device)) & (capacity - 1)
        seen = self.slot_keys[window]
        stop = (seen == key.unsqueeze(1)) | (seen == EMPTY)
        first = stop.to(torch.uint8).argmax(dim=1, keepdim=True)
        slot = window.gather(1, first).squeeze(1)
        stopped = stop.gather(1, first).squeeze(1)
        claim = stopped & (self.slot_keys[slot] != key)  # stopped at an empty slot
        self.slot_keys.index_put_((torch.where(claim, slot, capacity),), key)  # racing claims: one lands
        landed = claim & (self.slot_keys[slot] == key)
        self.used.add_(landed.sum())
        return slot, landed, (stopped & ~claim) | landed, stopped

    def _rebuild(self, incoming: int) -> None:
        """Re-insert the live entries into a table at most a quarter full with ``incoming`` more."""
        live = self.slot_keys[:-1] != EMPTY
        if self.num_envs:
            live &= self.slot_episodes[:-1] == self.episode[self.slot_owners[:-1]]
        entries = {"keys": self.slot_keys[:-1][live], "counts": self.slot_counts[:-1][live]}
        if self.num_envs:
            entries["owners"], entries["episodes"] = self.slot_owners[:-1][live], self.slot_episodes[:-1][live]
        self._fill(entries, incoming, minimum=self.capacity)

    def _fill(self, entries: dict[str, Tensor], incoming: int = 0, minimum: int = 16) -> None:
        """Make a fresh table holding ``entries``: keys, counts, and owners / episodes if episodic.

        Its size is a power of two, at least ``minimum`` slots and four times the entries with
        ``incoming`` more.
        """
        device = self.slot_keys.device
        keys = entries["keys"].to(device)
        capacity = minimum
        while capacity < 4 * (keys.numel() + incoming):
            capacity *= 2
        self.slot_keys = torch.full((capacity + 1,), EMPTY, dtype=torch.int64, device=device)
        self.slot_counts = torch.zeros(capacity + 1, dtype=torch.int64, device=device)
        self.used = torch.zeros((), dtype=torch.int64, device=device)
        slots, _ = self._find_or_claim(keys)
        self.slot_counts[slots] = entries["counts"].to(device)
        if self.num_envs:
            self.slot_owners = torch.zeros(capacity + 1, dtype=torch.int64, device=device)
            self.slot_episodes = torch.zeros(capacity + 1, dtype=torch.int64, device=device)
            self.slot_owners[slots] = entries["owners"].to(device)
            self.slot_episodes[slots] = entries["episodes"].to(device)

    def export(self) -> dict[str, np.ndarray]:
        """Stored keys with their counts (and owners / episodes), and the envs' episode numbers.

        The table's state in a form independent of slots and device.
        """
        live = self.slot_keys[:-1] != EMPTY
        state = {"keys": self.slot_keys[:-1][live], "counts": self.slot_counts[:-1][live], "episode": self.episode}
        if self.num_envs:
            state["owners"], state["episodes"] = self.slot_owners[:-1][live], self.slot_episodes[:-1][live]
        return {k: v.cpu().numpy().copy() for k, v in state.items()}

    def get_extra_state(self) -> dict[str, Any]:
        return {k: torch.from_numpy(v) for k, v in self.export().items()}

    def set_extra_state(self, state: dict[str, Any]) -> None:
        check_saved_envs(state, self.num_envs)
        entries = {k: torch.as_tensor(v, dtype=torch.int64) for k, v in state.items()}
        self.episode = entries.pop("episode").to(self.slot_keys.device)
        self._fill(entries)
