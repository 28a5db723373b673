"""WebShop's purchase reward (``web_agent_site/engine/goal.py``), term by term.

    reward = r_type * (matched attributes + matched options + [price <= limit])
                    / (|goal attributes| + |goal options| + 1)

- An attribute of the goal matches when its token-set ratio with one of the product's
  attributes is above 85, else when it is a substring of the product's title, bullet points or
  description (lower-cased).
- Each chosen option is colour-normalised (:func:`normalize_color`), as are the goal's values;
  a chosen ``size`` matches only a goal value equal to it, any other kind one with token-set
  ratio above 85; else it matches when it is a substring of the title, bullets or description.
  The count is capped at the number of goal options (WebShop leaves it uncapped, which lets a
  purchase with more option kinds than the goal score above 1).
- Scores are thefuzz's: ``rapidfuzz.fuzz.token_set_ratio`` on lower-cased, punctuation-stripped
  text (``processor=default_process``), rounded to an int.
- ``r_type`` is 1.0; 0.5 when neither the query, nor the category (two shared levels of the
  path), nor the title nouns (share of the goal name's nouns found in the product's, above 0.2)
  match; 0.1 when that share is below 0.1; 0.0 when it is 0.

WebShop tags nouns with spaCy. :func:`title_nouns` replaces it with a heuristic made for this
shop's generated titles ("Brand Adjective Type with Attribute and Attribute, Model CODE"): the
words of the title (split at anything but letters and digits) of two or more letters, minus
words with digits (model codes, sizes), stop words, and the shop's descriptive words (marketing
adjectives, colours, size words, and attribute words that no product type uses). What remains
is the brand and the product type, the nouns that name what the product is.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import missing_extra
from .goal import Goal
from .product import CATEGORY_SEPARATOR, Product
from .vocabulary import ADJECTIVES, CATEGORIES, SIZE_WORDS

MATCH_THRESHOLD = 85
EXACT_MATCH_OPTIONS = ("size",)

COLOURS = (
    "alabaster", "apricot", "aqua", "ash", "asphalt", "azure", "banana", "beige", "black", "blue", "blush",
    "bordeaux", "bronze", "brown", "burgundy", "camel", "camo", "caramel", "champagne", "charcoal", "cheetah",
    "chestnut", "chocolate", "christmas", "coffee", "cognac", "copper", "coral", "cranberry", "cream", "crystal",
    "dark", "denim", "eggplant", "elephant", "espresso", "fuchsia", "gold", "granite", "grape", "graphite",
    "grass", "gray", "green", "grey", "heather", "indigo", "ivory", "ivy", "khaki", "lavender", "lemon",
    "leopard", "light", "lilac", "lime", "magenta", "maroon", "mauve", "merlot", "midnight", "mint", "mocha",
    "multicolor", "mushroom", "mustard", "natural", "navy", "nude", "olive", "orange", "peach", "pewter", "pink",
    "plum", "purple", "rainbow", "red", "rose", "royal", "rust", "sand", "sapphire", "seashell", "silver",
    "skull", "slate", "steel", "stone", "stonewash", "sunflower", "tan", "taupe", "teal", "tiger", "turquoise",
    "violet", "walnut", "wheat", "white", "wine", "yellow",
)
"""WebShop's colour words, in its (alphabetical) order: the first one inside a value is its colour."""

STOP_WORDS = frozenset((
    "a", "an", "and", "the", "of", "for", "with", "in", "on", "to", "by", "or", "at", "from", "as", "is", "it",
    "its", "this", "that", "be", "are", "up", "model", "set", "pack",
))
_WORD = re.compile(r"[a-z0-9]+")
_TYPE_WORDS = frozenset(w for c in CATEGORIES for t in c.types for w in _WORD.findall(t))
_ATTRIBUTE_WORDS = frozenset(w for c in CATEGORIES for a in c.attributes for w in _WORD.findall(a)) - _TYPE_WORDS
_DESCRIPTIVE = frozenset(ADJECTIVES) | frozenset(COLOURS) | frozenset(SIZE_WORDS) | STOP_WORDS | _ATTRIBUTE_WORDS


def normalize_color(value: str) -> str:
    """The first of :data:`COLOURS` found inside ``value`` (``"black forest"`` -> ``"black"``), else ``value``."""
    return next((colour for colour in COLOURS if colour in value), value)


