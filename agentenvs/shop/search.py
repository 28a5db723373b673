"""BM25 search over product texts with ``bm25s`` (imported on first build, not with the package).

Both documents and queries go through one tokenizer (lower case, words of two or more
characters, English stop words removed); query words the catalogue never uses are dropped,
and a query with no known word finds nothing.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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
        self._tokenizer: Any = Tokenizer(stopwords="en")
        ids = self._tokenizer.tokenize(list(texts), return_as="ids", show_progress=False)
        self._bm25: Any = bm25s.BM25()
        self._bm25.index(ids, show_progress=False)
        self._vocabulary: dict[str, int] = self._tokenizer.get_vocab_dict()

    def search(self, query: str, k: int = 50) -> list[int]:
        """Positions of the (at most) ``k`` texts that score above 0 for ``query``, best first.

        Equal scores keep bm25s' order, which is deterministic for a given index and query.
        """
        words = self._tokenizer.tokenize([query], update_vocab=False, return_as="string", show_progress=False)[0]
        ids = [self._vocabulary[word] for word in words if word and word in self._vocabulary]
        if not ids or k < 1:
            return []
        documents, scores = self._bm25.retrieve([ids], k=min(k, self.size), show_progress=False, n_threads=1)
        return [int(d) for d, s in zip(documents[0], scores[0]) if s > 0]
