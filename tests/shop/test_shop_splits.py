"""Splits: a goal id fixes its goal; ranges and target products are disjoint across splits."""
import numpy as np
import pytest

from agentenvs.errors import ConfigError
from agentenvs.shop import SPLITS, Catalogue, check_split, draw_goal_id, get_catalogue, goal_of, target_of


def test_a_goal_id_always_gives_the_same_goal_and_ids_differ():
    catalogue = get_catalogue(0, 2000)
    assert goal_of(catalogue, "val", 1_000_000_123) == goal_of(catalogue, "val", 1_000_000_123)
    assert len({goal_of(catalogue, "train", i).text for i in range(20)}) > 15


@pytest.mark.parametrize(("split", "residues"), [("test", {0}), ("val", {1}), ("train", set(range(2, 10)))])
def test_targets_stay_in_their_split_even_at_the_end_of_a_ragged_catalogue(split, residues):
    catalogue = Catalogue(0, 23)  # the last block of ten holds indices 20..22 only
    rng = np.random.default_rng(0)
    seen = {target_of(catalogue, split, rng) for _ in range(400)}
    assert {i % 10 for i in seen} == residues and max(seen) < 23
    first, count = SPLITS[split]
    assert all(first <= draw_goal_id(split, rng) < first + count for _ in range(50))


def test_bad_splits_goal_ids_and_tiny_catalogues_raise_config_errors():
    with pytest.raises(ConfigError, match="split"):
        check_split("dev")
    with pytest.raises(ConfigError, match="num_products"):
        check_split("train", Catalogue(0, 9))
    for bad in (SPLITS["val"][0], -1, 1.0, True):
        with pytest.raises(ConfigError, match="goal_id"):
            goal_of(get_catalogue(0, 2000), "train", bad)
