"""Shopping goals drawn from a target product, with their instruction in words.

As WebShop's synthetic goals: the goal names some of the target's attributes, one value of each
of its option kinds, and a price limit: of the multiples of 10 dollars above the target's price,
the first four, from which two are drawn and the larger is the limit (WebShop's ``PRICE_RANGE``
rule; no limit, 1,000,000, when fewer than two remain).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .catalogue import Catalogue
from .vocabulary import ATTRIBUTES_PER_PRODUCT

NO_PRICE_LIMIT = 1_000_000.0
PRICE_STEPS = tuple(10.0 * i for i in range(1, 100))


@dataclass(frozen=True)
class Goal:
    """What the shopper wants, as :func:`~.reward.purchase_reward` scores it.

    Attributes:
        asin: the target product's identifier (the oracle buys it).
        name: the target's title (its nouns decide the type reward).
        query: the target's search phrase (its product type).
        category: the target's category path.
        attributes: the attributes asked for.
        options: option kind -> the value asked for.
        price_upper: the price limit in dollars.
        text: the instruction in words.
    """

    asin: str
    name: str
    query: str
    category: str
    attributes: tuple[str, ...]
    options: dict[str, str]
    price_upper: float
    text: str


def price_limit(price: float, rng: np.random.Generator) -> float:
    """The goal's price limit for a target of ``price`` dollars (see the module docstring)."""
    above = [p for p in PRICE_STEPS if p > price][:4]
    if len(above) < 2:
        return NO_PRICE_LIMIT
    first, second = rng.choice(len(above), size=2, replace=False)
    return above[max(first, second)]


def instruction_text(query: str, attributes: tuple[str, ...], options: dict[str, str], price_upper: float) -> str:
    """The instruction in words: "i need a t-shirt (cotton and slim fit), with color: navy, and price lower ..."."""
    text = f"i need a {query}"
    if attributes:
        listed = attributes[0] if len(attributes) == 1 else ", ".join(attributes[:-1]) + f" and {attributes[-1]}"
        text += f" ({listed})"
    if options:
        text += ", with " + " and ".join(f"{kind}: {value}" for kind, value in options.items())
    if price_upper < NO_PRICE_LIMIT:
        text += f", and price lower than {price_upper:.2f} dollars"
    return text


def make_goal(catalogue: Catalogue, index: int, rng: np.random.Generator) -> Goal:
    """A goal whose target is product ``index``: 2 or 3 of its attributes, one value per option kind."""
    product = catalogue.product(index)
    count = int(rng.integers(2, ATTRIBUTES_PER_PRODUCT + 1))
    chosen = np.sort(rng.choice(len(product.attributes), size=count, replace=False))
    attributes = tuple(product.attributes[i] for i in chosen)
    options = {kind: values[int(rng.integers(len(values)))] for kind, values in product.options.items()}
    limit = price_limit(product.price, rng)
    return Goal(product.asin, product.title, product.query, product.category, attributes, options, limit,
                instruction_text(product.query, attributes, options, limit))
