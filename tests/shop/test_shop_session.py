"""One visit's pages and buttons, and goals: instructions, price limits, purchase through the session."""
import numpy as np
import pytest

from agentenvs.shop import BACK_TO_SEARCH, BUY_NOW, NEXT_PAGE, NO_PRICE_LIMIT, PREV_PAGE, ShopSession, get_catalogue
from agentenvs.shop.goal import instruction_text, make_goal, price_limit


def session(index: int = 3) -> ShopSession:
    catalogue = get_catalogue(0, 2000)
    return ShopSession(catalogue, make_goal(catalogue, index, np.random.default_rng(0)))


def test_instruction_text_states_type_attributes_options_and_price():
    text = instruction_text("t-shirt", ("cotton", "slim fit"), {"color": "red", "size": "medium"}, 30.0)
    assert text == "i need a t-shirt (cotton and slim fit), with color: red and size: medium, and price lower than " \
                   "30.00 dollars"
    assert instruction_text("mug", ("ceramic",), {}, NO_PRICE_LIMIT) == "i need a mug (ceramic)"


def test_price_limit_is_the_larger_of_two_of_the_first_four_tens_above_the_price():
    limits = {price_limit(23.5, np.random.default_rng(s)) for s in range(200)}
    assert limits == {40.0, 50.0, 60.0}  # from 30, 40, 50, 60: the larger of two is never 30
    assert price_limit(985.0, np.random.default_rng(0)) == NO_PRICE_LIMIT  # only 990 is above


def test_goal_comes_from_its_target():
    catalogue = get_catalogue(0, 2000)
    for index in range(0, 2000, 101):
        goal = make_goal(catalogue, index, np.random.default_rng(index))
        product = catalogue.product(index)
        assert goal.asin == product.asin and goal.name == product.title and goal.query == product.query
        assert set(goal.attributes) <= set(product.attributes) and 2 <= len(goal.attributes) <= 3
        assert list(goal.options) == list(product.options)
        assert all(goal.options[k] in product.options[k] for k in goal.options)
        assert product.price < goal.price_upper
        assert goal.query in goal.text and all(a in goal.text for a in goal.attributes)


def test_pages_and_buttons_of_a_visit():
    visit = session()
    assert visit.page == "search" and visit.clickables() == []
    assert not visit.click(BUY_NOW)
    assert visit.search("shirt") and visit.page == "results" and len(visit.results) == 50
    assert not visit.search("again")  # the search bar is on the search page only
    assert visit.clickables()[:2] == [BACK_TO_SEARCH, NEXT_PAGE] and len(visit.page_results()) == 10
    for page in range(2, 6):
        assert visit.click(NEXT_PAGE) and visit.page_number == page
    assert NEXT_PAGE not in visit.clickables() and PREV_PAGE in visit.clickables()
    assert visit.click(PREV_PAGE) and visit.page_number == 4
    asin = visit.catalogue.product(visit.page_results()[0]).asin
    assert visit.click(asin) and visit.page == "item"
    product = visit.product
    assert product is not None and product.asin == asin
    kind, values = next(iter(product.options.items()))
    assert visit.click(values[0]) and visit.chosen == {kind: values[0]}
    assert visit.click(values[-1]) and visit.chosen == {kind: values[-1]}  # a kind holds one choice
    assert not visit.click("no such option") and visit.chosen == {kind: values[-1]}
    assert visit.click("features") and visit.clickables() == [BACK_TO_SEARCH, PREV_PAGE]
    assert visit.click(PREV_PAGE) and visit.page == "item" and visit.chosen == {kind: values[-1]}
    assert visit.click(PREV_PAGE) and visit.page == "results" and visit.page_number == 4
    assert visit.click(BACK_TO_SEARCH) and visit.page == "search" and visit.product is None


def test_buying_the_target_with_the_goal_options_scores_one():
    visit = session(7)
    assert visit.search(visit.goal.name) and visit.click(visit.goal.asin)
    for value in visit.goal.options.values():
        assert visit.click(value)
    assert visit.click(BUY_NOW) and visit.done and visit.clickables() == []
    assert visit.purchase is not None and visit.purchase.reward == pytest.approx(1.0)
