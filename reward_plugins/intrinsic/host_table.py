"""Visit counts of ``int64`` keys on the CPU.

A C hash map from keys to dense ids, plus numpy arrays of per-id counts.

:class:`~reward_plugins.intrinsic.table.CountTable` keeps its table in tensors so that it
stays on an accelerator; on the CPU the dozens of small tensor ops it issues per batch cost
far more than the counting itself. This table answers the same calls with a handful of
vectorised C calls (pandas' ``Int64HashTable``, already a dependency of the reports: one call
finds the batch's keys and inserts the new ones), ten to twenty times faster for a batch of 1024
keys. Both tables mix episodic keys the same way and save the same state (``export()``, saved as
the module's extra state), so a run saved on one device resumes on the other.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch
from pandas._libs.hashtable import Int64HashTable, Int64Vector
from torch import Tensor, nn

from .table import EMPTY, check_saved_envs, episodic_keys


class HostCountTable(nn.Module):
    """Counts of ``int64`` keys on the CPU; episodic per env when ``num_envs > 0``.

    Same contract as :class:`~reward_plugins.intrinsic.table.CountTable`.

    :param num_envs: 0 for one global table; else the number of envs whose episodes are kept apart.
    :param capacity: initial number of entries (grows by doubling).
    """

    def __init__(self, num_envs: int = 0, capacity: int = 1 << 12) -> None:
        super().__init__()
        self.num_envs = int(num_envs)
        self._clear(max(int(capacity), 16))
        self.episode = np.zeros(self.num_envs, dtype=np.int64)

    def _clear(self, capacity: int) -> None:
        self._ids = Int64HashTable(capacity)
        self._keys = np.empty(capacity, dtype=np.int64)
        self._counts = np.zeros(capacity, dtype=np.int64)
        self._owners = np.zeros(capacity if self.num_envs else 0, dtype=np.int64)
        self._episodes = np.zeros(capacity if self.num_envs else 0, dtype=np.int64)
        self._used = 0

    def __len__(self) -> int:
        """Stored keys (episodic tables include finished episodes not yet dropped)."""
        return self._used

    @property
    def capacity(self) -> int:
        """Entries the arrays hold before they grow."""
        return int(self._keys.shape[0])

    @torch.no_grad()
    def add(self, keys: Tensor, valid: Tensor | None = None) -> Tensor:
        """Count the batch's keys (only rows where ``valid``), then return every row's count.

        Counts include this batch; rows that are not valid get 0. Episodic: row ``i`` is env ``i``.
        """
        valid_np = None if valid is None else valid.detach().cpu().numpy()
        return torch.from_numpy(self.count(keys.detach().cpu().numpy(), valid_np))

    def count(self, keys: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
        """:meth:`add` on numpy arrays (what CPU shapers call: no tensor round trips)."""
        keys = keys.astype(np.int64, copy=False)
        if self.num_envs:
            keys = episodic_keys(keys, self.episode)
        if keys.size and keys.min() == EMPTY:  # EMPTY is the smallest int64; stored as EMPTY + 1, as CountTable does
            keys = np.where(keys == EMPTY, EMPTY + 1, keys)
        rows = None if valid is None else np.flatnonzero(valid)
        batch = keys if rows is None else keys[rows]
        new = Int64Vector()
        ids = self._ids.get_labels(batch, new, self._used, -1)  # new keys get ids _used, _used + 1, ...
        if len(new) and self._register(new.to_array(), ids, rows):
            ids = self._ids.lookup(batch)  # the table was compacted: ids changed
        np.add.at(self._counts, ids, 1)
        counted = self._counts[ids]
        if rows is not None:
            full = np.zeros(keys.shape[0], dtype=np.int64)
            full[rows] = counted
            counted = full
        return counted

    def _register(self, new_keys: np.ndarray, ids: np.ndarray, rows: np.ndarray | None) -> bool:
        """Store the keys the hash map just gave ids ``_used ...``; return whether the table was rebuilt.

        Episodic tables that are full drop finished episodes first, which renumbers every key.
        """
        start, count = self._used, new_keys.size
        owners = None
        if self.num_envs:
            first = np.flatnonzero(ids >= start)  # in id order: get_labels numbers keys as they come
            if first.size != count:  # a new key on two rows (keys mix in the env: a 2**-64 event)
                first = first[np.unique(ids[first], return_index=True)[1]]
            owners = first if rows is None else rows[first]
        if start + count > self.capacity:
            if owners is not None:  # episodic
                self._compact(new_keys, owners)
                return True
            self._grow(start + count)
        self._keys[start:start + count] = new_keys
        if owners is not None:
            self._owners[start:start + count] = owners
            self._episodes[start:start + count] = self.episode[owners]
        self._used += count
        return False

    def _grow(self, needed: int) -> None:
        """Make the arrays of a global table hold ``needed`` entries (at least doubling)."""
        capacity = self.capacity
        while capacity < needed:
            capacity *= 2
        for name in ("_keys", "_counts"):
            grown = np.zeros(capacity, dtype=np.int64)
            grown[: self._used] = getattr(self, name)[: self._used]
            setattr(self, name, grown)

    def _compact(self, new_keys: np.ndarray, owners: np.ndarray) -> None:
        """Episodic table full.

        Keep the live episodes' entries plus ``new_keys`` (count 0, owned by ``owners``), growing
        only if those fill more than half of it.
        """
        new = {"keys": new_keys, "counts": np.zeros(new_keys.size, dtype=np.int64), "owners": owners,
               "episodes": self.episode[owners]}
        self._rebuild(0, new)

    def _rebuild(self, incoming: int = 0, new: dict[str, np.ndarray] | None = None) -> None:
        """Drop finished episodes (episodic tables), add ``new`` entries, leave room for ``incoming``.

        ``incoming`` more keys: the table holds at most half its capacity afterwards.
        """
        state = self.export()
        if self.num_envs:
            live = state["episodes"] == self.episode[state["owners"]]
            state = {k: v[live] if k != "episode" else v for k, v in state.items()}
        if new is not None:
            state = {k: np.concatenate([v, new[k]]) if k in new else v for k, v in state.items()}
        capacity = self.capacity
        while capacity < 2 * (state["keys"].size + incoming):
            capacity *= 2
        self._load(state, capacity)

    @torch.no_grad()
    def forget(self, done_mask: Tensor) -> None:
        """Start a new episode for the envs where ``done_mask`` is true (episodic tables)."""
        if not self.num_envs:
            raise TypeError("forget() needs an episodic table (num_envs > 0)")
        self.episode += done_mask.detach().cpu().numpy().astype(np.int64)

    def export(self) -> dict[str, np.ndarray]:
        """Stored keys with their counts (and owners / episodes), and the envs' episode numbers."""
        n = self._used
        state = {"keys": self._keys[:n].copy(), "counts": self._counts[:n].copy(), "episode": self.episode.copy()}
        if self.num_envs:
            state["owners"], state["episodes"] = self._owners[:n].copy(), self._episodes[:n].copy()
        return state

    def _load(self, state: dict[str, np.ndarray], capacity: int | None = None) -> None:
        n = int(state["keys"].size)
        self._clear(capacity or max(2 * n, 16, self.capacity))
        self._ids.map_keys_to_values(state["keys"], np.arange(n, dtype=np.int64))
        self._keys[:n], self._counts[:n] = state["keys"], state["counts"]
        if self.num_envs:
            self._owners[:n], self._episodes[:n] = state["owners"], state["episodes"]
        self._used = n
        self.episode = np.asarray(state["episode"], dtype=np.int64).copy()

    def __getstate__(self) -> dict[str, Any]:
        """Pickle and deepcopy without the hash map, which cannot be pickled.

        Vector-env workers and recorded wrapper arguments copy tables; ``__setstate__`` rebuilds
        the map from the stored keys.
        """
        state = self.__dict__.copy()
        del state["_ids"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self._ids = Int64HashTable(self.capacity)
        self._ids.map_keys_to_values(self._keys[: self._used], np.arange(self._used, dtype=np.int64))

    def get_extra_state(self) -> dict[str, Any]:
        return {k: torch.from_numpy(v) for k, v in self.export().items()}

    def set_extra_state(self, state: dict[str, Any]) -> None:
        check_saved_envs(state, self.num_envs)
        self._load({k: torch.as_tensor(v).cpu().numpy().astype(np.int64) for k, v in state.items()})
