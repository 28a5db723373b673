"""reward_plugins.testing.check_shaper over the whole shaper registry, and on shapers that break
the contract (so the checker is known to catch what it claims to).
"""
from __future__ import annotations

import json
import zlib

import gymnasium as gym
import numpy as np
import pytest
import torch

from reward_plugins import RewardShaper, TransitionBatch, available_shapers
from reward_plugins.errors import ShaperContractError
from reward_plugins.testing import check_shaper, random_batch
from reward_plugins.testing.chat_server import ChatServer
from reward_plugins.vlm.random_clip import save_random_clip

#: The LLM shapers' scripted chat server (real HTTP on 127.0.0.1), up for the session; each reply is
#: a pure function of the request, so two shapers built alike get the same labels.
_CHAT = ChatServer(respond=lambda body: f"<score>{zlib.crc32(json.dumps(body['messages']).encode()) % 11}</score>")
_LLM = {"model": _CHAT.start().model, "base_url": _CHAT.url, "cache": "off"}

#: Constructor arguments for registered shapers that need some (compositions need children) or
#: that run faster with small networks. A new shaper that needs arguments fails below until it
#: gets a row here.
ARGS = {
    "rnd": {"feature_dim": 8},
    "icm": {"feature_dim": 8},
    "e3b": {"feature_dim": 8},
    "global_episodic": {"global_kwargs": {"feature_dim": 8}, "episodic_kwargs": {"feature_dim": 8}},
    "weighted_sum": {"shapers": ["count", {"name": "rnd", "kwargs": {"feature_dim": 8}}], "weights": [1.0, 0.5]},
    "clip": {"shaper": "count", "low": 0.0, "high": 0.5},
    "running_norm": {"shaper": "episodic_count"},
    "potential": {"potential": "count"},
    "gated": {"shaper": "count", "threshold": 0.0},
    "vlm_judge": {"task": "win", "timeout": None, "client": _LLM},
    "oni": {"task": "win", "timeout": None, "client": _LLM, "min_examples": 2, "buckets": 64},
    "code": {"source": "def compute_reward(state):\n    near = -(state['pos'] - 3).abs().sum(dim=1).float()\n"
                       "    return state['progress'] + 0.1 * near, {'near': near}\n"},
    # a CLIP with random weights saved to a folder (the real loading path); the real MiniLM
    "vlm_clip": lambda tmp: {"model": str(save_random_clip(tmp / "clip")), "goal_prompts": "a red door",
                             "baseline_prompts": "a door", "cache_size": 8},
    "embedding_goal": {"goal_prompts": "pick up the key", "baseline_prompts": "you are in a room"},
}

#: Every registered shaper but the ones test modules register for themselves.
REGISTRY = [name for name in available_shapers() if not name.startswith("test_")]


def test_the_argument_table_names_only_registered_shapers():
    assert set(ARGS) <= set(REGISTRY)


@pytest.mark.parametrize("name", REGISTRY)
def test_every_registered_shaper_keeps_the_contract(name, tmp_path):
    args = ARGS.get(name)
    done = check_shaper(name, args(tmp_path) if callable(args) else args)
    assert {"contract[cpu]", "reset[cpu]", "state round trip"} <= set(done)
    if torch.cuda.is_available():
        assert "contract[cuda]" in done


@pytest.mark.parametrize("space", [gym.spaces.Box(-1.0, 1.0, (5,), np.float32), gym.spaces.Discrete(6),
                                   gym.spaces.Dict({"grid": gym.spaces.Box(0, 6, (4, 4), np.uint8),
                                                    "pos": gym.spaces.Box(-1.0, 1.0, (2,), np.float32)})])
@pytest.mark.parametrize("name", ["count", "rnd"])
def test_checks_run_on_other_observation_spaces(name, space):
    check_shaper(name, ARGS.get(name), observation_space=space)


class RewardPlusRow(RewardShaper):
    """Stateless: the env reward plus a feature of next_obs."""

    requires = frozenset({"reward", "next_obs"})

    def forward(self, batch: TransitionBatch) -> torch.Tensor:
        return batch.reward.float() + batch.next_obs.float().reshape(batch.batch_size, -1)[:, 0]


def test_a_stateless_shaper_is_checked_for_batch_invariance():
    assert "batch invariance" in check_shaper(RewardPlusRow("cpu"))


class BatchCentred(RewardPlusRow):
    """Subtracts the batch mean: each row depends on the others."""

    def forward(self, batch):
        out = super().forward(batch)
        return out - out.mean()


class Float64(RewardPlusRow):
    def forward(self, batch):
        return super().forward(batch).double()


class Unseeded(RewardPlusRow):
    def forward(self, batch):
        return super().forward(batch) + torch.rand(batch.batch_size)


class CounterNotSaved(RewardPlusRow):
    """Counts steps in a Python attribute that state_dict does not save."""

    def __init__(self) -> None:
        super().__init__("cpu")
        self.register_buffer("scale", torch.ones(()))
        self.steps = 0

    def forward(self, batch):
        self.steps += 1
        return super().forward(batch) * self.steps


class ResetsEverything(RewardPlusRow):
    """Per-env totals whose reset ignores the mask."""

    def __init__(self) -> None:
        super().__init__("cpu")
        self.register_buffer("total", torch.zeros(0))

    def setup(self, observation_space, action_space, num_envs):
        self.total = torch.zeros(num_envs)

    def forward(self, batch):
        self.total = self.total + super().forward(batch)
        return self.total.clone()

    def reset(self, done_mask):
        self.total = torch.zeros_like(self.total)


class NaNs(RewardPlusRow):
    def forward(self, batch):
        return super().forward(batch) * float("nan")


class Pixels(RewardPlusRow):
    requires = frozenset({"next_obs"})

    def __init__(self) -> None:
        super().__init__("cpu")
        self.requires = frozenset({"pixels"})


@pytest.mark.parametrize("shaper, check, detail", [
    (BatchCentred("cpu"), "batch invariance", "when only the other rows changed"),
    (Float64("cpu"), "contract", "torch.float64, not float32"),
    (Unseeded("cpu"), "contract", "two shapers built alike"),
    (CounterNotSaved(), "state round trip", "save every piece of state"),
    (ResetsEverything(), "reset", "all-false mask changed"),
    (NaNs("cpu"), "contract", "non-finite"),
    (Pixels(), "contract", "unknown inputs \\['pixels'\\]"),
])
def test_shapers_breaking_the_contract_are_caught(shaper, check, detail):
    with pytest.raises(ShaperContractError, match=f"failed the {check} check: .*{detail}"):
        check_shaper(shaper)


def test_random_batches_are_seeded_and_hold_every_input():
    a, b = random_batch(n=4, seed=1), random_batch(n=4, seed=1)
    assert torch.equal(a.next_obs, b.next_obs) and a.instruction == b.instruction and len(a.instruction) == 4
    assert not torch.equal(a.next_obs, random_batch(n=4, seed=2).next_obs)
    assert a.next_obs.shape == (4, 7, 7) and a.frames.shape == (4, 16, 16, 3) and a.state_key.dtype == torch.int64
