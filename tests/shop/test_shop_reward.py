"""WebShop's purchase reward on hand-made products and goals, every term and every r_type branch hand-computed."""
import pytest
from rapidfuzz import fuzz, utils

from agentenvs.shop import Goal, Product, normalize_color, purchase_reward, title_nouns, type_reward
from agentenvs.shop.reward import attribute_matches, fuzzy_score, option_matches

SHIRT = Product(
    asin="b0test0001",
    title="Acme Comfy Polo Shirt with Slim Fit and Cotton, Model B0TEST0001",
    category="clothing › shirts › polo shirt",
    query="polo shirt",
    attributes=("slim fit", "cotton", "machine wash"),
    options={"color": ("navy", "black"), "size": ("small", "large", "x-large")},
    price=25.0,
    bullets=("Breathable fabric for hot days",),
    description="A shirt for warm evenings.",
)


def goal(name="Acme Polo Shirt", query="polo shirt", category="clothing › shirts › polo shirt",
         attributes=("cotton", "breathable", "organic"), options=None, price_upper=30.0) -> Goal:
    options = {"color": "navy blue", "size": "large"} if options is None else options
    return Goal("b0test0001", name, query, category, attributes, options, price_upper, "hand-made goal")


def shirt(**changes) -> Product:
    fields = {**SHIRT.__dict__, **changes}
    return Product(**fields)


def test_normalize_color_takes_the_first_colour_of_webshops_alphabetical_list():
    assert normalize_color("black forest") == "black"
    assert normalize_color("violet lavender") == "lavender"  # lavender precedes violet
    assert normalize_color("navy blue") == "blue"  # blue precedes navy
    assert normalize_color("webshop") == "webshop"
    assert normalize_color("") == ""


def test_fuzzy_score_is_thefuzz_rounded_token_set_ratio():
    a, b = "x" * 20, "x" * 20 + "y" * 7  # raw ratio 200 * 20 / 47 = 85.106...
    assert fuzz.token_set_ratio(a, b, processor=utils.default_process) > 85
    assert fuzzy_score(a, b) == 85  # rounded, so not a match (> 85 is needed)
    assert fuzzy_score("Slim-Fit!", "slim fit") == 100  # lower-cased, punctuation stripped
    assert fuzzy_score("cotton", "organic cotton") == 100  # a token subset scores 100


def test_attributes_match_by_fuzzy_score_then_by_substring_of_title_bullets_or_description():
    assert attribute_matches(SHIRT, ("cotton",)) == 1  # an attribute of the product
    assert attribute_matches(SHIRT, ("breathable",)) == 1  # only in a bullet point
    assert attribute_matches(SHIRT, ("warm evenings",)) == 1  # only in the description
    assert attribute_matches(SHIRT, ("polo",)) == 1  # only in the title
    assert attribute_matches(SHIRT, ("organic", "waterproof")) == 0


def test_options_size_is_exact_other_kinds_fuzzy_after_colour_normalisation():
    # the goal's "navy blue" normalises to "blue", so the chosen "navy" does not match it
    assert option_matches(SHIRT, ("navy blue", "large"), {"color": "navy", "size": "large"}) == 1
    assert option_matches(SHIRT, ("navy", "large"), {"color": "navy", "size": "large"}) == 2
    # "x-large" scores 100 against "large" (token subset) but size needs equality
    assert option_matches(SHIRT, ("large",), {"size": "x-large"}) == 0
    assert option_matches(SHIRT, ("large",), {"fit": "x-large"}) == 1
    # an unmatched chosen value still counts when the product's texts contain it
    assert option_matches(SHIRT, ("green",), {"color": "fabric"}) == 1
    # capped at the goal's option count (WebShop leaves it uncapped)
    assert option_matches(SHIRT, ("navy",), {"color": "navy", "shade": "navy"}) == 1


