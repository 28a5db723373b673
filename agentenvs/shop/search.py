"""BM25 search over product texts with ``bm25s`` (imported on first build, not with the package).

``bm25s`` tokenizes the documents (lower case, words of two or more characters, English stop
words removed) and computes the BM25 scores (Lucene variant, k1=1.5, b=0.75). Queries are split
with the same tokenizer's splitter and stop words, but here, directly against its vocabulary:
bm25s' own query tokenizer costs milliseconds a call. Query words the catalogue never uses are
dropped; a query with no known word finds nothing. Equal scores rank the lower position first.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import missing_extra


class SearchIndex:
    """A BM25 index of ``texts``; :meth:`search` returns text positions, best first.

    Raises:
        MissingDependencyError: ``bm25s`` is not installed (the ``text`` extra).
    """

    def __init__(self, texts: Sequence[str]):
        try:
            import bm25s
            from bm25s.tokenization import Tokenizer
        except ImportError as err:
            raise missing_extra("bm25s", "text") from err
        self.size = len(texts)
        tokenizer: Any = Tokenizer(stopwords="en")
        ids = tokenizer.tokenize(list(texts), return_as="ids", show_progress=False)
        self._bm25: Any = bm25s.BM25()
        self._bm25.index(ids, show_progress=False)
        self._split: Any = tokenizer.splitter
        self._stop_words = frozenset(tokenizer.stopwords)
        self._vocabulary: dict[str, int] = {w: i for w, i in tokenizer.get_vocab_dict().items() if w}

    def query_ids(self, query: str) -> list[int]:
        """The vocabulary ids of the query's known words, in order (repeats kept, as BM25 sums them)."""
        words = self._split(query.lower())
        return [self._vocabulary[w] for w in words if w not in self._stop_words and w in self._vocabulary]

    def search(self, query: str, k: int = 50) -> list[int]:
        """Positions of the (at most) ``k`` texts that score above 0 for ``query``, best first."""
        ids = self.query_ids(query)
        if not ids or k < 1:
            return []
        scores = np.asarray(self._bm25.get_scores(ids))
        hits = np.flatnonzero(scores > 0)  # a few percent of the catalogue: select among them only
        hit_scores = scores[hits]
        k = min(k, len(hits))
        if k < len(hits):
            kth = np.partition(hit_scores, len(hits) - k)[len(hits) - k]  # the k-th largest score
            above = np.flatnonzero(hit_scores > kth)
            keep = np.concatenate([above, np.flatnonzero(hit_scores == kth)[: k - len(above)]])
            hits, hit_scores = hits[keep], hit_scores[keep]
        return [int(i) for i in hits[np.lexsort((hits, -hit_scores))]]
