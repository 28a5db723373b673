"""Loading saved shaper state into a shaper configured differently: refused with an error that
names the field, the saved value and the current one, and nothing of the target changes; a
matching load resumes exactly."""
from __future__ import annotations

import copy
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch
from intrinsic_helpers import SPACES, build, make_batch

from reward_plugins import TransitionBatch
from reward_plugins.errors import ShaperStateError

GRID = gym.spaces.Box(0, 4, (3, 3), np.uint8)
VECTOR5 = gym.spaces.Box(-1.0, 1.0, (5,), np.float32)
VECTOR6 = gym.spaces.Box(-1.0, 1.0, (6,), np.float32)


def grid(*codes: int) -> torch.Tensor:
    return torch.tensor(codes, dtype=torch.uint8).reshape(-1, 1, 1).expand(-1, 3, 3).contiguous()


def counted(shaper, *codes: int) -> list[float]:
    return shaper(TransitionBatch(next_obs=grid(*codes), state_key=torch.tensor(codes))).tolist()


# (name, saved config, current config, field, saved value, current value)
MISMATCHES: list[tuple[str, dict[str, Any], dict[str, Any], str, Any, Any]] = [
    ("count", {"seed": 0}, {"seed": 1}, "seed", 0, 1),
    ("count", {}, {"input": "state_key"}, "input", "obs", "state_key"),
    ("count", {"hash": "exact"}, {"hash": "simhash"}, "hash", "exact", "simhash"),
    ("count", {"hash": "simhash", "simhash_bits": 16}, {"hash": "simhash"}, "simhash_bits", 16, 32),
    ("count", {"num_envs": 2, "space": GRID}, {"num_envs": 2, "space": gym.spaces.Box(0, 4, (3, 4), np.uint8)},
     "observation", "Box((3, 3), uint8)", "Box((3, 4), uint8)"),
    ("episodic_count", {"num_envs": 2}, {"num_envs": 5}, "num_envs", 2, 5),
    ("episodic_count", {"seed": 3}, {"seed": 4}, "seed", 3, 4),
    ("rnd", {"feature_dim": 8}, {"feature_dim": 16}, "feature_dim", 8, 16),
    ("rnd", {"num_envs": 2}, {"num_envs": 5}, "num_envs", 2, 5),
    ("rnd", {"space": VECTOR5}, {"space": VECTOR6}, "observation", "Box((5,), float32)", "Box((6,), float32)"),
    ("icm", {"feature_dim": 8}, {"feature_dim": 16}, "feature_dim", 8, 16),
    ("icm", {"space": VECTOR5}, {"space": VECTOR6}, "observation", "Box((5,), float32)", "Box((6,), float32)"),
    ("e3b", {"num_envs": 2}, {"num_envs": 5}, "num_envs", 2, 5),
    ("e3b", {"feature_dim": 8}, {"feature_dim": 16}, "feature_dim", 8, 16),
]
DEFAULTS = {"count": {"space": GRID}, "episodic_count": {"space": GRID}, "rnd": {"space": VECTOR5, "feature_dim": 16},
            "icm": {"space": VECTOR5, "feature_dim": 16}, "e3b": {"space": VECTOR5, "feature_dim": 16}}


def make(name: str, config: dict[str, Any]):
    kwargs = {"num_envs": 2, **DEFAULTS[name], **config}
    return build(name, kwargs.pop("space"), **kwargs)


def play(shaper, steps: int = 2) -> None:
    space = shaper.observation_space
    for t in range(steps):
        batch = make_batch(space, shaper.num_envs, seed=t)
        batch.state_key = torch.arange(shaper.num_envs) + t
        shaper(batch)
        shaper.update(batch)


@pytest.mark.parametrize("name, saved, current, field, saved_value, current_value", MISMATCHES)
def test_loading_state_of_another_configuration_is_refused_naming_the_field(
        name, saved, current, field, saved_value, current_value):
    source, target, twin = make(name, saved), make(name, current), make(name, current)
    play(source)
    play(target)
    play(twin)
    with pytest.raises(ShaperStateError) as error:
        target.load_state_dict(source.state_dict())
    message = str(error.value)
    assert f"{field}: saved {saved_value!r}, this shaper {current_value!r}" in message, message
    batch = make_batch(target.observation_space, target.num_envs, seed=7)
    batch.state_key = torch.arange(target.num_envs)
    assert torch.equal(target(batch), twin(batch))  # the refused load changed nothing


def test_a_refused_nested_load_changes_nothing_of_the_composition():
    saved = build("global_episodic", GRID, num_envs=2, global_shaper="count", episodic_shaper="episodic_count",
                  mode="ngu")
    target = build("global_episodic", GRID, num_envs=2, global_shaper="count", episodic_shaper="episodic_count",
                   mode="ngu", episodic_kwargs={"seed": 9})
    for shaper in (saved, target):
        counted(shaper, 0, 1)
    before = copy.deepcopy(target.state_dict())
    with pytest.raises(ShaperStateError, match="episodic_bonus.*seed: saved 1, this shaper 9"):
        target.load_state_dict(saved.state_dict())
    after = target.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before if isinstance(before[k], torch.Tensor))


@pytest.mark.parametrize("name", ["count", "episodic_count"])
@pytest.mark.parametrize("input", ["obs", "state_key"])
def test_a_matching_load_continues_the_counts(name, input):
    shaper = make(name, {"input": input})
    counted(shaper, 0, 1)
    counted(shaper, 0, 2)
    clone = make(name, {"input": input})
    clone.load_state_dict(shaper.state_dict())
    assert counted(clone, 0, 1) == pytest.approx([1 / np.sqrt(3), 1 / np.sqrt(2)])


@pytest.mark.parametrize("name", ["rnd", "icm", "e3b"])
def test_a_matching_load_of_a_learned_shaper_resumes_exactly(name):
    shaper = make(name, {"space": SPACES["grid6x6"]})
    play(shaper, 3)
    clone = make(name, {"space": SPACES["grid6x6"], "seed": 5})  # seeds of networks are saved with them
    clone.load_state_dict(shaper.state_dict())
    batch = make_batch(SPACES["grid6x6"], 2, seed=9)
    assert torch.equal(clone(batch), shaper(batch))


def test_count_tables_refuse_state_of_another_number_of_envs():
    from reward_plugins.intrinsic.host_table import HostCountTable
    from reward_plugins.intrinsic.table import CountTable

    for kind in (CountTable, HostCountTable):
        saved = kind(num_envs=2)
        saved.add(torch.tensor([3, 4]))
        with pytest.raises(ShaperStateError, match="num_envs: saved 2, this shaper 5"):
            kind(num_envs=5).load_state_dict(saved.state_dict())
