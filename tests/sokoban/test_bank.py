"""Level banks change how long a seeded reset takes, never what it gives."""
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils import seeding

import agentenvs  # noqa: F401
from agentenvs.errors import ConfigError
from agentenvs.sokoban import bank
from agentenvs.sokoban.bank import bank_dir, build_bank, level_for_seed
from agentenvs.sokoban.generator import generate_level

ROOM, BOXES, FIRST, COUNT = (6, 6), 2, 40, 6
CONFIG = (*ROOM, BOXES, 0)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty cache folder of this test's own, and no level remembered from before."""
    monkeypatch.setenv("AGENTENVS_CACHE_DIR", str(tmp_path))
    bank._memo.cache_clear()
    bank._banks.cache_clear()
    yield tmp_path / "sokoban-levels"
    bank._memo.cache_clear()
    bank._banks.cache_clear()


def generated(seed, draws=1):
    """The closed form: the levels ``draws`` procedural draws give from ``seed``'s generator."""
    rng, _ = seeding.np_random(seed)
    return [generate_level(rng, ROOM, BOXES) for _ in range(draws)]


def test_a_bank_holds_exactly_what_the_generator_draws(cache):
    path = build_bank(ROOM, BOXES, first=FIRST, count=COUNT)
    assert path.parent == cache == bank_dir() and path.name == f"v{bank.BANK_VERSION}-6x6-b2-p0-s40-n6.npz"
    for seed in range(FIRST, FIRST + COUNT):
        entry = level_for_seed(CONFIG, seed)
        level = generated(seed)[0]
        assert entry.level.to_xsb() == level.to_xsb() and entry.difficulty == level.difficulty
    assert bank._memo.cache_info().currsize == 0  # every one came from the bank


def test_seeded_resets_and_the_draws_after_them_are_the_same_with_a_bank(cache):
    build_bank(ROOM, BOXES, first=FIRST, count=COUNT)
    env = gym.make("agentenvs/Sokoban-Text-v0", dim_room=ROOM, num_boxes=BOXES)
    for seed in (FIRST, FIRST + 3, FIRST + COUNT - 1):
        first, second = generated(seed, draws=2)
        obs, info = env.reset(seed=seed)
        assert obs == first.to_xsb()
        assert info["difficulty"] == first.difficulty
        obs, info = env.reset()  # the generator continues from where the seeded draw left it
        assert obs == second.to_xsb() and info["difficulty"] == second.difficulty


def test_seeds_outside_the_banks_are_generated_once_per_process(cache):
    env = gym.make("agentenvs/Sokoban-Small-v0", dim_room=ROOM, num_boxes=BOXES, obs_mode="text")
    copies = [env.reset(seed=7)[0] for _ in range(4)]  # a GRPO group: four resets on one seed
    assert copies == [copies[0]] * 4 and copies[0] == generated(7)[0].to_xsb()
    info = bank._memo.cache_info()
    assert (info.misses, info.hits) == (1, 3)


def test_a_bank_that_disagrees_with_the_generator_is_ignored(cache):
    path = build_bank(ROOM, BOXES, first=FIRST, count=COUNT)
    with np.load(path) as data:
        arrays = dict(data)
    arrays["cells"] = arrays["cells"][::-1].copy()  # another generator's levels for these seeds
    np.savez(path, **arrays)
    bank._banks.cache_clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        entry = level_for_seed(CONFIG, FIRST)
    assert any("ignoring the Sokoban level bank" in str(w.message) for w in caught)
    assert entry.level.to_xsb() == generated(FIRST)[0].to_xsb()


def test_banks_apply_only_to_seeded_procedural_resets(cache):
    build_bank(ROOM, BOXES, first=0, count=2)
    other = gym.make("agentenvs/Sokoban-Small-v0", dim_room=ROOM, num_boxes=BOXES, min_pushes=1)
    assert other.unwrapped._bank_config == (*ROOM, BOXES, 1)
    given = gym.make("agentenvs/Sokoban-Small-v0", dim_room=ROOM, levels="#####\n#@$.#\n#####")
    assert given.unwrapped._bank_config is None


@pytest.mark.parametrize("kwargs", [dict(count=0), dict(first=-1), dict(workers=0), dict(num_boxes=99)])
def test_bad_bank_arguments_are_refused(cache, kwargs):
    arguments = dict(dim_room=ROOM, num_boxes=BOXES, **{k: v for k, v in kwargs.items() if k != "num_boxes"})
    arguments["num_boxes"] = kwargs.get("num_boxes", BOXES)
    with pytest.raises(ConfigError):
        build_bank(**arguments)
    assert not cache.exists()


def test_the_command_builds_a_bank_in_parallel(cache, capsys):
    from agentenvs.cli import main

    assert main(["sokoban-bank", "--dim-room", "6", "6", "--num-boxes", "2", "--first", "40", "--count", "6",
                 "--workers", "2", "--dir", str(cache)]) == 0
    assert capsys.readouterr().out.strip().endswith("v1-6x6-b2-p0-s40-n6.npz")
    assert level_for_seed(CONFIG, 45).level.to_xsb() == generated(45)[0].to_xsb()
