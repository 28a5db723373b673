"""Negotiation (Deal or No Deal): rules on hand-made games, invalid moves, truncation, the oracle, determinism."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from pettingzoo.test import api_test, parallel_api_test, parallel_seed_test

from agentenvs.errors import ConfigError
from agentenvs.registration import make_multi_agent
from agentenvs.testing import check_env_id
from agentenvs.text.negotiation.env import parallel_env
from agentenvs.text.negotiation.generator import acceptable, generate_game
from agentenvs.text.negotiation.oracle import FairSplitOracle
from agentenvs.text.negotiation.rules import (
    ACCEPT,
    ACCEPT_ACTION,
    PROPOSE,
    WALK_AWAY,
    WALK_AWAY_ACTION,
    Game,
    Move,
    action_to_move,
    apply_move,
    fair_split,
    is_legal,
    move_to_action,
    pareto_efficient,
    parse_move,
    rewards,
    utility,
)

# Pool: 1 book, 2 hats, 3 balls. Agent 0: book 4, hat 3, ball 0 (4 + 6 = 10); agent 1: book 1, hat 0, ball 3 (1 + 9).
GAME = Game(counts=(1, 2, 3), values=((4, 3, 0), (1, 0, 3)))


def test_utilities_of_an_accepted_proposal_are_hand_computed() -> None:
    game = apply_move(GAME, 0, Move(PROPOSE, (1, 2, 0)))  # agent 0 takes book and hats: 4 + 6 = 10
    assert game.standing == (0, (1, 2, 0)) and game.turn == 1 and game.outcome is None
    assert rewards(game) == (0.0, 0.0)
    game = apply_move(game, 1, Move(ACCEPT))  # agent 1 gets the 3 balls: 9
    assert game.outcome == "agreement" and game.agreed == ((1, 2, 0), (0, 0, 3))
    assert rewards(game) == (10.0, 9.0)


def test_counter_proposal_replaces_the_standing_one_and_acceptance_gives_the_proposer_its_take() -> None:
    game = apply_move(GAME, 0, Move(PROPOSE, (1, 2, 3)))
    game = apply_move(game, 1, Move(PROPOSE, (1, 0, 3)))  # agent 1 takes book and balls: 1 + 9 = 10
    game = apply_move(game, 0, Move(ACCEPT))  # agent 0 gets the 2 hats: 6
    assert rewards(game) == (6.0, 10.0)


def test_walk_away_ends_with_zero_for_both() -> None:
    game = apply_move(apply_move(GAME, 0, Move(PROPOSE, (1, 2, 0))), 1, Move(WALK_AWAY))
    assert game.outcome == WALK_AWAY and rewards(game) == (0.0, 0.0)


def test_illegal_moves_pass_the_turn_and_change_nothing_else() -> None:
    assert not is_legal(GAME, 0, Move(ACCEPT))  # nothing to accept
    assert not is_legal(GAME, 1, Move(PROPOSE, (0, 0, 0)))  # not its turn
    assert not is_legal(GAME, 0, Move(PROPOSE, (2, 0, 0)))  # only one book
    own = apply_move(GAME, 0, Move(PROPOSE, (0, 0, 0)))
    assert not is_legal(apply_move(own, 1, None), 0, Move(ACCEPT))  # nobody accepts their own proposal
    after = apply_move(GAME, 0, Move(PROPOSE, (2, 0, 0)))
    assert (after.standing, after.turn, after.steps, after.outcome) == (None, 1, 1, None)


def test_pareto_and_fair_split_on_a_hand_made_game() -> None:
    # Agent 0 values nothing in balls, agent 1 nothing in hats: giving hats to 0 and balls to 1 is efficient.
    assert utility((4, 3, 0), (1, 2, 0)) == 10
    front = pareto_efficient(GAME.counts, GAME.values)
    # Hats go to 0 and balls to 1 either way; the book is worth 4 to 0 and 1 to 1: (10, 9) or (6, 10).
    # Taking everything, (10, 0), is dominated by (10, 9).
    assert front == [(0, 2, 0), (1, 2, 0)]
    # (1,2,0) gives 10 and 9: the best smaller utility among splits giving both at least 5.
    assert fair_split(GAME.counts, GAME.values) == (1, 2, 0)
    # Both want only the single book: no split gives each half its max.
    assert fair_split((1, 1, 1), ((10, 0, 0), (10, 0, 0))) is None
    assert not acceptable((1, 1, 1), ((10, 0, 0), (10, 0, 0)))


def test_discrete_actions_round_trip_and_index_as_documented() -> None:
    assert action_to_move(1 * 25 + 2 * 5 + 3) == Move(PROPOSE, (1, 2, 3))
    assert action_to_move(ACCEPT_ACTION) == Move(ACCEPT) and action_to_move(WALK_AWAY_ACTION) == Move(WALK_AWAY)
    assert all(move_to_action(action_to_move(a)) == a for a in range(WALK_AWAY_ACTION + 1))


@pytest.mark.parametrize(("text", "move"), [
    ("propose: books=1 hats=2 balls=0", Move(PROPOSE, (1, 2, 0))),
    ("  Propose balls = 3, books=0 hats=1 message: you love balls, right?", Move(PROPOSE, (0, 1, 3))),
    ("ACCEPT. message: deal", Move(ACCEPT)),
    ("walk away", Move(WALK_AWAY)),
])
def test_text_moves_parse_and_the_message_is_ignored(text: str, move: Move) -> None:
    assert parse_move(text) == move


@pytest.mark.parametrize("text", [
    "", "hello", "propose: books=1 hats=2", "propose: books=1 hats=2 balls=0 books=1", "propose: pens=1 hats=2 balls=0",
    "propose: books=-1 hats=2 balls=0", "message: accept", "accept now", "propose: books=99999 hats=0 balls=0",
])
def test_unparseable_text_names_no_move(text: str) -> None:
    assert parse_move(text) is None


def test_generated_games_keep_the_papers_conditions() -> None:
    rng = np.random.default_rng(0)
    for _ in range(200):
        game = generate_game(rng)
        assert all(1 <= c <= 4 for c in game.counts)
        assert all(utility(v, game.counts) == 10 for v in game.values)
        assert all(a > 0 or b > 0 for a, b in zip(*game.values))
        assert any(a > 0 and b > 0 for a, b in zip(*game.values))


@pytest.mark.parametrize("text", [False, True])
def test_oracle_reaches_a_fair_efficient_agreement_on_1000_seeds(text: bool) -> None:
    env = parallel_env(text=text)
    oracle = FairSplitOracle(env)
    for seed in range(1000 if not text else 200):
        env.reset(seed=seed)
        game = env.game
        front = pareto_efficient(game.counts, game.values)
        while env.agents:
            _, rewards_, terms, truncs, infos = env.step(oracle.actions())
        assert all(terms.values()) and not any(truncs.values()), seed
        assert all(info["is_success"] and info["action_is_valid"] for info in infos.values())
        assert env.game.agreed is not None and env.game.agreed[0] in front, seed
        assert rewards_["player_0"] >= 5 and rewards_["player_1"] >= 5, seed


def test_waiting_agent_is_masked_and_ignored() -> None:
    env = parallel_env()
    obs, _ = env.reset(seed=1)
    assert obs["player_1"]["action_mask"].sum() == 0 and obs["player_0"]["action_mask"][WALK_AWAY_ACTION] == 1
    assert obs["player_0"]["action_mask"][ACCEPT_ACTION] == 0
    _, rewards_, terms, _, infos = env.step({"player_0": 0, "player_1": WALK_AWAY_ACTION})
    assert not any(terms.values()) and env.game.standing == (0, (0, 0, 0))
    assert infos["player_1"]["action_is_valid"] and env.game.turn == 1


def test_invalid_moves_are_flagged_never_raised() -> None:
    for text, garbage in [(False, ACCEPT_ACTION), (False, 10_000), (False, "x"), (True, "hello"),
                          (True, b"\xff\xfe"), (True, None), (True, "accept")]:
        env = parallel_env(text=text)
        env.reset(seed=2)
        _, rewards_, terms, truncs, infos = env.step({"player_0": garbage})
        assert infos["player_0"]["action_is_valid"] is False, garbage
        assert infos["player_1"]["action_is_valid"] is True
        assert env.game.standing is None and env.game.turn == 1 and env.game.steps == 1
        assert not any(terms.values()) and not any(truncs.values())


def test_over_long_text_is_cut_and_flagged() -> None:
    env = parallel_env(text=True)
    env.reset(seed=0)
    _, _, _, _, infos = env.step({"player_0": "walk away message: " + "x" * 1000})
    assert infos["player_0"]["action_truncated"] and infos["player_0"]["action_is_valid"]
    assert env.game.outcome == WALK_AWAY


def test_running_out_of_turns_truncates_with_zero_reward() -> None:
    env = parallel_env(max_turns=4, text=True)
    env.reset(seed=5)
    for step in range(4):
        mover = env.possible_agents[step % 2]
        _, rewards_, terms, truncs, infos = env.step({mover: "propose: books=0 hats=0 balls=0"})
    assert all(truncs.values()) and not any(terms.values()) and env.agents == []
    assert rewards_ == {"player_0": 0.0, "player_1": 0.0}
    assert not infos["player_0"]["is_success"] and env.reward_state()["player_0"]["steps"] == 4


def test_reward_state_and_observation_agree_with_the_game() -> None:
    env = parallel_env()
    obs, _ = env.reset(seed=7)
    env.step({"player_0": move_to_action(Move(PROPOSE, env.game.counts))})  # take everything
    state, game = env.reward_state(), env.game
    assert state["player_1"]["offer"].tolist() == [0, 0, 0] and state["player_0"]["offer"].tolist() == list(game.counts)
    assert state["player_0"]["my_proposal"] and not state["player_1"]["my_proposal"]
    assert state["player_1"]["my_turn"] and state["player_1"]["values"].tolist() == list(game.values[1])
    assert env.reward_state_space("player_0").contains(state["player_0"])
    with pytest.raises(ConfigError, match="unknown agent"):
        env.reward_state_space("player_2")


def test_bad_arguments_raise_config_errors() -> None:
    for kwargs in ({"max_turns": 0}, {"text": "yes"}, {"render_mode": "rgb_array"}, {"turns": 3}):
        with pytest.raises(ConfigError):
            parallel_env(**kwargs)


def test_registered_id_passes_the_conformance_suite_and_text_version_passes_pettingzoo() -> None:
    assert set(check_env_id("agentenvs/Negotiation-v0").values()) == {"passed"}
    parallel_api_test(parallel_env(text=True), num_cycles=100)
    parallel_seed_test(lambda: parallel_env(text=True))
    for text in (False, True):
        api_test(make_multi_agent("agentenvs/Negotiation-v0", aec=True, text=text), num_cycles=100)


def test_text_version_relays_the_movers_message_to_the_other_agent_only() -> None:
    env = parallel_env(text=True)
    obs, _ = env.reset(seed=3)
    assert "says" not in obs["player_1"]["text"] and obs["player_1"]["observation"][-2] == 0  # not its turn
    obs, *_ = env.step({"player_0": "propose: books=0 hats=0 balls=0 MESSAGE:  take   it all, friend  "})
    assert 'The other agent says: "take it all, friend"' in obs["player_1"]["text"]
    assert "says" not in obs["player_0"]["text"]
    obs, *_ = env.step({"player_1": "propose: books=0 hats=0 balls=0 message: " + "y" * 500})
    assert f'says: "{"y" * 200}"' in obs["player_0"]["text"] and "y" * 201 not in obs["player_0"]["text"]
    assert 'says: "take it all, friend"' in obs["player_1"]["text"]  # still the last thing player_0 said
    obs, _ = env.reset(seed=3)
    assert all("says" not in o["text"] for o in obs.values())


def test_shapers_apply_per_agent_through_the_per_group_wrapper() -> None:
    pytest.importorskip("torch")
    from reward_plugins.wrappers import ShapedParallelEnv

    env = ShapedParallelEnv(parallel_env(), {"first": ["count"], "second": ["count"]},
                            weights={"first": 1.0, "second": 0.5},
                            groups={"first": ["player_0"], "second": ["player_1"]})
    env.reset(seed=0)
    _, rewards_, *_, infos = env.step({"player_0": 0, "player_1": 0})
    # a first visit of each agent's own observation: count bonus 1/sqrt(1) at weight 1 and 0.5, env reward 0
    assert rewards_ == {"player_0": pytest.approx(1.0), "player_1": pytest.approx(0.5)}
    assert infos["player_1"]["reward_components"]["env"] == 0.0
    assert set(env.groups) == {"first", "second"}


ROLLOUT = """
from agentenvs.text.negotiation.env import parallel_env
env = parallel_env()
out = []
for seed in range(20):
    env.reset(seed=seed)
    env.action_space("player_0").seed(seed); env.action_space("player_1").seed(seed)
    while env.agents:
        env.step({a: env.action_space(a).sample() for a in env.agents})
    out.append(env.state().tolist())
print(out)
"""


def test_same_seed_same_games_across_processes() -> None:
    runs = [subprocess.run([sys.executable, "-c", ROLLOUT], capture_output=True, text=True, check=True).stdout
            for _ in range(2)]
    assert runs[0] == runs[1] and runs[0].count("[") > 20
