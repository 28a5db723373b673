"""What every intrinsic shaper shares.

Spaces from ``setup``, seeded construction, input choice, the rows it may score and learn from,
and optimizer state and configuration inside ``state_dict``.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import gymnasium as gym
import torch
from torch import Tensor

from ..base import RewardShaper, TransitionBatch
from ..errors import ShaperConfigError, ShaperStateError
from .encoders import PRECISIONS, TEXT_SPACE, check_precision, obs_to_tensor

#: Values of the ``input`` argument: observations, the env's text (``batch.text``), or the env's
#: exact state keys (``batch.state_key``, count bonuses only).
INPUT_SOURCES = ("obs", "text", "state_key")
#: The ``state_dict`` key of a module's ``get_extra_state()`` (after the module's prefix), as torch names it.
EXTRA_STATE = "_extra_state"


class IntrinsicShaper(RewardShaper):
    """Base of the intrinsic shapers.

    Subclasses build their networks and state in :meth:`build` (called by :meth:`setup` under a
    fixed seed, so two shapers with the same ``seed`` start identical) and may set
    ``self.optimizer``, whose state then travels inside ``state_dict()``, as does
    :meth:`state_config`: ``load_state_dict`` refuses state saved under another configuration.
    Call ``setup`` before ``load_state_dict``.

    Rows that are not transitions, and rows with NaN or inf in an input the shaper reads, are
    scored 0 and leave every statistic, count, weight and per-env state untouched
    (:meth:`valid`, :meth:`zero_rows`).

    :param device: where to compute; ``None`` picks ``cuda`` when present.
    :param seed: seeds network initialisation and the random projections / hashes.
    :param precision: compute dtype of learned encoders: ``"fp32"``, ``"bf16"`` (CPU or GPU) or
        ``"fp16"`` (GPU); see :class:`~reward_plugins.intrinsic.encoders.MixedPrecision`.
    :param input: ``"obs"`` scores observations; ``"text"`` scores ``batch.text`` (the text of the
        next observation: exact digests for counts, hashed words and character trigrams for RND).
        Only next-state shapers (counts, RND) accept ``"text"``. ``"state_key"`` counts the env's own exact state keys
        (``env.state_key()``, e.g. Sokoban's Zobrist keys): count bonuses only, and much cheaper
        than hashing observations.
    """

    #: Whether the shaper can score ``batch.text`` instead of observations.
    supports_text_input: ClassVar[bool] = False
    #: Whether the shaper can score ``batch.state_key`` (keys, not features: counts only).
    supports_state_key_input: ClassVar[bool] = False

    def __init__(self, *, device: torch.device | str | None = None, seed: int = 0, input: str = "obs",
                 precision: str = "fp32") -> None:
        super().__init__(device)
        check_precision(precision, self.device)
        self.precision = precision
        if input not in INPUT_SOURCES:
            raise ShaperConfigError(f"{type(self).__name__}: input must be one of {INPUT_SOURCES}, got {input!r}")
        if input == "text" and not self.supports_text_input:
            raise ShaperConfigError(
                f"{type(self).__name__} needs observations before and after each step; input='text' only works "
                "for next-state bonuses (count, episodic_count, rnd)"
            )
        if input == "state_key" and not self.supports_state_key_input:
            raise ShaperConfigError(
                f"{type(self).__name__} learns from observation features; input='state_key' (exact state keys) only "
                "works for count bonuses (count, episodic_count)"
            )
        self.input = input
        self.seed = int(seed)
        if input in ("text", "state_key"):
            self.requires = frozenset((set(self.requires) - {"obs", "next_obs"}) | {input})
        self.observation_space: gym.Space | None = None
        self.action_space: gym.Space | None = None
        self.num_envs = 0
        self.optimizer: torch.optim.Optimizer | None = None
        self._kept: tuple[TransitionBatch, Any] | None = None

    def setup(self, observation_space: gym.Space, action_space: gym.Space, num_envs: int) -> None:
        self.observation_space = TEXT_SPACE if self.input == "text" else observation_space
        self.action_space = action_space
        self.num_envs = int(num_envs)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            self.build()
        self.to(self.device)
        self.after_build()

    def build(self) -> None:
        """Create networks and state from ``self.observation_space`` etc. (on CPU, seeded)."""

    def after_build(self) -> None:
        """Create what needs parameters on :attr:`device` (optimizers)."""

    def spaces(self) -> tuple[gym.Space, gym.Space]:
        """The observation space (``TEXT_SPACE`` for ``input="text"``) and action space from ``setup``."""
        if self.observation_space is None or self.action_space is None:
            raise ShaperConfigError(
                f"{type(self).__name__} is not set up: call setup(observation_space, action_space, num_envs) first"
            )
        return self.observation_space, self.action_space

    @property
    def space(self) -> gym.Space:
        """The observation space from ``setup`` (``TEXT_SPACE`` for ``input="text"``)."""
        return self.spaces()[0]

    def _check_ready(self) -> None:
        self.spaces()

    def optimize(self, loss: Tensor) -> None:
        """One step of :attr:`optimizer` (made in :meth:`after_build`) on ``loss``."""
        if self.optimizer is None:
            raise ShaperConfigError(f"{type(self).__name__} has no optimizer; set self.optimizer in after_build()")
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()

    def next_input(self, batch: TransitionBatch) -> Any:
        """The next-state input.

        ``batch.next_obs``, or ``batch.text`` / ``batch.state_key`` when ``input`` names them.
        """
        return self.field(batch, "next_obs" if self.input == "obs" else self.input)

    def encoder_input(self, obs: Any) -> Tensor | dict[str, Tensor]:
        """``obs`` preprocessed for this shaper's encoders, on :attr:`device`.

        Images already in the encoders' compute dtype.
        """
        dtype = PRECISIONS[self.precision] or torch.float32
        return obs_to_tensor(self.space, obs, self.device, image_dtype=dtype)

    def check_envs(self, batch_size: int) -> None:
        """Episodic state has one row per env: a batch must hold exactly one transition per env."""
        if batch_size != self.num_envs:
            raise ShaperConfigError(
                f"{type(self).__name__} keeps per-env episodic state for num_envs={self.num_envs} but got a batch of "
                f"{batch_size}; pass one transition per env in env order (row i is env i)"
            )

    def valid(self, batch: TransitionBatch) -> Tensor | None:
        """The rows to score and learn from, ``[B]`` bool on :attr:`device`, or ``None`` for all.

        A row counts when it is a transition (``batch.valid``, see :class:`TransitionBatch`) and
        every float input this shaper reads is finite (:meth:`~reward_plugins.base.RewardShaper.scored_rows`).
        Other rows get reward 0 and leave statistics, counts, weights and per-env state untouched.
        """
        rows = self.scored_rows(batch)
        return None if bool(rows.all()) else rows.to(self.device)

    @staticmethod
    def zero_rows(x: Any, rows: Tensor | None) -> Any:
        """Network input ``x`` (a tensor or dict of them) with the rows not in ``rows`` set to 0.

        NaN or inf then never reach a network: ``0 * nan`` would poison the gradients of the rows kept.
        """
        if rows is None:
            return x
        if isinstance(x, Mapping):
            return {k: IntrinsicShaper.zero_rows(v, rows) for k, v in x.items()}
        keep = rows.reshape(-1, *([1] * (x.dim() - 1)))
        return torch.where(keep, x, torch.zeros((), dtype=x.dtype, device=x.device))

    def nothing_to_learn(self, batch: TransitionBatch, rows: Tensor | None) -> bool:
        """True when ``rows`` (from :meth:`valid`) is empty.

        ``update`` then returns ``{}`` without a step (Adam would still move the weights on its momentum).
        """
        if rows is None or bool(rows.any()):
            return False
        self.kept_for(batch)  # release what forward kept
        return True

    @staticmethod
    def training_rows(batch: TransitionBatch, rows: Tensor | None) -> TransitionBatch:
        """The batch reduced to ``rows`` (from :meth:`valid`), for ``update``."""
        return batch if rows is None else batch.select(rows)

    def state_config(self) -> dict[str, Any]:
        """What defines this shaper's saved state, field by field.

        Loading state saved under other values would give wrong rewards, so ``state_dict`` saves
        these and ``load_state_dict`` compares them. Subclasses add their own fields.
        """
        config: dict[str, Any] = {"shaper": type(self).__name__, "input": self.input}
        # env keys do not depend on the observation space
        if self.input != "state_key" and self.observation_space is not None:
            config["observation"] = space_signature(self.observation_space)
        return config

    def check_state(self, state_dict: Mapping[str, Any], prefix: str) -> None:
        self._check_ready()
        saved = state_dict.get(prefix + EXTRA_STATE)
        if not isinstance(saved, Mapping) or "config" not in saved:
            return  # saved before shapers saved their configuration: nothing to compare
        current = self.state_config()
        differ = [f"{k}: saved {saved['config'].get(k)!r}, this shaper {current.get(k)!r}"
                  for k in dict.fromkeys([*saved["config"], *current]) if saved["config"].get(k) != current.get(k)]
        if differ:
            where = f" (at {prefix[:-1]!r})" if prefix else ""
            raise ShaperStateError(
                f"{type(self).__name__}{where} cannot load state saved by a shaper configured differently: "
                f"{'; '.join(differ)}. Build it with the saved configuration to resume, or start without "
                "the saved state."
            )

    def fuses(self, batch_size: int) -> bool:
        """Whether ``update`` takes one gradient step on the whole batch.

        Then ``forward`` keeps its autograd graph for ``update`` on the same batch object, which
        skips recomputing the forward passes (the gradient is the same: no parameter changes in
        between).
        """
        epochs = getattr(self, "epochs", 1)
        size = getattr(self, "minibatch_size", None)
        return epochs == 1 and (size is None or size >= batch_size)

    def keep_for_update(self, batch: TransitionBatch, value: Any) -> None:
        """Hold ``value`` (tensors with their graph) for the ``update`` of this same ``batch``."""
        self._kept = (batch, value)

    def kept_for(self, batch: TransitionBatch) -> Any:
        """What ``forward`` kept for ``batch`` (``None`` when it was another batch); released."""
        kept, self._kept = self._kept, None
        return kept[1] if kept is not None and kept[0] is batch else None

    def get_extra_state(self) -> Any:
        return {"optimizer": self.optimizer.state_dict() if self.optimizer is not None else None,
                "config": self.state_config()}

    def set_extra_state(self, state: Any) -> None:
        if self.optimizer is not None and state.get("optimizer") is not None:
            self.optimizer.load_state_dict(state["optimizer"])

    def extra_repr(self) -> str:
        return f"device={self.device}, seed={self.seed}, input={self.input!r}, precision={self.precision!r}"


def space_signature(space: gym.Space) -> str:
    """The parts of ``space`` that shape encoders, statistics and hashed bytes, as text."""
    if isinstance(space, gym.spaces.Dict):
        return "Dict(" + ", ".join(f"{k}: {space_signature(s)}" for k, s in space.spaces.items()) + ")"
    if isinstance(space, gym.spaces.Discrete):
        return f"Discrete({int(space.n)}, start={int(space.start)})"
    if isinstance(space, gym.spaces.MultiDiscrete):
        return f"MultiDiscrete({space.nvec.tolist()})"
    if isinstance(space, gym.spaces.Text):
        return "Text"
    return f"{type(space).__name__}({tuple(space.shape or ())}, {space.dtype})"


def minibatches(n: int, size: int | None, device: torch.device) -> list[Tensor | None]:
    """Shuffled index sets of ``size`` covering ``range(n)``.

    ``[None]`` (the whole batch) when ``size`` is ``None`` or at least ``n``.
    """
    if size is None or size >= n:
        return [None]
    return list(torch.randperm(n, device=device).split(size))


def take(x: Any, index: Tensor | None) -> Any:
    """Rows ``index`` of a tensor or of each tensor of a dict (all rows for ``None``)."""
    if index is None:
        return x
    if isinstance(x, dict):
        return {k: v[index] for k, v in x.items()}
    return x[index]


def as_float_reward(x: Tensor, valid: Tensor | None = None) -> Tensor:
    """Rewards as a detached float32 ``[B]`` tensor, 0 on rows where ``valid`` is false."""
    x = x.detach().reshape(-1).float()
    return x if valid is None else torch.where(valid, x, torch.zeros_like(x))
