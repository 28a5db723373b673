"""TextShop-v0: commands, bad input, rewards and their terms, splits, copies, reward state and the oracle."""
import copy
import pickle

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.error import ResetNeeded

import agentenvs  # noqa: F401  (registers the ids)
from agentenvs.errors import ConfigError
from agentenvs.shop import SPLITS
from agentenvs.testing import check_env_id, check_reward_state_value
from agentenvs.text.shop_env import TextShopEnv, parse_action
from agentenvs.text.shop_oracle import TextShopOracle

SMALL = 2000


def make(**kwargs) -> TextShopEnv:
    return TextShopEnv(num_products=SMALL, **kwargs)


def play_oracle(env: TextShopEnv, seed: int) -> tuple[float, dict]:
    oracle = TextShopOracle(env, seed)
    obs, info = env.reset(seed=seed)
    oracle.reset(env, obs, info)
    while True:
        obs, reward, terminated, truncated, info = env.step(oracle.act(obs))
        check_reward_state_value(env.reward_state(), env.reward_state_space, f"seed {seed}")
        if terminated or truncated:
            return reward, info


def test_the_registered_id_passes_the_conformance_suite():
    results = check_env_id("agentenvs/TextShop-v0")
    assert results["gymnasium_api"] == results["copies"] == results["reward_state"] == "passed"


def test_oracle_solves_a_thousand_train_goals_with_score_one():
    env = TextShopEnv()
    for seed in range(1000):
        reward, info = play_oracle(env, seed)
        assert reward == 1.0 and info["is_success"] and info["score"] == 1.0, seed


@pytest.mark.parametrize("split", ["val", "test"])
def test_oracle_solves_held_out_goals(split):
    env = TextShopEnv(split=split)
    for seed in range(200):
        assert play_oracle(env, seed)[0] == 1.0


def test_parse_action():
    assert parse_action("search[red cotton shirt]") == ("search", "red cotton shirt")
    assert parse_action("  Click[ Buy Now ] ") == ("click", "buy now")
    assert parse_action("<answer>click[next >]</answer>") == ("click", "next >")
    assert parse_action("click[< prev]") == ("click", "< prev")
    for text in ("search[]", "click[  ]", "buy", "search red", "click[x", ""):
        assert parse_action(text) is None, text


def test_commands_move_between_pages_and_admissible_commands_list_them():
    env = make()
    obs, info = env.reset(seed=1)
    assert obs.startswith("WebShop [SEP] Instruction: [SEP] " + env.instruction())
    assert info["admissible_commands"] == ["search[<query>]"] and info["page"] == "search"
    obs, reward, terminated, truncated, info = env.step("search[shirt]")
    assert info["action_is_valid"] and info["page"] == "results" and reward == 0.0
    assert "Page 1 (Total results: 50)" in obs and "click[next >]" in info["admissible_commands"]
    first = info["admissible_commands"][2]
    assert first.startswith("click[b0") and first[6:-1] in obs
    obs, *_, info = env.step(first)
    assert info["page"] == "item" and "Buy Now" in obs and "click[buy now]" in info["admissible_commands"]
    obs, *_, info = env.step("click[description]")
    assert info["page"] == "description" and info["admissible_commands"] == ["click[back to search]", "click[< prev]"]
    obs, *_, info = env.step("click[back to search]")
    assert info["page"] == "search"


def test_invalid_commands_are_no_ops_and_never_raise():
    env = make()
    start, _ = env.reset(seed=2)
    for action in ("click[buy now]", "dance", "search[]", b"\xff\xfe", 42, None, ["search[x]"], "search\x00[x]",
                   "search[\x00\x01\x02]", "search[caf\u00e9]"):
        obs, reward, terminated, truncated, info = env.step(action)
        assert not info["action_is_valid"] and obs == start and reward == 0.0 and not terminated, action
    env.step("search[mug]")
    obs, *_, info = env.step("search[again]")  # the search bar is on the search page only
    assert not info["action_is_valid"] and info["page"] == "results"
    _, *_, info = env.step(b"click[back to search]")  # UTF-8 bytes are text
    assert info["action_is_valid"] and info["page"] == "search"


def test_over_long_actions_are_truncated_with_a_flag():
    env = make(max_action_length=40)
    env.reset(seed=3)
    _, _, _, _, info = env.step("search[" + "mug " * 100 + "]")
    assert info["action_truncated"] and not info["action_is_valid"]  # the cut lost the closing bracket
    _, _, _, _, info = env.step("search[mug]")
    assert not info["action_truncated"] and info["action_is_valid"]
    assert env.reward_state()["query"] == "mug"


def test_buying_without_options_scores_the_hand_computed_share():
    env = make()
    env.reset(seed=4)
    goal = env.goal()
    env.step(f"search[{goal.name}]")
    env.step(f"click[{goal.asin}]")
    obs, reward, terminated, truncated, info = env.step("click[buy now]")
    attributes, options = len(goal.attributes), len(goal.options)
    assert options > 0 and terminated and not truncated
    assert reward == pytest.approx((attributes + 0 + 1) / (attributes + options + 1))
    assert info["score"] == reward and not info["is_success"]
    parts = info["reward_components"]
    assert parts["attribute_matches"] == parts["num_attributes"] == attributes
    assert parts["option_matches"] == 0 and parts["num_options"] == options
    assert parts["price_ok"] == parts["r_type"] == 1.0
    assert f"{reward:.3f}" in obs
    with pytest.raises(ResetNeeded):
        env.step("click[back to search]")


