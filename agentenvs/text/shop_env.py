"""TextShop: WebShop's shopping task as text, over the shared shop of :mod:`agentenvs.shop`."""
from __future__ import annotations

import re
from typing import Any, cast

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.error import ResetNeeded

from ..agents.parsers import unwrap_answer
from ..core.arguments import refuse_unknown_kwargs
from ..core.info import make_info
from ..core.render import check_render_mode
from ..core.reward_state import FieldDoc, describe_reward_state
from ..core.text import MAX_TEXT_LENGTH, fit_text, text_space
from ..errors import ConfigError
from ..shop import (
    DEFAULT_SIZE,
    NO_PRICE_LIMIT,
    Goal,
    ShopSession,
    check_catalogue_args,
    check_split,
    draw_goal_id,
    get_catalogue,
    goal_of,
)

SEARCH_COMMAND = "search[<query>]"
MAX_ACTION_LENGTH = 256
TEXT_FIELD_LENGTH = 512
_COMMAND = re.compile(r"(?P<verb>search|click)\s*\[(?P<argument>.*)\]", re.IGNORECASE | re.DOTALL)
_SEP = " [SEP] "


def parse_action(text: str) -> tuple[str, str] | None:
    """``("search", query)`` or ``("click", button)`` from ``search[...]`` / ``click[...]``, else ``None``.

    The verb is case-insensitive, the whole may be wrapped in ``<answer>...</answer>``; a button is
    matched lower-cased and stripped, a query is stripped; an empty argument is no command.
    """
    match = _COMMAND.fullmatch(unwrap_answer(text))
    if match is None or not match["argument"].strip():
        return None
    verb = match["verb"].lower()
    argument = match["argument"].strip()
    return verb, argument.lower() if verb == "click" else argument


