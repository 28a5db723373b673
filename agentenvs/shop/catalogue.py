"""The seeded product catalogue: numpy columns drawn at once, products materialised on demand, one per (seed, size).

Generation draws every column of the catalogue with a handful of vectorised numpy calls (10,000
products in a few milliseconds); a :class:`~.product.Product` with its texts is built only when
a page shows it. :func:`get_catalogue` caches catalogues by ``(seed, size)`` in the process, so
every env of one process shares one catalogue (and one search index) instead of holding a copy;
pickling and deep-copying a catalogue keep that sharing.
"""
from __future__ import annotations

import functools
import threading
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ConfigError
from .product import CATEGORY_SEPARATOR, Product
from .vocabulary import (
    ADJECTIVES,
    ATTRIBUTES_PER_CATEGORY,
    ATTRIBUTES_PER_PRODUCT,
    BRANDS,
    CATEGORIES,
    MAX_OPTION_KINDS,
    MAX_OPTION_VALUES,
    TYPES_PER_CATEGORY,
)

if TYPE_CHECKING:
    from .search import SearchIndex

DEFAULT_SIZE = 10_000
MAX_SIZE = 1_000_000
PRODUCT_CACHE = 4096

_CODE_SPACE = 36 ** 8
_CODE_STEP = 1_000_003  # prime, so coprime with 36**8: index -> code is a bijection
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
_BULLETS = ("{} for all-day comfort", "{}, tested for quality", "{} and built to last")

_N_VALUES = np.array([[len(values) for _, values in c.options] + [0] * (MAX_OPTION_KINDS - len(c.options))
                      for c in CATEGORIES], dtype=np.int64)
_PRICE_RANGE = np.array([c.price for c in CATEGORIES], dtype=np.float64)


def product_code(index: int) -> str:
    """The ASIN-like identifier of product ``index``: ``"b0"`` and 8 base-36 digits, unique per index."""
    number = (index * _CODE_STEP + 7_777_777) % _CODE_SPACE
    digits = []
    for _ in range(8):
        number, digit = divmod(number, 36)
        digits.append(_DIGITS[digit])
    return "b0" + "".join(reversed(digits))


def _title_case(text: str) -> str:
    return " ".join("-".join(part.capitalize() for part in word.split("-")) for word in text.split())