def test_full_reward_hand_computed():
    # attributes: cotton (attribute) + breathable (bullet) = 2 of 3; options: size only = 1 of 2; price 25 <= 30
    result = purchase_reward(SHIRT, goal(), {"color": "navy", "size": "large"})
    assert (result.attribute_matches, result.num_attributes) == (2, 3)
    assert (result.option_matches, result.num_options) == (1, 2)
    assert result.price_ok and result.r_type == 1.0 and result.query_match and result.category_match
    assert result.title_score == 1.0  # nouns {acme, polo, shirt} both sides
    assert result.reward == pytest.approx(4 / 6)
    over_budget = purchase_reward(shirt(price=30.01), goal(), {"color": "navy", "size": "large"})
    assert not over_budget.price_ok and over_budget.reward == pytest.approx(3 / 6)
    at_limit = purchase_reward(shirt(price=30.0), goal(), {})
    assert at_limit.price_ok and at_limit.reward == pytest.approx(3 / 6)  # 2 attributes + price


def test_title_nouns_keep_brand_and_type_and_drop_adjectives_attributes_colours_sizes_and_codes():
    assert title_nouns(SHIRT.title) == {"acme", "polo", "shirt"}
    assert title_nouns("Zeta Premium Black Hoodie, Large, Model B0AB12CD34") == {"zeta", "hoodie"}
    assert title_nouns("") == set()


SIX = "Acme Polo Shirt Jersey Collar Garment"  # 6 nouns
ELEVEN = "Acme Polo Shirt Jersey Collar Garment Pocket Placket Hem Seam Cuff"  # 11 nouns


@pytest.mark.parametrize(("name", "product", "r_type", "title_score"), [
    # query match: 1.0
    ("Acme Polo Shirt", shirt(), 1.0, 1.0),
    # no query match, category shares 2 levels, title score 1/6 in [0.1, 0.2]: 1.0
    (SIX, shirt(title="Zeta Tank Shirt", query="tank top", category="clothing › shirts › tank top"), 1.0, 1 / 6),
    # no query, no category match, title score 1/6 <= 0.2: 0.5
    (SIX, shirt(title="Zeta Tank Shirt", query="tank top", category="sale › tops › tank top"), 0.5, 1 / 6),
    # no query or category match but title score 2/6 > 0.2: 1.0
    (SIX, shirt(title="Zeta Polo Shirt", query="tee", category="sale › tops › tee"), 1.0, 2 / 6),
    # title score 1/11 < 0.1: 0.1 even with a query match
    (ELEVEN, shirt(title="Zeta Tank Shirt"), 0.1, 1 / 11),
    # title score 0: 0.0 even with query and category matches
    ("Acme Polo Shirt", shirt(title="Zeta Coffee Mug"), 0.0, 0.0),
    # a goal name without nouns scores 0.2: 0.5 without query or category match
    ("Premium Black", shirt(query="mug", category="home › kitchen › mug"), 0.5, 0.2),
])
def test_type_reward_branches(name, product, r_type, title_score):
    match = type_reward(product, goal(name=name))
    assert match.r_type == r_type
    assert match.title_score == pytest.approx(title_score)


def test_r_type_scales_the_whole_reward():
    half = purchase_reward(shirt(title="Zeta Tank Shirt", query="tank top", category="sale › tops › tank top"),
                           goal(name=SIX, options={}), {})
    # attributes: cotton + breathable = 2 of 3, price ok: (2 + 0 + 1) / (3 + 0 + 1) * 0.5
    assert half.r_type == 0.5 and half.reward == pytest.approx(0.5 * 3 / 4)
    components = half.components()
    assert components == {"r_type": 0.5, "attribute_matches": 2.0, "num_attributes": 3.0, "option_matches": 0.0,
                          "num_options": 0.0, "price_ok": 1.0, "query_match": 0.0, "category_match": 0.0,
                          "title_score": pytest.approx(1 / 6)}
