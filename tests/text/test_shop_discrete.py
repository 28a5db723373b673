import gymnasium as gym
import numpy as np
import pytest

import agentenvs  # noqa: F401
from agentenvs.errors import InvalidActionError
from agentenvs.text.shop_discrete import TextShopDiscreteOracle, expand_searches, instruction_searches
from agentenvs.text.shop_env import SEARCH_COMMAND

pytest.importorskip("bm25s")


def test_instruction_searches_on_hand_made_instructions():
    text = "i need a t-shirt (cotton and slim fit), with color: navy, and price lower than 30.00 dollars"
    assert instruction_searches(text) == [f"search[{text}]", "search[t-shirt cotton and slim fit]", "search[t-shirt]"]
    assert instruction_searches("i need a  mug") == ["search[i need a mug]", "search[mug]"]
    assert instruction_searches("I want some green tea, and price lower than 5.00 dollars") == [
        "search[I want some green tea, and price lower than 5.00 dollars]", "search[green tea]"]


def test_only_the_placeholder_is_expanded():
    assert expand_searches(["click[buy now]", SEARCH_COMMAND], "i need a mug") == [
        "click[buy now]", "search[i need a mug]", "search[mug]"]


def test_indices_name_the_expanded_commands_and_play_them():
    env = gym.make("agentenvs/TextShop-Discrete-v0")
    obs, info = env.reset(seed=3)
    base = env.unwrapped
    instruction = base.instruction()
    assert base.commands == instruction_searches(instruction) and info["admissible_commands"] == [SEARCH_COMMAND]
    assert env.observation_space.contains(obs)
    assert base.action_masks().tolist() == [True] * len(base.commands) + [False] * (64 - len(base.commands))
    _, reward, terminated, truncated, info = env.step(2)
    assert info["page"] == "results" and info["action_is_valid"] and reward == 0.0
    assert base.text_env.unwrapped.reward_state()["query"] == instruction_searches(instruction)[2][7:-1]
    assert base.commands == info["admissible_commands"][:64] and "click[back to search]" in base.commands
    _, _, _, _, info = env.step(63)  # past the list: a no-op flagged invalid
    assert info["page"] == "results" and info["action_is_valid"] is False
    with pytest.raises(InvalidActionError):
        env.step(1.5)


def test_oracle_buys_the_target_on_a_thousand_goals():
    env = gym.make("agentenvs/TextShop-Discrete-v0")
    scores = []
    for seed in range(1000):
        obs, info = env.reset(seed=seed)
        oracle = TextShopDiscreteOracle(env, seed)
        oracle.reset(env, obs, info)
        done, total = False, 0.0
        while not done:
            obs, reward, terminated, truncated, info = env.step(oracle.act(obs))
            total, done = total + reward, terminated or truncated
        scores.append(total)
    assert np.mean(scores) == 1.0, [i for i, s in enumerate(scores) if s < 1.0][:10]
