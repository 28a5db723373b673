"""``check_shaper``: the shaper contract of :mod:`reward_plugins.base`, checked on random batches.

Checks, in order (each failure raises :class:`~reward_plugins.errors.ShaperContractError` naming
the check):

- contract: ``requires`` is a subset of ``INPUTS``; ``forward`` returns a finite float32 ``[B]``
  tensor on the shaper's device, also for a batch with invalid rows; ``update`` returns a dict
  of str -> float; two shapers built alike give the same rewards (same seed, same results);
- devices: the above on ``cpu`` and, when present, ``cuda`` (shapers given by name or spec);
- reset: an all-false mask changes no state; a partial mask leaves the shaper usable;
- state round trip: a copy loaded from ``state_dict`` (through ``torch.save``) gives the same
  next rewards and update statistics as the original;
- batch invariance, for stateless shapers (nothing in ``state_dict``, the same rewards when
  called twice): row ``i``'s reward does not depend on the other rows, and a batch of ``B``
  equals ``B`` batches of 1 scored by fresh shapers set up for one env. Stateful shapers (counts,
  learned normalisers, per-env state) legitimately couple rows, so this check is skipped for them.
"""
from __future__ import annotations

import copy
import inspect
import io
from collections.abc import Iterable, Mapping
from typing import Any, cast

import gymnasium as gym
import numpy as np
import torch
from gymnasium.vector.utils import concatenate, create_empty_array

from ..base import INPUTS, RewardShaper, TransitionBatch
from ..errors import ShaperContractError
from ..registry import shaper_class
from ..spec import ShaperSpec
from ..wrappers.inputs import to_tensor

#: The observation space shapers are checked on unless told otherwise: a small grid, which every
#: built-in shaper accepts.
DEFAULT_OBSERVATION_SPACE = gym.spaces.Box(0, 6, (7, 7), np.uint8)
DEFAULT_ACTION_SPACE = gym.spaces.Discrete(4)

_WORDS = ("go", "north", "red", "door", "key", "pick", "up", "box", "left", "push")


def _sample(space: gym.Space, n: int, seed: int) -> Any:
    """``n`` seeded samples of ``space``, batched as a vector env would batch them."""
    space = copy.deepcopy(space)
    space.seed(seed)
    items = [space.sample() for _ in range(n)]
    if isinstance(space, gym.spaces.Text):
        return list(items)
    return to_tensor(concatenate(space, items, cast(Any, create_empty_array(space, n))))


def random_batch(
    observation_space: gym.Space = DEFAULT_OBSERVATION_SPACE,
    action_space: gym.Space = DEFAULT_ACTION_SPACE,
    n: int = 3,
    *,
    seed: int = 0,
) -> TransitionBatch:
    """A seeded batch of ``n`` random transitions with every input of :data:`INPUTS`.

    ``reward_state`` holds ``pos`` (int64 ``[n, 2]``), ``progress`` (float32 ``[n]``) and the
    grounding keys of :mod:`reward_plugins.grounding.keys` on a 160x120 screen (``cursor``,
    ``target_box``, ``pred_box``, ``screen_size``, ``clicked``, ``action_is_valid``, ``step``,
    ``max_steps``); ``frames`` are 16x16 RGB; ``text``, ``instruction`` and ``caption`` are short
    random phrases.
    """
    rng = np.random.default_rng(seed)
    done = rng.random(n) < 0.3

    def phrases() -> list[str]:
        return [" ".join(rng.choice(_WORDS, size=3)) for _ in range(n)]

    obs = _sample(observation_space, n, seed)
    next_obs = _sample(observation_space, n, seed + 1)
    return TransitionBatch(
        obs=obs,
        next_obs=next_obs,
        action=_sample(action_space, n, seed + 2),
        reward=torch.from_numpy(rng.standard_normal(n).astype(np.float32)),
        done=torch.from_numpy(done),
        terminated=torch.from_numpy(done & (rng.random(n) < 0.5)),
        reward_state={"pos": torch.from_numpy(rng.integers(0, 7, (n, 2))),
                      "progress": torch.from_numpy(rng.random(n).astype(np.float32)),
                      **_screen_state(n, seed)},
        frames=torch.from_numpy(rng.integers(0, 256, (n, 16, 16, 3), dtype=np.uint8)),
        text=list(next_obs) if isinstance(next_obs, list) else phrases(),
        state_key=torch.from_numpy(rng.integers(-(2**62), 2**62, n, dtype=np.int64)),
        instruction=phrases(),
        caption=phrases(),
        size=n,
    )


