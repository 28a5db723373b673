"""One product as a shopper sees it: identifier, title, category, attributes, options, price and texts."""
from __future__ import annotations

from dataclasses import dataclass, field

CATEGORY_SEPARATOR = " › "
"""Joins the levels of a category path, as WebShop's ``product_category`` does."""


@dataclass(frozen=True)
class Product:
    """A product page's content; also what :func:`~.reward.purchase_reward` scores.

    A catalogue hands the same object to every env that shows the product: read it, never
    change its ``options`` in place.

    Attributes:
        asin: the product's identifier (lower case, as WebShop's ASINs), unique in its catalogue.
        title: the product name shown in results and on its page.
        category: the category path, levels joined by :data:`CATEGORY_SEPARATOR`
            ("clothing › shirts › polo shirt").
        query: the search phrase the product is filed under (its product type).
        attributes: properties it has ("machine wash").
        options: option kind -> the values a buyer may choose (``{"size": ("small", "large")}``).
        price: in dollars.
        bullets: feature bullet points.
        description: a paragraph about it.
    """

    asin: str
    title: str
    category: str
    query: str
    attributes: tuple[str, ...]
    options: dict[str, tuple[str, ...]] = field(default_factory=dict)
    price: float = 0.0
    bullets: tuple[str, ...] = ()
    description: str = ""

    def option_kind(self, value: str) -> str | None:
        """The option kind that offers ``value`` on this product, or ``None``."""
        return next((kind for kind, values in self.options.items() if value in values), None)
