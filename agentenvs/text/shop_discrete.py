"""``agentenvs/TextShop-Discrete-v0``: TextShop played by command index, for classic RL (SB3, MaskablePPO).

TextShop's search page takes any free-text query; an index needs a fixed list. Here the search page
offers :data:`NUM_SEARCHES` queries built from the instruction alone (no privileged knowledge), as
WebShop's imitation and RL agents search with the instruction: the whole instruction, the product
phrase with its attributes, and the product phrase alone. Every other page lists its buttons as
``click[...]`` commands (:meth:`~.shop_env.TextShopEnv.admissible_commands`).
"""
from __future__ import annotations

import re
from typing import Any

import gymnasium as gym

from ..shop import NO_PRICE_LIMIT
from .discrete import COMMAND_BUCKETS, MAX_COMMANDS, OBS_BUCKETS, DiscreteTextEnv
from .shop_env import SEARCH_COMMAND, TextShopEnv

NUM_SEARCHES = 3
_LEAD = re.compile(r"^\s*i (?:need|want|am looking for) (?:a |an |some )?", re.IGNORECASE)


def instruction_searches(instruction: str) -> list[str]:
    """The search commands offered for ``instruction``: whole, product phrase with attributes, product phrase.

    ``"i need a t-shirt (cotton and slim fit), with color: navy, and price lower than 30.00 dollars"``
    gives ``search[i need a t-shirt (cotton ...) ... dollars]``, ``search[t-shirt cotton and slim fit]``
    and ``search[t-shirt]``; repeated queries are listed once.
    """
    head = _LEAD.sub("", instruction.split(", with ")[0].split(", and price")[0])
    product = head.split(" (")[0].strip()
    described = " ".join(head.replace("(", " ").replace(")", " ").split())
    queries = [" ".join(instruction.split()), described, product]
    return [f"search[{q}]" for q in dict.fromkeys(q for q in queries if q)]


def expand_searches(commands: list[str], instruction: str) -> list[str]:
    """``commands`` with TextShop's ``search[<query>]`` placeholder replaced by :func:`instruction_searches`."""
    out: list[str] = []
    for command in commands:
        out += instruction_searches(instruction) if command == SEARCH_COMMAND else [command]
    return out


def text_shop_discrete(max_commands: int = MAX_COMMANDS, obs_buckets: int = OBS_BUCKETS,
                       command_buckets: int = COMMAND_BUCKETS, observation: str = "hashed",
                       **shop_kwargs: Any) -> DiscreteTextEnv:
    """``agentenvs/TextShop-Discrete-v0``: :class:`~.discrete.DiscreteTextEnv` over ``TextShopEnv(**shop_kwargs)``."""
    return DiscreteTextEnv(TextShopEnv(**shop_kwargs), max_commands, obs_buckets, command_buckets,
                           expand_commands=expand_searches, observation=observation)


class TextShopDiscreteOracle:
    """A privileged reference for the Discrete shop: it reads the goal but plays only the offered indices.

    It searches with the whole instruction, opens the target when a result page shows it (else pages
    on with ``next >``; on the last page it opens the cheapest result under the price limit, or the
    first), chooses the goal's options the product offers, and buys. Its score bounds what the
    instruction queries allow, which is below TextShop's exact-title oracle.
    """

    def __init__(self, env: gym.Env, seed: int) -> None:
        self.env: Any = env.unwrapped

    def reset(self, env: gym.Env, obs: Any, info: dict[str, Any]) -> None:
        self.env = env.unwrapped

    def act(self, obs: Any) -> int:
        commands: list[str] = self.env.commands
        shop: TextShopEnv = self.env.text_env.unwrapped
        goal = shop.goal()
        page = shop.reward_state()["page"]
        if page == "search":
            wanted = commands[0]
        elif page == "results":
            wanted = next((c for c in (f"click[{goal.asin}]", "click[next >]") if c in commands), "")
            wanted = wanted or self._fallback(shop, commands, goal.price_upper)
        elif page == "item":
            chosen = shop.reward_state()["chosen_options"]
            missing = [f"click[{v}]" for k, v in goal.options.items() if f"{k}: {v}" not in chosen]
            wanted = next((c for c in missing if c in commands), "click[buy now]")
        else:
            wanted = "click[< prev]"
        return commands.index(wanted)

    @staticmethod
    def _fallback(shop: TextShopEnv, commands: list[str], limit: float) -> str:
        """On the last result page without the target: the cheapest product under the limit, else the first."""
        products = [c for c in commands if c not in ("click[back to search]", "click[< prev]", "click[next >]")]
        prices = {c: shop.catalogue.product(shop.catalogue.index_of(c[len("click["):-1]) or 0).price for c in products}
        affordable = [c for c in products if prices[c] <= limit or limit >= NO_PRICE_LIMIT]
        return min(affordable, key=prices.__getitem__) if affordable else products[0]
