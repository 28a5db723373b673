"""Reference policies: the Sokoban oracle solves every level; random does worse; no oracle elsewhere."""
from agentenvs.sokoban.oracle import SokobanOracle
from baselines.reference import oracle_factory, reference_scores


def test_sokoban_oracle_solves_every_level_and_random_does_worse():
    scores = reference_scores("agentenvs/Sokoban-Tiny-v0", n_episodes=20)
    oracle, random = scores["oracle"], scores["random"]
    assert oracle["success_rate"] == 1.0 and oracle["n_episodes"] == 20
    assert random["success_rate"] < oracle["success_rate"]
    assert oracle["ep_len_mean"] < random["ep_len_mean"]


def test_scores_are_reproducible_and_follow_the_seed():
    first = reference_scores("agentenvs/Sokoban-Tiny-v0", n_episodes=5, seed=3)
    assert first == reference_scores("agentenvs/Sokoban-Tiny-v0", n_episodes=5, seed=3)
    assert first["random"] != reference_scores("agentenvs/Sokoban-Tiny-v0", n_episodes=5, seed=4)["random"]


def test_envs_without_an_oracle_get_none():
    scores = reference_scores("CartPole-v1", n_episodes=3)
    assert scores["oracle"] is None
    assert scores["random"]["return_mean"] == scores["random"]["ep_len_mean"]  # CartPole pays 1 per step


def test_the_oracle_is_the_one_the_registry_row_names():
    assert oracle_factory("agentenvs/Sokoban-Text-v0") is SokobanOracle
    assert oracle_factory("agentenvs/Sokoban-Multi-v0") is None  # its row names none
    assert oracle_factory("CartPole-v1") is None  # not an agentenvs id


def test_the_oracle_plays_text_actions_on_text_envs():
    scores = reference_scores("agentenvs/Sokoban-Text-v0", n_episodes=3)
    assert scores["oracle"]["success_rate"] == 1.0
