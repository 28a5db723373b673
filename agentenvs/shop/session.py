"""One shopping visit, as WebShop's site runs it: pages, the buttons each page offers, and the purchase.

Pages: ``"search"`` (a search bar), ``"results"`` (ten products a page of at most fifty hits),
``"item"`` (a product with its options), ``"description"`` and ``"features"`` (sub-pages of the
item). Buttons are named as WebShop names them, lower case: ``back to search``, ``next >``,
``< prev``, a product's identifier, an option value, ``description``, ``features``,
``buy now``. The text family renders the pages as text, the web family as HTML; both drive
this one session, so their shops behave and score alike.
"""
from __future__ import annotations

from .catalogue import Catalogue, product_code
from .goal import Goal
from .product import Product
from .reward import RewardBreakdown, purchase_reward

BACK_TO_SEARCH, NEXT_PAGE, PREV_PAGE, BUY_NOW = "back to search", "next >", "< prev", "buy now"
DESCRIPTION, FEATURES = "description", "features"
PAGES = ("search", "results", "item", "description", "features", "done")
RESULTS_PER_PAGE = 10
MAX_RESULTS = 50


class ShopSession:
    """The state of one visit: the page shown, the last search, the product open and the options chosen."""

    def __init__(self, catalogue: Catalogue, goal: Goal):
        self.catalogue, self.goal = catalogue, goal
        self.page = "search"
        self.query = ""
        self.results: list[int] = []
        self.page_number = 1
        self.product_index: int | None = None
        self.chosen: dict[str, str] = {}
        self.purchase: RewardBreakdown | None = None

    @property
    def product(self) -> Product | None:
        """The product open on an item page (or its sub-pages), else ``None``."""
        return None if self.product_index is None else self.catalogue.product(self.product_index)

    @property
    def done(self) -> bool:
        """Whether the visit ended with a purchase."""
        return self.page == "done"

    def page_results(self) -> list[int]:
        """Product indices on the current results page."""
        start = (self.page_number - 1) * RESULTS_PER_PAGE
        return self.results[start:start + RESULTS_PER_PAGE]

    def num_pages(self) -> int:
        """Result pages of the last search (at least 1)."""
        return max(1, -(-len(self.results) // RESULTS_PER_PAGE))

    def clickables(self) -> list[str]:
        """The buttons of the current page, in page order."""
        if self.page == "results":
            buttons = [BACK_TO_SEARCH] + ([PREV_PAGE] if self.page_number > 1 else [])
            buttons += [NEXT_PAGE] if self.page_number < self.num_pages() else []
            return buttons + [product_code(i) for i in self.page_results()]
        product = self.product
        if self.page == "item" and product is not None:
            values = [v for values in product.options.values() for v in values]
            return [BACK_TO_SEARCH, PREV_PAGE, *values, DESCRIPTION, FEATURES, BUY_NOW]
        if self.page in ("description", "features"):
            return [BACK_TO_SEARCH, PREV_PAGE]
        return []

    def search(self, query: str) -> bool:
        """Search on the search page (False, and nothing changes, on any other page)."""
        if self.page != "search":
            return False
        self.query = query
        self.results = self.catalogue.search(query, MAX_RESULTS)
        self.page, self.page_number = "results", 1
        return True

    def click(self, button: str) -> bool:
        """Press ``button`` (lower case) if the current page has it; False, and nothing changes, otherwise."""
        if button not in self.clickables():
            return False
        if button == BACK_TO_SEARCH:
            self.page, self.product_index, self.chosen = "search", None, {}
        elif self.page == "results":
            self._click_results(button)
        elif self.page == "item":
            self._click_item(button)
        else:  # "< prev" on a sub-page
            self.page = "item"
        return True

    def _click_results(self, button: str) -> None:
        if button in (NEXT_PAGE, PREV_PAGE):
            self.page_number += 1 if button == NEXT_PAGE else -1
            return
        self.product_index = self.catalogue.index_of(button)
        self.page, self.chosen = "item", {}

    def _click_item(self, button: str) -> None:
        product = self.product
        if product is None:  # never on an item page; keeps the type checker informed
            return
        if button == PREV_PAGE:
            self.page, self.product_index, self.chosen = "results", None, {}
        elif button in (DESCRIPTION, FEATURES):
            self.page = button
        elif button == BUY_NOW:
            self.purchase = purchase_reward(product, self.goal, self.chosen)
            self.page = "done"
        else:
            kind = product.option_kind(button)
            if kind is not None:
                self.chosen[kind] = button
