"""Global x episodic bonus combinations: "A Study of Global and Episodic Bonuses for Exploration
in Contextual MDPs" (Henaff et al., 2023), and NGU's modulation (Badia et al., 2020).
"""
from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import torch
from torch import Tensor

from ..base import RewardShaper, TransitionBatch
from ..errors import ShaperConfigError
from .stats import RunningMeanStd

#: Values of the ``mode`` argument.
MODES = ("product", "sum", "ngu")


class GlobalEpisodicBonus(RewardShaper):
    """Combines a global bonus ``g`` (e.g. ``rnd``, ``count``) and an episodic bonus ``e``
    (e.g. ``e3b``, ``episodic_count``), both built by name from the shaper registry.

    * ``mode="product"``: ``r = g * e`` (the combination Henaff et al. found best);
    * ``mode="sum"``: ``r = g + e``;
    * ``mode="ngu"``: ``r = e * clip(1 + (g - mu_g) / sigma_g, 1, max_modulation)`` with
      ``mu_g, sigma_g`` the running mean / std of ``g`` (this batch's valid rows included). NGU uses the raw RND
      error for ``g``, so ``rnd`` is built with ``normalize_reward=False`` unless
      ``global_kwargs`` says otherwise.

    :param global_shaper: registry name of the global bonus.
    :param episodic_shaper: registry name of the episodic bonus.
    :param mode: ``"product"``, ``"sum"`` or ``"ngu"``.
    :param global_kwargs: keyword arguments of the global shaper (``device`` is this shaper's).
    :param episodic_kwargs: keyword arguments of the episodic shaper.
    :param max_modulation: NGU's ``L``, the largest multiplier of the episodic bonus.
    :param seed: seed of the global bonus (the episodic one gets ``seed + 1``) unless their
        kwargs set one.
    """

    def __init__(
        self,
        global_shaper: str = "rnd",
        episodic_shaper: str = "e3b",
        mode: str = "product",
        global_kwargs: Mapping[str, Any] | None = None,
        episodic_kwargs: Mapping[str, Any] | None = None,
        max_modulation: float = 5.0,
        *,
        device: torch.device | str | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__(device)
        from ..registry import make_shaper, shaper_class  # the registry lists this module: import on use

        if mode not in MODES:
            raise ShaperConfigError(f"global_episodic mode must be one of {MODES}, got {mode!r}")
        if max_modulation < 1:
            raise ShaperConfigError(f"max_modulation must be at least 1, got {max_modulation}")
        global_kwargs = dict(global_kwargs or {})
        if mode == "ngu" and global_shaper == "rnd":
            global_kwargs.setdefault("normalize_reward", False)
        self.mode = mode
        self.max_modulation = float(max_modulation)
        episodic_kwargs = dict(episodic_kwargs or {})
        for name, kwargs, child_seed in ((global_shaper, global_kwargs, seed), (episodic_shaper, episodic_kwargs, seed + 1)):
            if "seed" in inspect.signature(shaper_class(name).__init__).parameters:
                kwargs.setdefault("seed", child_seed)
        self.global_bonus = make_shaper(global_shaper, device=self.device, **global_kwargs)
        self.episodic_bonus = make_shaper(episodic_shaper, device=self.device, **episodic_kwargs)
        self.requires = frozenset(self.global_bonus.requires | self.episodic_bonus.requires)
        self.global_rms = RunningMeanStd()
        #: The parts of the last ``forward``, which wrappers report as ``"label/global"`` etc.
        self.last_components: dict[str, Tensor] = {}

    def components(self) -> list[str]:
        """``global`` and ``episodic`` (their rewards are in :attr:`last_components` after a forward)."""
        return ["global", "episodic"]

    def setup(self, observation_space: gym.Space, action_space: gym.Space, num_envs: int) -> None:
        self.global_bonus.setup(observation_space, action_space, num_envs)
        self.episodic_bonus.setup(observation_space, action_space, num_envs)
        self.global_rms.to(self.device)

    @torch.no_grad()
    def forward(self, batch: TransitionBatch) -> Tensor:
        g = self.global_bonus(batch)
        e = self.episodic_bonus(batch)
        self.last_components = {"global": g, "episodic": e}
        if self.mode == "product":
            return g * e
        if self.mode == "sum":
            return g + e
        self.global_rms.update(g if batch.valid is None else g[batch.valid.to(g.device, torch.bool)])
        alpha = 1.0 + (g - self.global_rms.mean) / self.global_rms.std.clamp_min(1e-8)
        return e * alpha.clamp(1.0, self.max_modulation)

    def reset(self, done_mask: Tensor) -> None:
        self.global_bonus.reset(done_mask)
        self.episodic_bonus.reset(done_mask)

    def update(self, batch: TransitionBatch) -> dict[str, float]:
        stats = {f"global/{k}": v for k, v in self.global_bonus.update(batch).items()}
        stats.update({f"episodic/{k}": v for k, v in self.episodic_bonus.update(batch).items()})
        return stats

    def extra_repr(self) -> str:
        return f"device={self.device}, mode={self.mode!r}, max_modulation={self.max_modulation}"
