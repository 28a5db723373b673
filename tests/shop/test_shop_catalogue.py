"""The seeded catalogue: speed, determinism across processes, sharing, identifiers, vocabulary properties."""
import copy
import pickle
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from agentenvs.errors import ConfigError
from agentenvs.shop import Catalogue, Product, get_catalogue, normalize_color, option_matches, product_code
from agentenvs.shop.vocabulary import CATEGORIES

ROOT = Path(__file__).parents[2]
BARE = Product("b0bare0000", "", "a › b › c", "c", ())  # no texts: only the chosen option can match
DIGEST = """
import hashlib, sys
from agentenvs.shop import Catalogue
c = Catalogue(int(sys.argv[1]), 5000)
h = hashlib.sha256()
for column in (c.category, c.product_type, c.brand, c.adjective, c.attributes, c.option_mask, c.price_cents):
    h.update(column.tobytes())
h.update(repr([c.product(i) for i in (0, 1, 4999)]).encode())
print(h.hexdigest())
"""


def digest(seed: int) -> str:
    out = subprocess.run([sys.executable, "-c", DIGEST, str(seed)], capture_output=True, text=True, cwd=ROOT,
                         check=True, timeout=120)
    return out.stdout.strip()


def test_same_seed_gives_the_same_catalogue_in_other_processes_and_other_seeds_differ():
    assert digest(3) == digest(3)
    assert digest(3) != digest(4)


def test_ten_thousand_products_generate_well_under_a_second():
    start = time.perf_counter()
    Catalogue(123, 10_000)
    assert time.perf_counter() - start < 0.5


def test_get_catalogue_shares_one_object_and_copies_keep_sharing_it():
    shared = get_catalogue(5, 2000)
    assert get_catalogue(5, 2000) is shared
    assert get_catalogue(5, 2001) is not shared and get_catalogue(6, 2000) is not shared
    assert pickle.loads(pickle.dumps(shared)) is shared
    assert copy.deepcopy(shared) is shared
    assert copy.deepcopy({"a": shared})["a"] is shared


def test_identifiers_are_unique_and_map_back_to_their_index():
    catalogue = get_catalogue(0, 10_000)
    codes = [product_code(i) for i in range(len(catalogue))]
    assert len(set(codes)) == len(codes)
    assert all(len(c) == 10 and c.startswith("b0") for c in codes)
    assert [catalogue.index_of(codes[i]) for i in (0, 17, 9999)] == [0, 17, 9999]
    assert catalogue.index_of(codes[5].upper()) == 5
    assert catalogue.index_of("b0!!!!!!!!") is None and catalogue.index_of("hello") is None
    assert Catalogue(0, 10).index_of(codes[9999]) is None  # a valid code past the catalogue's end


def test_products_hold_their_columns():
    catalogue = get_catalogue(0, 10_000)
    for index in range(0, 10_000, 997):
        product = catalogue.product(index)
        category = CATEGORIES[catalogue.category[index]]
        assert product.category.split(" › ") == [category.department, category.name, product.query]
        assert product.query in category.types and product.query.lower() in product.title.lower()
        assert set(product.attributes) <= set(category.attributes) and len(set(product.attributes)) == 3
        assert list(product.options) == [kind for kind, _ in category.options]
        assert all(values and set(values) <= set(dict(category.options)[k]) for k, values in product.options.items())
        low, high = category.price
        assert low <= product.price <= high
        assert product.asin.upper() in product.title


def test_every_option_kind_offers_each_value_somewhere_and_never_none():
    catalogue = get_catalogue(0, 10_000)
    for c, category in enumerate(CATEGORIES):
        rows = catalogue.option_mask[catalogue.category == c]
        for k, (_, values) in enumerate(category.options):
            assert (rows[:, k] > 0).all()
            assert np.bitwise_or.reduce(rows[:, k]) == (1 << len(values)) - 1


def test_option_values_of_a_kind_never_match_each_other():
    for category in CATEGORIES:
        for kind, values in category.options:
            for a in values:
                for b in values:
                    if a != b:
                        assert normalize_color(a) != normalize_color(b)
                        assert option_matches(BARE, (b,), {kind: a}) == 0, (kind, a, b)


def test_no_product_text_contains_an_option_value_of_its_category():
    catalogue = get_catalogue(0, 10_000)
    for index in range(0, 10_000, 19):
        product = catalogue.product(index)
        text = " ".join((product.title, *product.bullets, product.description)).lower()
        category = CATEGORIES[catalogue.category[index]]
        assert not [v for _, values in category.options for v in values if v in text], product.title


@pytest.mark.parametrize(("seed", "size", "word"), [(-1, 10, "catalogue_seed"), (0.5, 10, "catalogue_seed"),
                                                    (0, 0, "num_products"), (0, 1_000_001, "num_products"),
                                                    (0, True, "num_products")])
def test_bad_arguments_raise_config_errors_naming_them(seed, size, word):
    with pytest.raises(ConfigError, match=word):
        Catalogue(seed, size)
    with pytest.raises(ConfigError, match="product index"):
        get_catalogue(0, 10).product(10)
