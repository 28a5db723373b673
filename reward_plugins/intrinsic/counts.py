"""Count bonuses ``1 / sqrt(N(s'))``.

Over the whole run (``count``) or within each episode (``episodic_count``), on exact state keys or
SimHash codes (Tang et al., 2017).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import Tensor

from ..base import TransitionBatch
from ..errors import ShaperConfigError
from .common import IntrinsicShaper
from .hashing import ExactHash, SimHash, is_small_discrete
from .table import CountTableProtocol, make_count_table

#: Values of the ``hash`` argument.
HASH_KINDS = ("auto", "exact", "simhash")


def inverse_sqrt(counts: np.ndarray) -> np.ndarray:
    """``1 / sqrt(counts)`` as float32, 0 where a count is 0 (rows that are not transitions)."""
    bonus = counts.astype(np.float64)
    np.sqrt(bonus, out=bonus)
    np.divide(1.0, bonus, out=bonus, where=bonus > 0)
    return bonus.astype(np.float32)


class _CountShaper(IntrinsicShaper):
    requires = frozenset({"next_obs"})
    supports_text_input = True
    supports_state_key_input = True
    episodic = False

    def __init__(
        self,
        hash: str = "auto",
        simhash_bits: int = 32,
        *,
        device: torch.device | str | None = None,
        seed: int = 0,
        input: str = "obs",
    ) -> None:
        super().__init__(device=device, seed=seed, input=input)
        if hash not in HASH_KINDS:
            raise ShaperConfigError(f"{type(self).__name__}: hash must be one of {HASH_KINDS}, got {hash!r}")
        if input == "state_key" and hash == "simhash":
            raise ShaperConfigError(
                f"{type(self).__name__}: input='state_key' counts exact keys; hash='simhash' does not apply"
            )
        self.hash = hash
        self.simhash_bits = int(simhash_bits)
        #: The hash in use, ``"exact"``, ``"simhash"`` or ``"env"`` (state keys); set by ``setup``.
        self.hash_kind: str | None = None

    def build(self) -> None:
        self.table: CountTableProtocol = make_count_table(self.num_envs if self.episodic else 0, self.device)
        kind = self.hash
        if self.input == "state_key":
            kind = "env"
        elif kind == "auto":
            kind = "exact" if is_small_discrete(self.space) else "simhash"
        self.hash_kind = kind
        self.hasher = None
        if kind != "env":
            self.hasher = (ExactHash(self.space, seed=self.seed) if kind == "exact"
                           else SimHash(self.space, bits=self.simhash_bits, seed=self.seed))

    def state_config(self) -> dict[str, Any]:
        """The table's key space: hash kind, salt, code length and (episodic tables) number of envs."""
        config = {**super().state_config(), "hash": self.hash_kind or self.hash}
        if self.input != "state_key":
            config["seed"] = self.seed
        if config["hash"] == "simhash":
            config["simhash_bits"] = self.simhash_bits
        if self.episodic:
            config["num_envs"] = self.num_envs
        return config

    def bonus(self, keys: Tensor, valid: Tensor | None) -> Tensor:
        """Count ``keys`` (rows where ``valid``) and return ``1 / sqrt(N)``, float32 ``[B]``."""
        if self.device.type == "cpu":  # the numpy table (make_count_table): no tensor round trips
            counted = self.table.count(keys.numpy(), None if valid is None else valid.numpy())
            return torch.from_numpy(inverse_sqrt(counted))
        counts = self.table.add(keys, valid=valid)
        bonus = counts.to(torch.float64).rsqrt_().to(torch.float32)
        return bonus if valid is None else bonus.masked_fill_(~valid, 0.0)

    def keys(self, batch: TransitionBatch) -> Tensor:
        """``int64`` state keys of the next states, ``[B]``.

        The env's (``input="state_key"``) or hashes of the next observations.
        """
        self._check_ready()
        if self.hasher is None:
            return self.next_input(batch).to(self.device, torch.int64)
        return self.hasher(self.next_input(batch), self.device)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, hash={self.hash!r}, simhash_bits={self.simhash_bits}"


class CountBonus(_CountShaper):
    """``r = 1 / sqrt(N(s'))`` with ``N`` the number of visits to ``s'`` since the start of the run.

    ``N`` counts every visit up to and including this batch (two equal states in one batch both
    see ``N`` including each other). States are keyed exactly (``hash="exact"``, the ``"auto"``
    choice for integer / discrete / text observations of up to 4096 elements) or by a
    ``simhash_bits``-bit SimHash (``"auto"`` for images and float vectors); with
    ``input="state_key"`` the env's own exact keys are counted (no hashing: the fast path on
    envs that keep keys, such as Sokoban).

    :param hash: ``"auto"``, ``"exact"`` or ``"simhash"``.
    :param simhash_bits: code length ``k`` of SimHash (at most 63).
    """

    @torch.no_grad()
    def forward(self, batch: TransitionBatch) -> Tensor:
        return self.bonus(self.keys(batch), self.valid(batch))

    def update(self, batch: TransitionBatch) -> dict[str, float]:
        return {"distinct_states": float(len(self.table))}


class EpisodicCountBonus(_CountShaper):
    """``r = 1 / sqrt(N_ep(s'))`` with ``N_ep`` the visits to ``s'`` in the current episode of that env.

    Batches hold one transition per env, row ``i`` being env ``i``; ``reset(done_mask)`` forgets
    the episodes of the envs marked done. Arguments as :class:`CountBonus`.
    """

    episodic = True

    @torch.no_grad()
    def forward(self, batch: TransitionBatch) -> Tensor:
        keys = self.keys(batch)
        self.check_envs(keys.shape[0])
        return self.bonus(keys, self.valid(batch))

    def reset(self, done_mask: Tensor) -> None:
        self.table.forget(done_mask)

    def update(self, batch: TransitionBatch) -> dict[str, float]:
        return {"count_table_slots_used": float(len(self.table))}
