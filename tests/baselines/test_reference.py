"""Reference policies: the Sokoban oracle solves every level; random does worse; no oracle elsewhere."""
from baselines.reference import ORACLES, family_of, reference_scores, register_oracle


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
    assert family_of("CartPole-v1") is None and family_of("agentenvs/Sokoban-v0") == "sokoban"


def test_families_register_their_oracle(monkeypatch):
    monkeypatch.setitem(ORACLES, "sokoban", ORACLES["sokoban"])

    class AlwaysUp:
        def __init__(self, env, seed):
            pass

        def reset(self, env, obs, info):
            pass

        def act(self, obs):
            return 0

    register_oracle("sokoban", AlwaysUp)
    assert reference_scores("agentenvs/Sokoban-Tiny-v0", n_episodes=3)["oracle"]["success_rate"] < 1.0
