"""The shaper contract: a batch of transitions in, one reward per transition out.

A wrapper gathers the inputs a shaper declares in :attr:`RewardShaper.requires` once per step
for the whole batch, moves them to the shaper's device once (:meth:`TransitionBatch.to`), and
calls the shaper. Shapers never see env objects, so any Gymnasium env that offers the declared
inputs works.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, ClassVar

import gymnasium as gym
import torch
from torch import Tensor, nn

from .errors import MissingInputError, ShaperDeviceError

#: Every input a shaper may declare.
#: obs / next_obs: observation before / after the step, [B, ...] (a dict of such for Dict spaces);
#: action: [B, ...]; reward: env reward [B] float32; done: terminated | truncated [B] bool;
#: terminated: the episode ended in a terminal state [B] bool (done and not a time limit);
#: reward_state: the env's privileged state after the step, dict of [B, ...] tensors
#: (see env.reward_state_doc); frames: rendered RGB frames of next_obs, [B, H, W, 3] uint8;
#: text: list of B strings describing next_obs;
#: state_key: an exact int64 key of the env's state after the step [B] (see env.state_key()),
#: equal for equal states, so count bonuses need not hash observations;
#: instruction: list of B strings, each env's goal in words after the step (env.instruction());
#: caption: list of B strings, each env's state after the step described in words (env.caption()),
#: for LLM feedback on envs whose observations are not text.
INPUTS: frozenset[str] = frozenset(
    {"obs", "next_obs", "action", "reward", "done", "terminated", "reward_state", "frames", "text", "state_key",
     "instruction", "caption"}
)


def default_device() -> torch.device:
    """``cuda`` when a GPU is present, else ``cpu``."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def available_devices() -> list[str]:
    """The devices shapers can run on here: ``cpu``, each CUDA GPU, and ``mps`` when present."""
    devices = ["cpu"] + [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    return devices + (["mps"] if torch.backends.mps.is_available() else [])


def resolve_device(device: torch.device | str | None) -> torch.device:
    """``device`` as a ``torch.device`` that exists on this machine (``None``: :func:`default_device`).

    Checked when a shaper is built, so a run asking for a GPU it lacks stops there with a
    :class:`ShaperDeviceError` instead of failing (or silently running elsewhere) at the first step.
    """
    if device is None:
        return default_device()
    here = f"available here: {', '.join(available_devices())}"
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError):
        raise ShaperDeviceError(
            f"{str(device)!r} is not a device; use 'cpu', 'cuda', 'cuda:N' or 'mps' ({here})"
        ) from None
    if resolved.type == "cuda":
        gpus = torch.cuda.device_count()
        if gpus == 0:
            raise ShaperDeviceError(
                f"device {str(resolved)!r} asked for, but this machine has no CUDA GPU ({here}); pass device='cpu', "
                "or None to use a GPU only when one is present"
            )
        if resolved.index is not None and resolved.index >= gpus:
            raise ShaperDeviceError(
                f"device {str(resolved)!r} asked for, but this machine has {gpus} CUDA GPU(s) ({here})"
            )
    elif resolved.type == "mps":
        if not torch.backends.mps.is_available():
            raise ShaperDeviceError(f"device 'mps' asked for, but this machine has no MPS (Apple GPU) backend ({here})")
    elif resolved.type != "cpu":
        raise ShaperDeviceError(f"shapers run on cpu, cuda or mps devices, not {str(resolved)!r} ({here})")
    return resolved


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

    ``valid`` is set by wrappers, whatever the shaper declares: ``None`` when every row is a
    real transition, else a ``[B]`` bool tensor that is false on rows that are not transitions
    (the reset step after a done under ``NEXT_STEP`` autoreset, absent PettingZoo agents).
    Wrappers give those rows 0 reward; stateful shapers must not count them, learn from them
    or change per-env state for them (:meth:`valid_mask`, :meth:`select` help).
    Row ``i`` is always env (or agent) ``i``, so per-env state indexes by row.
    """

    obs: Tensor | dict[str, Tensor] | None = None
    next_obs: Tensor | dict[str, Tensor] | None = None
    action: Tensor | None = None
    reward: Tensor | None = None
    done: Tensor | None = None
    terminated: Tensor | None = None
    reward_state: dict[str, Tensor] | None = None
    frames: Tensor | None = None
    text: list[str] | None = None
    state_key: Tensor | None = None
    instruction: list[str] | None = None
    caption: list[str] | None = None
    valid: Tensor | None = None
    #: Number of transitions B; wrappers always set it, so a batch without inputs has a size.
    size: int | None = None

    @property
    def batch_size(self) -> int:
        """Number of transitions B."""
        if self.size is not None:
            return self.size
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Tensor):
                return int(value.shape[0])
            if isinstance(value, Mapping) and value:
                return int(next(iter(value.values())).shape[0])
            if isinstance(value, list):
                return len(value)
        raise ValueError("empty TransitionBatch has no batch size")

    @property
    def device(self) -> torch.device:
        """Device of the batch's tensors (``cpu`` for a batch without tensors)."""
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Mapping) and value:
                value = next(iter(value.values()))
            if isinstance(value, Tensor):
                return value.device
        return torch.device("cpu")

    def valid_mask(self) -> Tensor:
        """``valid`` as a ``[B]`` bool tensor (all true when ``valid`` is ``None``)."""
        if self.valid is not None:
            return self.valid
        return torch.ones(self.batch_size, dtype=torch.bool, device=self.device)

    def select(self, rows: Tensor) -> TransitionBatch:
        """The sub-batch of ``rows`` (bool mask or indices), e.g. ``batch.select(batch.valid_mask())``.

        Row positions change, so per-env state cannot be indexed by row in the result.
        """
        index = rows.nonzero().squeeze(1) if rows.dtype == torch.bool else rows

        def take(value: Any) -> Any:
            if isinstance(value, Tensor):
                return value[index.to(value.device)]
            if isinstance(value, Mapping):
                return {k: take(v) for k, v in value.items()}
            if isinstance(value, list):
                return [value[i] for i in index.tolist()]
            return value

        moved = {f.name: take(getattr(self, f.name)) for f in fields(self) if f.name != "size"}
        return replace(self, **moved, size=int(index.numel()))

    def to(self, device: torch.device | str) -> TransitionBatch:
        """The same batch with every tensor on ``device`` (one transfer per field)."""
        device = torch.device(device)
        return replace(self, **{f.name: _move(getattr(self, f.name), device) for f in fields(self)})


