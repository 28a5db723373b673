"""Count bonuses: exact 1/sqrt(N) on hand-made sequences, episodic resets, SimHash."""
from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from intrinsic_helpers import build

from reward_plugins import TransitionBatch
from reward_plugins.errors import ShaperConfigError

GRID = gym.spaces.Box(0, 4, (3, 3), np.uint8)


def grid(*codes: int) -> torch.Tensor:
    """One 3x3 grid per code, filled with that code: distinct codes are distinct states."""
    return torch.tensor(codes, dtype=torch.uint8).reshape(-1, 1, 1).expand(-1, 3, 3).contiguous()


def step(shaper, *codes: int, valid=None) -> list[float]:
    return shaper(TransitionBatch(next_obs=grid(*codes), valid=valid)).tolist()


def test_count_is_inverse_sqrt_of_visits_so_far():
    shaper = build("count", GRID, num_envs=2)
    assert shaper.hash_kind == "exact"
    visits = {}
    for codes in [(0, 1), (0, 0), (2, 1), (0, 1)]:
        for c in codes:
            visits[c] = visits.get(c, 0) + 1
        expected = [1 / np.sqrt(visits[c]) for c in codes]
        assert step(shaper, *codes) == pytest.approx(expected, rel=1e-6)
    # 0 seen 4 times, 1 three times, 2 once
    assert step(shaper, 0, 2) == pytest.approx([1 / np.sqrt(5), 1 / np.sqrt(2)])


def test_count_distinguishes_single_cells():
    shaper = build("count", GRID, num_envs=2)
    a = torch.zeros(2, 3, 3, dtype=torch.uint8)
    a[1, 2, 2] = 1
    assert shaper(TransitionBatch(next_obs=a)).tolist() == [1.0, 1.0]


def test_invalid_rows_are_not_counted_and_score_zero():
    shaper = build("count", GRID, num_envs=2)
    assert step(shaper, 3, 3, valid=torch.tensor([True, False])) == [1.0, 0.0]
    assert step(shaper, 3, 1) == pytest.approx([1 / np.sqrt(2), 1.0])


def test_episodic_count_is_per_env_and_resets_on_done():
    shaper = build("episodic_count", GRID, num_envs=2)
    assert step(shaper, 0, 0) == [1.0, 1.0]  # the same state in two envs: separate episodes
    assert step(shaper, 0, 1) == pytest.approx([1 / np.sqrt(2), 1.0])
    assert step(shaper, 0, 0) == pytest.approx([1 / np.sqrt(3), 1 / np.sqrt(2)])
    shaper.reset(torch.tensor([True, False]))
    assert step(shaper, 0, 0) == pytest.approx([1.0, 1 / np.sqrt(3)])
    shaper.reset(torch.tensor([False, True]))
    assert step(shaper, 0, 0) == pytest.approx([1 / np.sqrt(2), 1.0])


def test_episodic_count_rejects_a_batch_that_is_not_one_row_per_env():
    shaper = build("episodic_count", GRID, num_envs=3)
    with pytest.raises(ShaperConfigError, match="num_envs=3"):
        step(shaper, 0, 1)


def test_simhash_counts_repeated_images_and_separates_different_ones():
    space = gym.spaces.Box(0, 255, (84, 84, 3), np.uint8)
    shaper = build("count", space, num_envs=2, simhash_bits=32)
    assert shaper.hash_kind == "simhash"
    rng = np.random.default_rng(0)
    images = torch.as_tensor(rng.integers(0, 256, (2, 84, 84, 3), dtype=np.uint8))
    first = shaper(TransitionBatch(next_obs=images)).tolist()
    assert first == [1.0, 1.0]
    bonuses = [shaper(TransitionBatch(next_obs=images)).tolist() for _ in range(3)]
    assert bonuses == [[pytest.approx(1 / np.sqrt(k))] * 2 for k in (2, 3, 4)]


def test_simhash_is_the_sign_pattern_of_a_gaussian_projection():
    space = gym.spaces.Box(-1.0, 1.0, (6,), np.float32)
    shaper = build("count", space, num_envs=4, simhash_bits=8)
    x = torch.randn(4, 6)
    bits = (x @ shaper.hasher.projection) > 0
    expected = (bits.long() * (2 ** torch.arange(8))).sum(1)
    assert torch.equal(shaper.hasher(x, "cpu"), expected)
    # scaling a vector keeps its code: nearby directions share counts
    keys = shaper.hasher(torch.cat([x[:1], 2 * x[:1]]), "cpu")
    assert keys[0] == keys[1]


