"""BM25 search: ranking on a tiny hand-made catalogue, the shared lazy index, and the exact-title lookup."""
import subprocess
import sys
from pathlib import Path

from agentenvs.shop import get_catalogue
from agentenvs.shop.search import SearchIndex

ROOT = Path(__file__).parents[2]
TEXTS = ["red cotton shirt", "blue cotton shirt", "red wool sweater", "green tea", "shirt shirt shirt shirt socks"]


def test_ranking_on_a_hand_made_catalogue():
    index = SearchIndex(TEXTS)
    assert index.search("red cotton shirt")[:3] == [0, 1, 2]  # all three words, then two, then one
    assert index.search("green") == [3]
    assert index.search("wool sweater")[0] == 2
    assert index.search("socks shirt")[0] == 4  # the rare word and the repeated one
    assert index.search("cotton", k=1) in ([0], [1])  # k caps the hits


def test_unknown_or_stop_words_find_nothing():
    index = SearchIndex(TEXTS)
    assert index.search("zebra") == []
    assert index.search("the and of") == []
    assert index.search("") == []
    assert index.search("red", k=0) == []


def test_the_catalogue_builds_its_index_once_and_finds_a_title_first():
    catalogue = get_catalogue(0, 2000)
    first = catalogue.search_index
    assert catalogue.search_index is first
    for index in (0, 7, 1999):
        assert catalogue.search(catalogue.product(index).title)[0] == index
    assert len(catalogue.search("shirt")) == 50


LAZY = """
import sys
import agentenvs
from agentenvs.text.shop_env import TextShopEnv
env = TextShopEnv(num_products=100)
env.reset(seed=0)
env.step("click[buy now]")
before = "bm25s" in sys.modules
env.step("search[shirt]")
print(before, "bm25s" in sys.modules)
"""


def test_bm25s_is_imported_only_by_the_first_search():
    out = subprocess.run([sys.executable, "-c", LAZY], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "True"]


def test_equal_scores_rank_the_lower_position_first_also_at_the_cut():
    index = SearchIndex(["blue mug", "red mug", "red mug", "red mug", "red mug"])
    assert index.search("red mug") == [1, 2, 3, 4, 0]
    assert index.search("red mug", k=2) == [1, 2]
    assert index.search("mug", k=3) == [0, 1, 2]


def test_queries_split_as_bm25s_splits_documents():
    from bm25s.tokenization import Tokenizer

    text = "The Red-Cotton T-shirt, 12oz x (a) MUG's"
    index = SearchIndex([text])
    words = Tokenizer(stopwords="en").tokenize([text], return_as="string", show_progress=False)[0]
    assert [index._vocabulary[w] for w in words] == index.query_ids(text)
