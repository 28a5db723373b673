"""The shop shared by the text family's TextShop and the web family's web shop.

One module per job: :mod:`.vocabulary` (the words), :mod:`.catalogue` (seeded products, one
shared catalogue per ``(seed, size)``), :mod:`.goal` (goals and their instructions),
:mod:`.search` (BM25 through ``bm25s``, imported on first search), :mod:`.reward` (WebShop's
purchase reward), :mod:`.session` (the pages and buttons of one visit) and :mod:`.splits`
(train/val/test goals by goal id). Nothing here imports a family.
"""
from __future__ import annotations

from .catalogue import DEFAULT_SIZE, MAX_SIZE, Catalogue, check_catalogue_args, get_catalogue, product_code
from .goal import NO_PRICE_LIMIT, Goal, instruction_text, make_goal, price_limit
from .product import CATEGORY_SEPARATOR, Product
from .reward import (
    RewardBreakdown,
    TypeMatch,
    attribute_matches,
    fuzzy_score,
    normalize_color,
    option_matches,
    purchase_reward,
    title_nouns,
    type_reward,
)
from .session import BACK_TO_SEARCH, BUY_NOW, NEXT_PAGE, PAGES, PREV_PAGE, ShopSession
from .splits import MIN_PRODUCTS, SPLIT_RESIDUES, SPLITS, check_split, draw_goal_id, goal_of, target_of

__all__ = [
    "BACK_TO_SEARCH",
    "BUY_NOW",
    "CATEGORY_SEPARATOR",
    "DEFAULT_SIZE",
    "MAX_SIZE",
    "MIN_PRODUCTS",
    "NEXT_PAGE",
    "NO_PRICE_LIMIT",
    "PAGES",
    "PREV_PAGE",
    "SPLITS",
    "SPLIT_RESIDUES",
    "Catalogue",
    "Goal",
    "Product",
    "RewardBreakdown",
    "ShopSession",
    "TypeMatch",
    "attribute_matches",
    "check_catalogue_args",
    "check_split",
    "draw_goal_id",
    "fuzzy_score",
    "get_catalogue",
    "goal_of",
    "instruction_text",
    "make_goal",
    "normalize_color",
    "option_matches",
    "price_limit",
    "product_code",
    "purchase_reward",
    "target_of",
    "title_nouns",
    "type_reward",
]