def _float_tensors(value: Any) -> list[Tensor]:
    if isinstance(value, Tensor):
        return [value] if value.is_floating_point() or value.is_complex() else []
    if isinstance(value, Mapping):
        return [t for v in value.values() for t in _float_tensors(v)]
    return []


def finite_rows(batch: TransitionBatch, fields: Iterable[str] | None = None) -> Tensor:
    """``[B]`` bool tensor: true on rows whose float inputs are all finite (no NaN or inf).

    Reads the inputs named in ``fields`` (default: every input; shapers pass their
    :attr:`~RewardShaper.requires`); integer, bool and text inputs are always finite. Stateful
    shapers treat the other rows as rows that are not transitions: reward 0, and no statistic,
    count, weight or per-env state touched, so one bad observation costs one step, not the run.
    Costs one reduction per float input when every row is finite.
    """
    names = INPUTS if fields is None else fields
    ok = torch.ones(batch.batch_size, dtype=torch.bool, device=batch.device)
    for name in sorted(names):
        for x in _float_tensors(getattr(batch, name)):
            if not bool(torch.isfinite(x.sum())):  # a NaN or inf anywhere makes the sum non-finite
                ok &= torch.isfinite(x).reshape(x.shape[0], -1).all(dim=1).to(ok.device)
    return ok


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
    #: Inputs this shaper reads, a subset of :data:`INPUTS` (instances may narrow or widen it).
    requires: frozenset[str] = frozenset()

    def __init__(self, device: torch.device | str | None = None) -> None:
        super().__init__()
        self.device = resolve_device(device)
        #: After each ``forward`` of a shaper made of parts: part name -> its ``[B]`` rewards
        #: (see :meth:`components`); empty for other shapers.
        self.last_components: dict[str, Tensor] = {}
        unknown = set(self.requires) - INPUTS
        if unknown:
            raise TypeError(
                f"{type(self).__name__}.requires has unknown inputs {sorted(unknown)}; allowed: {sorted(INPUTS)}"
            )

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
        """Train learned parts on the batch (RND, ICM, E3B encoders); return statistics to log.

        Wrappers pass the batch ``forward`` just scored (``valid`` included), every step or
        every ``update_every`` steps, before ``reset``.
        """
        return {}

    def field(self, batch: TransitionBatch, name: str) -> Any:
        """``getattr(batch, name)``, or a :class:`MissingInputError` naming the field."""
        value = getattr(batch, name)
        if value is None:
            raise MissingInputError(f"{type(self).__name__} needs batch.{name}; the wrapper did not provide it")
        return value

    def scored_rows(self, batch: TransitionBatch) -> Tensor:
        """The rows to score: ``[B]`` bool on the batch's device.

        True where the row is a transition (``batch.valid``) and every input this shaper reads is
        finite (:func:`finite_rows`). Stateful shapers score 0 elsewhere and learn, count and keep
        per-env state from these rows only.
        """
        rows = finite_rows(batch, self.requires)
        return rows if batch.valid is None else rows & batch.valid.to(rows.device, torch.bool)

    def components(self) -> list[str]:
        """Names of the reward terms this shaper reports: its own name (or class name) by default.

        A shaper made of parts (:class:`~reward_plugins.compose.WeightedSum`,
        ``global_episodic``) returns its parts' names instead, and after each ``forward`` holds
        their ``[B]`` rewards under those names in :attr:`last_components`; wrappers report them
        as ``"<label>/<part>"``.
        """
        return [self.name or type(self).__name__]

    def check_state(self, state_dict: Mapping[str, Any], prefix: str) -> None:
        """Refuse saved state this shaper cannot resume from.

        Raises :class:`~reward_plugins.errors.ShaperStateError` when the entries of ``state_dict``
        under ``prefix`` were saved by a shaper configured so differently that loading them would
        give wrong rewards. The default checks nothing.
        """

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True, assign: bool = False) -> Any:
        """``nn.Module.load_state_dict``, after :meth:`check_state` of every shaper inside.

        The checks all run before anything is copied, so a refused load changes nothing.
        """
        for path, module in self.named_modules():
            if isinstance(module, RewardShaper):
                module.check_state(state_dict, f"{path}." if path else "")
        return super().load_state_dict(state_dict, strict=strict, assign=assign)

    def extra_repr(self) -> str:
        return f"device={self.device}"