def _screen_state(n: int, seed: int) -> dict[str, torch.Tensor]:
    """Seeded grounding entries of ``reward_state`` for ``n`` envs on a 160x120 screen."""
    rng = np.random.default_rng(seed + 11)
    screen = np.array([160.0, 120.0], np.float32)

    def boxes() -> torch.Tensor:
        corners = np.sort(rng.random((n, 2, 2)) * screen, axis=1)  # [n, low/high, x/y]
        return torch.from_numpy(corners.reshape(n, 4).astype(np.float32))

    steps = rng.integers(1, 20, n)
    return {"cursor": torch.from_numpy((rng.random((n, 2)) * screen).astype(np.float32)),
            "target_box": boxes(), "pred_box": boxes(),
            "screen_size": torch.from_numpy(np.tile(screen, (n, 1))),
            "clicked": torch.from_numpy(rng.integers(0, 2, n)),
            "action_is_valid": torch.from_numpy(rng.integers(0, 2, n)),
            "step": torch.from_numpy(steps), "max_steps": torch.from_numpy(steps + rng.integers(0, 2, n))}


def _fail(check: str, label: str, message: str) -> ShaperContractError:
    return ShaperContractError(f"check_shaper({label}) failed the {check} check: {message}")


def _same(a: Any, b: Any) -> bool:
    """Exact equality of nested state (tensors, dicts, lists, plain values)."""
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.shape == b.shape and a.dtype == b.dtype and bool(torch.equal(a, b))
    if isinstance(a, Mapping):
        return isinstance(b, Mapping) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return isinstance(b, (list, tuple)) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.shape == b.shape and bool(np.array_equal(a, b))
    return bool(a == b)


def _state(shaper: RewardShaper) -> dict[str, Any]:
    return copy.deepcopy(shaper.state_dict())


def _with_row(base: TransitionBatch, other: TransitionBatch, row: int) -> TransitionBatch:
    """``base`` with row ``row`` of every input taken from ``other``."""
    def put(a: Any, b: Any) -> Any:
        if isinstance(a, torch.Tensor):
            out = a.clone()
            out[row] = b[row]
            return out
        if isinstance(a, Mapping):
            return {k: put(a[k], b[k]) for k in a}
        if isinstance(a, list):
            return [b[i] if i == row else v for i, v in enumerate(a)]
        return a

    return TransitionBatch(**{name: put(getattr(base, name), getattr(other, name)) for name in INPUTS},
                           size=base.size)


class _Subject:
    """How to make fresh, identical copies of the shaper under test, on each device to check."""

    def __init__(self, shaper: str | ShaperSpec | RewardShaper | Mapping[str, Any], kwargs: Mapping[str, Any] | None,
                 devices: Iterable[str] | None) -> None:
        self.template: RewardShaper | None = None
        self.spec: ShaperSpec | None = None
        self.takes_device = False
        if isinstance(shaper, RewardShaper):
            if kwargs:
                raise ShaperContractError("check_shaper: kwargs are for shapers given by name or spec, not instances")
            self.template, self.label, self.devices = copy.deepcopy(shaper), type(shaper).__name__, [str(shaper.device)]
            return
        spec = ShaperSpec.parse(shaper, "check_shaper")
        self.spec = ShaperSpec(spec.name, {**spec.kwargs, **(kwargs or {})})
        self.spec.check("check_shaper")
        self.label = repr(self.spec.name)
        self.takes_device = "device" in inspect.signature(shaper_class(self.spec.name).__init__).parameters
        if not self.takes_device:
            self.devices = [str(self.spec.build("check_shaper").device)]
        elif devices is None:
            self.devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
        else:
            self.devices = list(devices)

    def make(self, device: str) -> RewardShaper:
        """A fresh copy on ``device`` (instances and shapers without a device argument: their own)."""
        if self.template is not None:
            return copy.deepcopy(self.template)
        spec = cast(ShaperSpec, self.spec)
        if self.takes_device:
            spec = ShaperSpec(spec.name, {**spec.kwargs, "device": device})
        return spec.build("check_shaper")