class Catalogue:
    """``size`` products drawn from ``seed``; use :func:`get_catalogue` to share one per process.

    Columns (numpy, one row per product): ``category``, ``product_type`` (index into the
    category's types), ``brand``, ``adjective``, ``attributes`` (``[size, 3]`` indices into the
    category's attributes), ``option_mask`` (``[size, 2]`` bit masks of the values each option
    kind offers) and ``price_cents``.
    """

    def __init__(self, seed: int, size: int = DEFAULT_SIZE):
        check_catalogue_args(seed, size)
        self.seed, self.size = int(seed), int(size)
        rng = np.random.default_rng(self.seed)
        n = self.size
        self.category = rng.integers(0, len(CATEGORIES), n).astype(np.int8)
        self.product_type = rng.integers(0, TYPES_PER_CATEGORY, n).astype(np.int8)
        self.brand = rng.integers(0, len(BRANDS), n).astype(np.int16)
        self.adjective = rng.integers(0, len(ADJECTIVES), n).astype(np.int8)
        order = np.argsort(rng.random((n, ATTRIBUTES_PER_CATEGORY)), axis=1)
        self.attributes = order[:, :ATTRIBUTES_PER_PRODUCT].astype(np.int8)
        n_values = _N_VALUES[self.category]  # [n, kinds]
        offered = rng.random((n, MAX_OPTION_KINDS, MAX_OPTION_VALUES)) < 0.6
        offered &= np.arange(MAX_OPTION_VALUES) < n_values[..., None]
        fallback = (rng.random((n, MAX_OPTION_KINDS)) * n_values).astype(np.int64)  # one value if none drawn
        empty = ~offered.any(axis=2) & (n_values > 0)
        rows, kinds = np.nonzero(empty)
        offered[rows, kinds, fallback[rows, kinds]] = True
        self.option_mask = (offered * (1 << np.arange(MAX_OPTION_VALUES))).sum(axis=2).astype(np.uint8)
        low, high = _PRICE_RANGE[self.category, 0], _PRICE_RANGE[self.category, 1]
        self.price_cents = np.round((low + (high - low) * rng.random(n) ** 2) * 100).astype(np.int32)
        self._index: SearchIndex | None = None
        self._lock = threading.Lock()
        self._products = functools.lru_cache(maxsize=PRODUCT_CACHE)(self._build_product)

    def __len__(self) -> int:
        return self.size

    def __repr__(self) -> str:
        return f"Catalogue(seed={self.seed}, size={self.size})"

    def __reduce__(self) -> tuple[Any, tuple[int, int]]:
        # a copy in this process is the shared catalogue itself; in another, the same catalogue regenerated
        return get_catalogue, (self.seed, self.size)

    def __deepcopy__(self, memo: dict[int, Any]) -> Catalogue:
        return self  # immutable and shared: copying an env must not copy its catalogue

    def _check_index(self, index: int) -> int:
        if not 0 <= index < self.size:
            raise ConfigError(f"product index must be in [0, {self.size}), got {index}")
        return int(index)

    def category_of(self, index: int) -> int:
        """The category number (into :data:`~.vocabulary.CATEGORIES`) of product ``index``."""
        return int(self.category[self._check_index(index)])

    def product(self, index: int) -> Product:
        """Product ``index`` with its texts (the last few thousand asked for are kept, shared by every env)."""
        return self._products(self._check_index(index))

    def _build_product(self, index: int) -> Product:
        category = CATEGORIES[self.category[index]]
        kind = category.types[self.product_type[index]]
        attributes = tuple(category.attributes[a] for a in self.attributes[index])
        brand, adjective = BRANDS[self.brand[index]], ADJECTIVES[self.adjective[index]]
        asin = product_code(index)
        options = {
            name: tuple(v for bit, v in enumerate(values) if self.option_mask[index, k] >> bit & 1)
            for k, (name, values) in enumerate(category.options)
        }
        title = (f"{brand} {adjective.capitalize()} {_title_case(kind)} with {_title_case(attributes[0])} and "
                 f"{_title_case(attributes[1])}, Model {asin.upper()}")
        bullets = tuple(template.format(a.capitalize()) for template, a in zip(_BULLETS, attributes))
        description = (f"The {brand} {adjective} {kind} belongs to our {category.name} range. "
                       "Satisfaction guaranteed or your money back.")
        return Product(
            asin=asin,
            title=title,
            category=CATEGORY_SEPARATOR.join((category.department, category.name, kind)),
            query=kind,
            attributes=attributes,
            options=options,
            price=int(self.price_cents[index]) / 100,
            bullets=bullets,
            description=description,
        )

    def index_of(self, asin: str) -> int | None:
        """The index of the product with identifier ``asin``, or ``None``."""
        asin = asin.strip().lower()
        if len(asin) != 10 or not asin.startswith("b0") or any(c not in _DIGITS for c in asin[2:]):
            return None
        number = int(asin[2:], 36)
        index = (number - 7_777_777) * pow(_CODE_STEP, -1, _CODE_SPACE) % _CODE_SPACE
        return index if index < self.size else None

    def search_text(self, index: int) -> str:
        """What the search engine indexes for product ``index``: title, category path, attributes and bullets."""
        product = self.product(index)
        return " ".join((product.title, product.category, *product.attributes, *product.bullets))

    @property
    def search_index(self) -> SearchIndex:
        """The BM25 index over every product, built on first use (seconds at 100,000 products) and shared."""
        with self._lock:
            if self._index is None:
                from .search import SearchIndex

                self._index = SearchIndex([self.search_text(i) for i in range(self.size)])
            return self._index

    def search(self, query: str, k: int = 50) -> list[int]:
        """Indices of the (at most) ``k`` best products for ``query``, best first (BM25)."""
        return self.search_index.search(query, k)


def check_catalogue_args(seed: Any, size: Any) -> None:
    """Refuse a seed that is not a non-negative int or a size outside ``1..MAX_SIZE``.

    Raises:
        ConfigError: naming the argument.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ConfigError(f"catalogue_seed must be a non-negative int, got {seed!r}")
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or not 1 <= size <= MAX_SIZE:
        raise ConfigError(f"num_products must be an int in [1, {MAX_SIZE}], got {size!r}")


_CACHE: dict[tuple[int, int], Catalogue] = {}
_CACHE_LOCK = threading.Lock()


def get_catalogue(seed: int = 0, size: int = DEFAULT_SIZE) -> Catalogue:
    """The process's one catalogue of ``size`` products from ``seed``, generated on first request."""
    check_catalogue_args(seed, size)
    key = (int(seed), int(size))
    with _CACHE_LOCK:
        if key not in _CACHE:
            _CACHE[key] = Catalogue(*key)
        return _CACHE[key]