def test_episodes_truncate_at_max_steps():
    env = make(max_steps=3)
    env.reset(seed=5)
    flags = [env.step("look")[2:4] for _ in range(3)]
    assert flags == [(False, False), (False, False), (False, True)]
    assert env.reward_state()["steps"] == 3


def test_splits_draw_disjoint_goal_ids_and_target_products():
    targets = {}
    for split, (first, count) in SPLITS.items():
        env = make(split=split)
        ids, residues = set(), set()
        for seed in range(60):
            _, info = env.reset(seed=seed)
            assert first <= info["goal_id"] < first + count
            ids.add(info["goal_id"])
            residues.add(env.catalogue.index_of(env.goal().asin) % 10)
        targets[split] = residues
        with pytest.raises(ConfigError, match="goal_id"):
            env.reset(options={"goal_id": first + count})
    assert targets["test"] == {0} and targets["val"] == {1} and targets["train"] <= set(range(2, 10))
    starts = sorted((first, first + count) for first, count in SPLITS.values())
    assert all(a[1] <= b[0] for a, b in zip(starts, starts[1:]))


def test_same_seed_same_goal_and_goal_id_replays_a_goal():
    a, b = make(), make()
    assert a.reset(seed=9)[0] == b.reset(seed=9)[0]
    goal_id = a.reset(seed=9)[1]["goal_id"]
    b.reset(seed=10)
    assert b.reset(options={"goal_id": goal_id})[0] == a.reset(seed=9)[0]


def test_envs_share_one_catalogue_and_copies_behave_like_the_original():
    env, other = make(), make()
    assert env.catalogue is other.catalogue
    env.reset(seed=6)
    env.step(f"search[{env.goal().name}]")
    env.step(f"click[{env.goal().asin}]")
    plan = [f"click[{v}]" for v in env.goal().options.values()] + ["click[features]", "click[< prev]", "click[buy now]"]
    clones = [pickle.loads(pickle.dumps(env)), copy.deepcopy(env)]
    assert all(clone.catalogue is env.catalogue for clone in clones)
    copied = [[clone.step(a) for a in plan] for clone in clones]
    assert env.reward_state()["page"] == "item" and not env.reward_state()["purchased"]  # the original stayed
    original = [env.step(a) for a in plan]
    assert copied[0] == original == copied[1] and original[-1][1] == 1.0


def test_reward_state_follows_the_visit():
    env = make()
    env.reset(seed=7)
    goal = env.goal()
    state = env.reward_state()
    assert state["instruction"] == goal.text and state["page"] == "search" and not state["purchased"]
    assert state["price_upper"] == np.float32(goal.price_upper)
    assert state["goal_attributes"] == "; ".join(goal.attributes)
    env.step(f"search[{goal.name}]")
    env.step(f"click[{goal.asin}]")
    kind, value = next(iter(goal.options.items()))
    env.step(f"click[{value}]")
    state = env.reward_state()
    assert state["product_title"] == goal.name and state["chosen_options"] == f"{kind}: {value}"
    assert state["product_price"] > 0 and state["page"] == "item"


def test_render_ansi_is_the_page():
    env = make(render_mode="ansi")
    obs, _ = env.reset(seed=8)
    assert env.render() == obs


@pytest.mark.parametrize(("kwargs", "word"), [
    ({"split": "dev"}, "split"), ({"num_products": 5}, "num_products"), ({"num_products": 0}, "num_products"),
    ({"catalogue_seed": -1}, "catalogue_seed"), ({"max_steps": 0}, "max_steps"),
    ({"max_action_length": 1.5}, "max_action_length"), ({"render_mode": "rgb_array"}, "render_mode"),
])
def test_bad_arguments_raise_config_errors_naming_them(kwargs, word):
    with pytest.raises(ConfigError, match=word):
        TextShopEnv(**{"num_products": SMALL, **kwargs})


def test_step_before_reset_and_bad_reset_options_are_errors():
    env = make()
    with pytest.raises(ResetNeeded):
        env.step("search[x]")
    with pytest.raises(ConfigError, match="goal"):
        env.reset(options={"goal": 1})


def test_docstring_is_a_manual_with_the_formula():
    doc = TextShopEnv.__doc__ or ""
    for heading in ("Description", "Action Space", "Observation Space", "Rewards", "Episode End", "Arguments"):
        assert f"## {heading}" in doc
    assert "r_type * (matched attributes + matched options + [price <= limit])" in doc


def test_gym_make_builds_it_from_the_registry():
    env = gym.make("agentenvs/TextShop-v0", num_products=SMALL)
    obs, _ = env.reset(seed=0)
    assert env.observation_space.contains(obs)
    env.close()