def test_count_state_dict_round_trip_resumes_counts():
    shaper = build("count", GRID, num_envs=2)
    step(shaper, 0, 1)
    step(shaper, 0, 2)
    clone = build("count", GRID, num_envs=2)
    clone.load_state_dict(shaper.state_dict())
    assert step(clone, 0, 1) == step(shaper, 0, 1) == pytest.approx([1 / np.sqrt(3), 1 / np.sqrt(2)])


def test_text_input_counts_batch_text():
    shaper = build("count", GRID, num_envs=2, input="text")
    assert shaper.requires == frozenset({"text"})
    first = shaper(TransitionBatch(text=["open the door", "pick up key"])).tolist()
    second = shaper(TransitionBatch(text=["open the door", "go north"])).tolist()
    assert first == [1.0, 1.0]
    assert second == pytest.approx([1 / np.sqrt(2), 1.0])


TABLES = ["CountTable", "HostCountTable"]


def _table(kind: str, **kwargs):
    from reward_plugins.intrinsic.host_table import HostCountTable
    from reward_plugins.intrinsic.table import CountTable

    return {"CountTable": CountTable, "HostCountTable": HostCountTable}[kind](**kwargs)


@pytest.mark.parametrize("kind", TABLES)
def test_count_table_matches_a_counter_through_collisions_races_and_growth(kind):
    from collections import Counter

    from reward_plugins.intrinsic.table import EMPTY

    table = _table(kind, capacity=4)
    counter: Counter[int] = Counter()
    rng = np.random.default_rng(0)
    pool = np.concatenate([rng.integers(-(2**62), 2**62, 300), [EMPTY, EMPTY + 1, 0, 1]])
    for _ in range(40):
        keys = rng.choice(pool, size=16)
        counter.update(keys.tolist())
        got = table.add(torch.as_tensor(keys))
        merged = {EMPTY: counter[EMPTY] + counter[EMPTY + 1], EMPTY + 1: counter[EMPTY] + counter[EMPTY + 1]}
        assert got.tolist() == [merged.get(k, counter[k]) for k in keys.tolist()]
    assert len(table) == len(set(pool.tolist()) & set(counter)) - 1  # EMPTY shares EMPTY + 1's slot
    assert table.capacity >= len(table)


@pytest.mark.parametrize("kind", TABLES)
def test_episodic_table_counts_each_episode_apart_and_drops_finished_ones_on_rebuild(kind):
    table = _table(kind, num_envs=2, capacity=4)
    rng = np.random.default_rng(1)
    episodes = [{}, {}]
    for t in range(60):
        keys = rng.integers(0, 5, 2)
        expected = []
        for env, key in enumerate(keys.tolist()):
            episodes[env][key] = episodes[env].get(key, 0) + 1
            expected.append(episodes[env][key])
        assert table.add(torch.as_tensor(keys)).tolist() == expected
        if t % 7 == 6:
            table.forget(torch.tensor([True, t % 14 == 13]))
            episodes[0] = {}
            if t % 14 == 13:
                episodes[1] = {}
    stored = len(table)
    assert stored >= sum(map(len, episodes))
    table.forget(torch.tensor([True, False]))
    episodes[0] = {}
    assert len(table) == stored > sum(map(len, episodes))  # finished episodes linger until the table grows
    table._rebuild(incoming=0)
    assert len(table) == sum(map(len, episodes))
    assert table.add(torch.as_tensor([0, 0])).tolist() == [episodes[0].get(0, 0) + 1, episodes[1].get(0, 0) + 1]


@pytest.mark.parametrize("num_envs", [0, 3])
@pytest.mark.parametrize("source, target", [("CountTable", "HostCountTable"), ("HostCountTable", "CountTable")])
def test_cpu_and_device_tables_save_the_same_state_and_resume_each_other(source, target, num_envs):
    rng = np.random.default_rng(2)
    first, second = _table(source, num_envs=num_envs), _table(source, num_envs=num_envs)
    batches = [torch.as_tensor(rng.integers(0, 6, 3)) for _ in range(30)]
    valid = torch.tensor([True, False, True])
    for t, keys in enumerate(batches[:20]):
        for table in (first, second):
            table.add(keys, valid=valid if t % 5 == 0 else None)
            if num_envs and t % 6 == 5:
                table.forget(torch.tensor([True, False, t % 12 == 11]))
    resumed = _table(target, num_envs=num_envs)
    resumed.load_state_dict(first.state_dict())
    assert len(resumed) == len(first)
    for keys in batches[20:]:
        assert resumed.add(keys).tolist() == second.add(keys).tolist()