def check_shaper(
    shaper: str | ShaperSpec | RewardShaper | Mapping[str, Any],
    kwargs: Mapping[str, Any] | None = None,
    *,
    observation_space: gym.Space = DEFAULT_OBSERVATION_SPACE,
    action_space: gym.Space = DEFAULT_ACTION_SPACE,
    num_envs: int = 3,
    devices: Iterable[str] | None = None,
    seed: int = 0,
) -> list[str]:
    """Check that a shaper keeps the contract (see the module docstring); return the checks run.

    :param shaper: a registry name, spec dict or :class:`~reward_plugins.spec.ShaperSpec` (built
        afresh for every check and device), or a set-up-free instance (deep-copied; checked on its
        own device only).
    :param kwargs: constructor arguments added to a name or spec.
    :param observation_space, action_space: the single-env spaces passed to ``setup`` and
        sampled for the batches.
    :param num_envs: ``B``, at least 2 so rows can differ.
    :param devices: default ``cpu`` plus ``cuda`` when a GPU is present.
    :raises ShaperContractError: naming the check that failed and why.
    """
    if num_envs < 2:
        raise ShaperContractError(f"check_shaper needs num_envs >= 2 so rows can differ, got {num_envs}")
    subject = _Subject(shaper, kwargs, devices)
    label, done = subject.label, []

    def fresh(device: str, n: int = num_envs) -> RewardShaper:
        s = subject.make(device)
        s.setup(observation_space, action_space, n)
        return s

    def batch(t: int, device: str, n: int = num_envs) -> TransitionBatch:
        return random_batch(observation_space, action_space, n, seed=seed + 7 * t).to(device)

    def scored(s: RewardShaper, b: TransitionBatch, what: str) -> torch.Tensor:
        out = s(b)
        if not isinstance(out, torch.Tensor) or out.shape != (b.batch_size,) or out.dtype != torch.float32:
            got = f"{tuple(out.shape)} {out.dtype}" if isinstance(out, torch.Tensor) else type(out).__name__
            raise _fail("contract", label, f"{what}: forward returned {got}, not float32 [{b.batch_size}]")
        if out.device.type != s.device.type:
            raise _fail("devices", label, f"{what}: forward returned a tensor on {out.device}, not {s.device}")
        if not bool(torch.isfinite(out).all()):
            raise _fail("contract", label, f"{what}: forward returned non-finite rewards {out.tolist()}")
        return out

    for device in subject.devices:
        s = fresh(device)
        unknown = set(s.requires) - INPUTS
        if unknown:
            raise _fail("contract", label, f"requires has unknown inputs {sorted(unknown)}; allowed: {sorted(INPUTS)}")
        if subject.takes_device and s.device.type != torch.device(device).type:
            raise _fail("devices", label, f"built with device={device!r} but its device is {s.device}")
        out = scored(s, batch(0, device), f"on {device}")
        stats = s.update(batch(0, device))
        if not isinstance(stats, Mapping) or not all(isinstance(k, str) and isinstance(v, (int, float))
                                                     for k, v in stats.items()):
            raise _fail("contract", label, f"update returned {stats!r}, not a dict of str -> float")
        masked = batch(1, device)
        masked.valid = torch.tensor([i % 2 == 1 for i in range(num_envs)], device=device)
        scored(s, masked, f"on {device} with invalid rows")
        twin = scored(fresh(device), batch(0, device), f"on {device}, a second copy")
        if not torch.equal(out, twin):
            raise _fail("contract", label, f"two shapers built alike gave {out.tolist()} and {twin.tolist()} on the "
                        "same batch; seed every random part from the constructor")
        done.append(f"contract[{device}]")

        before = _state(s)
        s.reset(torch.zeros(num_envs, dtype=torch.bool, device=device))
        if not _same(_state(s), before):
            raise _fail("reset", label, "reset with an all-false mask changed the shaper's state")
        s.reset(torch.tensor([i == 0 for i in range(num_envs)], device=device))
        scored(s, batch(2, device), f"on {device} after reset")
        done.append(f"reset[{device}]")

    device = subject.devices[0]
    original = fresh(device)
    for t in range(2):
        b = batch(t, device)
        scored(original, b, "before saving")
        original.update(b)
    original.reset(torch.tensor([i == 1 for i in range(num_envs)], device=device))
    buffer = io.BytesIO()
    torch.save(original.state_dict(), buffer)
    buffer.seek(0)
    copy_ = fresh(device)
    copy_.load_state_dict(torch.load(buffer, weights_only=False))
    for t in (3, 4):
        b = batch(t, device)
        mine, theirs = scored(copy_, b, "after loading"), scored(original, b, "after saving")
        if not torch.equal(mine, theirs):
            raise _fail("state round trip", label, f"the reloaded copy gave {mine.tolist()}, the original "
                        f"{theirs.tolist()}; save every piece of state in state_dict")
        if not _same(copy_.update(b), original.update(b)):
            raise _fail("state round trip", label, "the reloaded copy's update statistics differ from the original's")
    done.append("state round trip")

    probe = fresh(device)
    b = batch(5, device)
    stateless = not probe.state_dict() and torch.equal(scored(probe, b, "stateless probe"),
                                                       scored(probe, b, "stateless probe, again"))
    if stateless:
        other = batch(6, device)
        whole = scored(fresh(device), b, "batch invariance")
        for row in range(num_envs):
            mixed = scored(fresh(device), _with_row(other, b, row), "batch invariance")
            if not torch.allclose(mixed[row], whole[row], rtol=1e-5, atol=1e-6):
                raise _fail("batch invariance", label, f"row {row}'s reward changed from {whole[row].item()} to "
                            f"{mixed[row].item()} when only the other rows changed")
            alone = scored(fresh(device, 1), b.select(torch.tensor([row])), "batch invariance")
            if not torch.allclose(alone[0], whole[row], rtol=1e-5, atol=1e-6):
                raise _fail("batch invariance", label, f"row {row} alone scored {alone[0].item()}, in a batch "
                            f"{whole[row].item()}")
        done.append("batch invariance")
    return done