def _positive_int(name: str, value: Any, least: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
        raise ConfigError(f"{name} must be an int >= {least}, got {value!r}")
    return int(value)


class TextShopEnv(gym.Env):
    """TextShop: find and buy the product an instruction describes, in a generated shop of text pages.

    ## Description
    A text version of WebShop (Yao et al., 2022) over a seeded catalogue of ``num_products``
    products (categories, attributes, options such as size and colour, prices; shared by every
    env of the process, see :func:`agentenvs.shop.get_catalogue`). Each episode draws a target
    product and an instruction ("i need a polo shirt (cotton and slim fit), with color: navy and
    size: small, and price lower than 30.00 dollars"). The agent searches (BM25), browses result
    pages, opens products, chooses options and buys.

    ## Action Space
    ``Text`` (at most ``max_action_length`` characters of printable ASCII), WebShop's commands:
    ``search[query]`` on the search page; ``click[button]`` for a button of the current page:
    ``back to search``, ``next >``, ``< prev``, a product identifier on a results page, an
    option value, ``description``, ``features`` or ``buy now`` on a product page. Verbs are
    case-insensitive and may be wrapped in ``<answer>...</answer>``. ``info["admissible_commands"]``
    lists the commands of the current page (``search[<query>]`` stands for any search). A command
    the page does not offer, unparseable text, text with characters outside the charset (control
    characters, non-ASCII), bytes that are not UTF-8 and non-strings are no-ops
    with ``info["action_is_valid"] = False``; a longer action is cut to ``max_action_length``
    characters with ``info["action_truncated"] = True``. None raises.

    ## Observation Space
    ``Text`` of at most ``max_observation_length`` characters (default 4096; printable ASCII,
    :data:`agentenvs.core.TEXT_CHARSET`): the page as WebShop's text mode shows it, parts joined by
    ``" [SEP] "``, starting with the instruction. A results page lists identifier, title and price
    of ten products; a product page its options, title, price and the chosen options.
    ``env.unwrapped.reward_state()`` returns the fields ``reward_state_space`` declares and
    ``reward_state_doc`` describes; ``env.unwrapped.instruction()`` is the instruction.

    ## Starting State
    The search page. The goal comes from a goal id drawn from the split's range of
    :data:`agentenvs.shop.SPLITS` with the env's seeded RNG (``reset(options={"goal_id": k})``
    picks one); the target product is one of the split's products (index modulo 10: 0 test,
    1 val, 2-9 train).

    ## Rewards
    0 until ``buy now``; then WebShop's reward (``web_agent_site/engine/goal.py``), in [0, 1]::

        r_type * (matched attributes + matched options + [price <= limit])
               / (|goal attributes| + |goal options| + 1)

    with the matching rules and the title-noun heuristic of :mod:`agentenvs.shop.reward`.
    ``info["score"]`` is the reward of the purchase (0.0 before); ``info["reward_components"]``
    holds each term on the purchase step (empty before).

    ## Episode End
    - Termination: ``buy now`` (``info["is_success"]`` when the score is 1.0, WebShop's success).
    - Truncation: ``max_steps`` steps without a purchase.

    ## Arguments
    - ``num_products=10_000``: catalogue size (1..1,000,000; at least 10 so every split has products).
    - ``catalogue_seed=0``: the catalogue's seed (the catalogue stays fixed across episodes).
    - ``split="train"``: ``"train"``, ``"val"`` or ``"test"``: disjoint goal ids and target products.
    - ``max_steps=15``: steps before truncation.
    - ``max_action_length=256``, ``max_observation_length=4096``: Text space limits.
    - ``render_mode=None``: or ``"ansi"`` (the observation text).

    ## Version History
    - v0: initial version.
    """

    metadata = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(self, num_products: int = DEFAULT_SIZE, catalogue_seed: int = 0, split: str = "train",
                 max_steps: int = 15, max_action_length: int = MAX_ACTION_LENGTH,
                 max_observation_length: int = MAX_TEXT_LENGTH, render_mode: str | None = None,
                 **unknown: Any):
        refuse_unknown_kwargs("TextShopEnv", unknown, TextShopEnv.__init__)
        check_catalogue_args(catalogue_seed, num_products)
        self.split = check_split(split)
        self.max_steps = _positive_int("max_steps", max_steps)
        self.max_action_length = _positive_int("max_action_length", max_action_length)
        max_observation_length = _positive_int("max_observation_length", max_observation_length, 64)
        self.render_mode = check_render_mode(render_mode, self.metadata["render_modes"])
        self.catalogue = get_catalogue(catalogue_seed, num_products)
        check_split(split, self.catalogue)
        self.action_space = text_space(self.max_action_length)
        self._charset = frozenset(self.action_space.character_set)
        self._page_space = text_space(max_observation_length)
        self.observation_space = self._page_space
        fields: dict[str, spaces.Space[Any]] = {
            "instruction": text_space(TEXT_FIELD_LENGTH),
            "page": text_space(16),
            "query": text_space(self.max_action_length),
            "product_title": text_space(TEXT_FIELD_LENGTH),
            "chosen_options": text_space(TEXT_FIELD_LENGTH),
            "goal_attributes": text_space(TEXT_FIELD_LENGTH),
            "goal_options": text_space(TEXT_FIELD_LENGTH),
            "product_price": spaces.Box(0.0, NO_PRICE_LIMIT, (), np.float32),
            "price_upper": spaces.Box(0.0, NO_PRICE_LIMIT, (), np.float32),
            "purchased": spaces.Box(0, 1, (), bool),
            "score": spaces.Box(0.0, 1.0, (), np.float32),
            "success": spaces.Box(0, 1, (), bool),
            "steps": spaces.Box(0, np.iinfo(np.int64).max, (), np.int64),
            "max_steps": spaces.Box(0, np.iinfo(np.int64).max, (), np.int64),
        }
        self.reward_state_space = spaces.Dict(fields)
        self.reward_state_doc = describe_reward_state(self.reward_state_space, {
            "page": FieldDoc("the page shown: search, results, item, description, features or done", "text"),
            "query": FieldDoc("the last search query ('' before the first search)", "text"),
            "product_title": FieldDoc("title of the product open on the page ('' when none)", "text"),
            "chosen_options": FieldDoc("options chosen on the open product, 'kind: value' joined by '; '", "text"),
            "goal_attributes": FieldDoc("the attributes the instruction asks for, joined by '; '", "text"),
            "goal_options": FieldDoc("the options the instruction asks for, 'kind: value' joined by '; '", "text"),
            "product_price": FieldDoc("price of the open product (0 when none)", "dollars"),
            "price_upper": FieldDoc("the instruction's price limit (1e6: none)", "dollars"),
            "purchased": FieldDoc("the agent has bought a product", "flag"),
            "score": FieldDoc("the purchase's reward (0 before buying)", "fraction in [0, 1]"),
        })
        self._session: ShopSession | None = None
        self._goal_id = 0
        self._steps = 0

    # -- episode ---------------------------------------------------------------------------------

    def goal_for(self, goal_id: int) -> Goal:
        """The goal of ``goal_id`` (any id of this env's split; the same id always gives the same goal)."""
        return goal_of(self.catalogue, self.split, goal_id)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        super().reset(seed=seed)
        options = dict(options or {})
        unknown = sorted(set(options) - {"goal_id"})
        if unknown:
            raise ConfigError(f"reset options take only 'goal_id', got {unknown}")
        goal_id = options.get("goal_id", draw_goal_id(self.split, self.np_random))
        goal = self.goal_for(goal_id)
        self._goal_id, self._steps = int(goal_id), 0
        self._session = ShopSession(self.catalogue, goal)
        return self._observe(), self._info(True, False)

    def step(self, action: Any) -> tuple[str, float, bool, bool, dict[str, Any]]:
        session = self._require_session("step()")
        if session.done or self._steps >= self.max_steps:
            raise ResetNeeded("the episode has ended; call reset() before step() on TextShopEnv")
        text, truncated_action = self._decode(action)
        command = None if text is None else parse_action(text)
        valid = False
        if command is not None:
            verb, argument = command
            valid = session.search(argument) if verb == "search" else session.click(argument)
        self._steps += 1
        reward = session.purchase.reward if session.done and session.purchase else 0.0
        truncated = not session.done and self._steps >= self.max_steps
        return self._observe(), float(reward), session.done, truncated, self._info(valid, truncated_action)

    def _decode(self, action: Any) -> tuple[str | None, bool]:
        """The action as text (``None`` when it is no text) and whether it was cut to ``max_action_length``."""
        if isinstance(action, (bytes, bytearray)):
            try:
                action = bytes(action).decode("utf-8")
            except UnicodeDecodeError:
                return None, False
        if not isinstance(action, str):
            return None, False
        truncated = len(action) > self.max_action_length
        action = action[: self.max_action_length]
        return (action if self._charset.issuperset(action) else None), truncated

    def _require_session(self, what: str) -> ShopSession:
        if self._session is None:
            raise ResetNeeded(f"call reset() before {what} on TextShopEnv")
        return self._session

    # -- views -----------------------------------------------------------------------------------

    def _page_text(self, session: ShopSession) -> str:
        head = ["Instruction:", session.goal.text]
        product = session.product
        if session.page == "search":
            return _SEP.join(["WebShop", *head, "Search"])
        if session.page == "done":
            score = session.purchase.reward if session.purchase else 0.0
            return _SEP.join(["Thank you for shopping with us!", *head, f"Your score (min 0.0, max 1.0): {score:.3f}"])
        if session.page == "results":
            parts = [*head, "Back to Search", f"Page {session.page_number} (Total results: {len(session.results)})"]
            parts += [b.capitalize() for b in session.clickables() if b in ("< prev", "next >")]
            for index in session.page_results():
                item = self.catalogue.product(index)
                parts += [item.asin, item.title, f"${item.price:.2f}"]
            return _SEP.join(parts)
        parts = [*head, "Back to Search", "< Prev"]
        if product is None:  # never: the other pages show a product
            return _SEP.join(parts)
        if session.page == "description":
            return _SEP.join([*parts, product.description])
        if session.page == "features":
            return _SEP.join([*parts, *product.bullets])
        for kind, values in product.options.items():
            parts += [kind, *values]
        parts += [product.title, f"Price: ${product.price:.2f}", "Rating: N.A.", "Description", "Features", "Buy Now"]
        if session.chosen:
            parts.append("You have clicked " + ", ".join(session.chosen.values()) + ".")
        return _SEP.join(parts)

    def _observe(self) -> str:
        return fit_text(self._page_text(self._require_session("observe()")), self._page_space)

    def admissible_commands(self) -> list[str]:
        """The commands the current page offers (``search[<query>]`` stands for any search)."""
        session = self._require_session("admissible_commands()")
        if session.page == "search":
            return [SEARCH_COMMAND]
        return [f"click[{button}]" for button in session.clickables()]

    def _info(self, valid: bool, truncated_action: bool) -> dict[str, Any]:
        session = self._require_session("info")
        purchase = session.purchase
        score = purchase.reward if purchase else 0.0
        return make_info(score == 1.0, self._steps, valid, {
            "admissible_commands": self.admissible_commands(),
            "action_truncated": truncated_action,
            "page": session.page,
            "goal_id": self._goal_id,
            "score": float(score),
            "reward_components": purchase.components() if purchase else {},
        })

    def instruction(self) -> str:
        """The instruction of the current episode."""
        return self._require_session("instruction()").goal.text

    def goal(self) -> Goal:
        """The current episode's goal (target identifier, attributes, options, price limit)."""
        return self._require_session("goal()").goal

    def reward_state(self) -> dict[str, Any]:
        """The fields of ``reward_state_space`` now (see ``reward_state_doc``)."""
        session = self._require_session("reward_state()")
        goal, product, purchase = session.goal, session.product, session.purchase

        def text(value: str, name: str) -> str:
            return fit_text(value, cast(spaces.Text, self.reward_state_space[name]))

        return {
            "instruction": text(goal.text, "instruction"),
            "page": session.page,
            "query": text(session.query, "query"),
            "product_title": text(product.title if product else "", "product_title"),
            "chosen_options": text("; ".join(f"{k}: {v}" for k, v in session.chosen.items()), "chosen_options"),
            "goal_attributes": text("; ".join(goal.attributes), "goal_attributes"),
            "goal_options": text("; ".join(f"{k}: {v}" for k, v in goal.options.items()), "goal_options"),
            "product_price": np.array(product.price if product else 0.0, dtype=np.float32),
            "price_upper": np.array(goal.price_upper, dtype=np.float32),
            "purchased": np.array(purchase is not None),
            "score": np.array(purchase.reward if purchase else 0.0, dtype=np.float32),
            "success": np.array(purchase is not None and purchase.reward == 1.0),
            "steps": np.array(self._steps, dtype=np.int64),
            "max_steps": np.array(self.max_steps, dtype=np.int64),
        }

    def render(self) -> str | None:
        """The current page as text (``render_mode="ansi"``); warns and returns ``None`` without a render mode."""
        if self.render_mode is None:
            gym.logger.warn("render() called without a render_mode; build TextShop with render_mode='ansi'")
            return None
        return self._observe()