def fuzzy_score(a: str, b: str) -> int:
    """The token-set ratio of ``a`` and ``b`` as thefuzz computes it: 0..100 on processed text, rounded.

    Raises:
        MissingDependencyError: ``rapidfuzz`` is not installed (the ``text`` extra).
    """
    try:
        from rapidfuzz import fuzz, utils
    except ImportError as err:
        raise missing_extra("rapidfuzz", "text") from err

    return int(round(fuzz.token_set_ratio(a, b, processor=utils.default_process)))


def title_nouns(name: str) -> set[str]:
    """The product-type nouns of a title, by the heuristic of the module docstring."""
    words = _WORD.findall(name.lower())
    return {w for w in words if len(w) >= 2 and not any(c.isdigit() for c in w) and w not in _DESCRIPTIVE}


@dataclass(frozen=True)
class TypeMatch:
    """The type factor and what decided it."""

    r_type: float
    query_match: bool
    category_match: bool
    title_score: float


def type_reward(product: Product, goal: Goal) -> TypeMatch:
    """``r_type``: whether the purchase is the kind of product asked for (see the module docstring)."""
    query_match = product.query == goal.query
    levels = {level.strip() for level in product.category.split(CATEGORY_SEPARATOR.strip())}
    wanted = {level.strip() for level in goal.category.split(CATEGORY_SEPARATOR.strip())}
    category_match = len(levels & wanted) >= 2
    desired = title_nouns(goal.name)
    title_score = len(title_nouns(product.title) & desired) / len(desired) if desired else 0.2
    r_type = 1.0 if query_match or category_match or title_score > 0.2 else 0.5
    if title_score < 0.1:
        r_type = 0.1
    if title_score == 0.0:
        r_type = 0.0
    return TypeMatch(r_type, query_match, category_match, title_score)


def _in_texts(phrase: str, product: Product) -> bool:
    return (phrase in product.title.lower() or phrase in " ".join(product.bullets).lower()
            or phrase in product.description.lower())


def attribute_matches(product: Product, attributes: tuple[str, ...]) -> int:
    """How many goal ``attributes`` the product has (fuzzy against its attributes, else inside its texts)."""
    return sum(
        any(fuzzy_score(have, want) > MATCH_THRESHOLD for have in product.attributes) or _in_texts(want, product)
        for want in attributes
    )


def option_matches(product: Product, goal_values: tuple[str, ...], chosen: Mapping[str, str]) -> int:
    """How many of the ``chosen`` options (kind -> value) match a goal value, capped at ``len(goal_values)``."""
    wanted = [normalize_color(v) for v in goal_values]
    count = 0
    for kind, raw in chosen.items():
        value = normalize_color(raw)
        if kind.lower() in EXACT_MATCH_OPTIONS:
            matched = value in wanted
        else:
            matched = any(fuzzy_score(want, value) > MATCH_THRESHOLD for want in wanted)
        count += matched or _in_texts(value, product)
    return min(count, len(goal_values))


@dataclass(frozen=True)
class RewardBreakdown:
    """The reward of one purchase and every term of it."""

    reward: float
    r_type: float
    attribute_matches: int
    num_attributes: int
    option_matches: int
    num_options: int
    price_ok: bool
    query_match: bool
    category_match: bool
    title_score: float

    def components(self) -> dict[str, float]:
        """The terms as floats, for ``info["reward_components"]``."""
        return {
            "r_type": self.r_type,
            "attribute_matches": float(self.attribute_matches),
            "num_attributes": float(self.num_attributes),
            "option_matches": float(self.option_matches),
            "num_options": float(self.num_options),
            "price_ok": float(self.price_ok),
            "query_match": float(self.query_match),
            "category_match": float(self.category_match),
            "title_score": self.title_score,
        }


def purchase_reward(product: Product, goal: Goal, chosen: Mapping[str, str]) -> RewardBreakdown:
    """The reward of buying ``product`` with the ``chosen`` options (kind -> value) for ``goal``."""
    kind = type_reward(product, goal)
    goal_values = tuple(goal.options.values())
    attrs = attribute_matches(product, goal.attributes)
    options = option_matches(product, goal_values, chosen)
    price_ok = product.price <= goal.price_upper
    total = (attrs + options + price_ok) / (len(goal.attributes) + len(goal_values) + 1)
    return RewardBreakdown(total * kind.r_type, kind.r_type, attrs, len(goal.attributes), options, len(goal_values),
                           price_ok, kind.query_match, kind.category_match, kind.title_score)