@pytest.mark.parametrize("kind", TABLES)
def test_tables_pickle_and_deepcopy_with_their_counts(kind):
    import copy
    import pickle

    table = _table(kind, num_envs=2)
    table.add(torch.tensor([5, 7]))
    for clone in (copy.deepcopy(table), pickle.loads(pickle.dumps(table))):
        assert clone.add(torch.tensor([5, 8])).tolist() == [2, 1]
    assert table.add(torch.tensor([5, 8])).tolist() == [2, 1]  # the original is untouched


@pytest.mark.parametrize("width", [1, 8, 100, 3 * 84 * 84])
@pytest.mark.parametrize("salt", [0, -(2**63), 12345678901234567])
def test_exact_hash_numpy_path_equals_the_tensor_path(width, salt):
    from reward_plugins.intrinsic.hashing import _hash_rows_numpy, _hash_rows_torch

    rows = np.random.default_rng(width).integers(0, 256, (64, width), dtype=np.uint8)
    rows[:, 0] = np.arange(64)  # distinct rows ...
    rows[1] = rows[0]  # ... but one pair
    keys = _hash_rows_numpy(rows, salt)
    assert keys.tolist() == _hash_rows_torch(torch.from_numpy(rows), salt).tolist()
    assert keys[0] == keys[1] and len(set(keys.tolist())) == 63


@pytest.mark.parametrize("kind", TABLES)
def test_episodic_table_memory_stays_bounded_by_live_episodes(kind):
    # 64 envs, 10-step episodes of fresh keys: at most 640 entries are ever live, so the table
    # must compact instead of growing with the run (20k transitions).
    table = _table(kind, num_envs=64, capacity=16)
    rng = np.random.default_rng(0)
    capacities = []
    for step in range(1, 313):
        counts = table.add(torch.from_numpy(rng.integers(0, 1 << 40, 64)))
        assert counts.tolist() == [1] * 64
        table.forget(torch.full((64,), step % 10 == 0))
        capacities.append(table.capacity)
    assert max(capacities) <= 4096 and len(table) <= max(capacities)


@pytest.mark.parametrize("name", ["count", "episodic_count"])
def test_counts_of_discrete_observations_under_shaped_env_frozen_lake(name):
    """FrozenLake's observation is a Discrete cell index; the single-env batch reaches the hash
    as a one-element array (a zero-stride one once, which crashed the byte view)."""
    from reward_plugins.wrappers import ShapedEnv

    env = ShapedEnv(gym.make("FrozenLake-v1", is_slippery=False), [name])
    env.reset(seed=0)
    right, left, down = 2, 0, 1
    # cells: 0 -> 1 -> 0 -> 1 -> 0 -> 1, then down into the hole at 5 (the episode ends)
    rewards = [env.step(a)[1] for a in (right, left, right, left, right, down)]
    assert rewards == pytest.approx([1, 1, 1 / np.sqrt(2), 1 / np.sqrt(2), 1 / np.sqrt(3), 1])
    env.reset(seed=0)
    again = env.step(right)[1]  # cell 1, a fourth time in the run, the first in this episode
    assert again == pytest.approx(0.5 if name == "count" else 1.0)


@pytest.mark.parametrize("shape", [(), (1,)])
def test_exact_hash_reads_zero_stride_and_zero_dimensional_batches(shape):
    from reward_plugins.intrinsic.hashing import ExactHash

    hasher = ExactHash(gym.spaces.Discrete(16))
    stride0 = torch.tensor(5).expand(1)  # what a broadcast single-env batch looks like
    assert stride0.stride() == (0,)
    expected = hasher(torch.tensor([5]), "cpu")
    assert hasher(stride0.reshape((1, *shape)), "cpu").tolist() == expected.tolist()
    assert hasher(torch.tensor(5), "cpu").tolist() == expected.tolist()  # a bare scalar: a batch of one
    assert hasher(torch.tensor([5, 6]), "cpu")[0] == expected[0]


def test_count_tables_follow_the_count_table_protocol():
    from reward_plugins.intrinsic.table import CountTableProtocol, make_count_table

    for kind in TABLES:
        assert isinstance(_table(kind, num_envs=2), CountTableProtocol)
    assert isinstance(make_count_table(0, torch.device("cpu")), CountTableProtocol)
    assert not isinstance(torch.nn.Linear(1, 1), CountTableProtocol)
    assert isinstance(build("count", GRID, num_envs=2).table, CountTableProtocol)
