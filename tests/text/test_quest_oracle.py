"""The oracle plans over world facts: every generated quest is solvable, from the start and mid-episode."""
import numpy as np
import pytest

from agentenvs.text.quest import TextQuestEnv, TextQuestOracle, generate_game, plan
from agentenvs.text.quest.rules import admissible_commands, command_text, execute
from agentenvs.text.quest.world import holds


def solves(game, state, reached, commands):
    reached = list(reached)
    for command in commands:
        reply, accepted = execute(game, state, command)
        assert accepted, (command, reply)
        reached = [r or holds(s.fact, state) for r, s in zip(reached, game.quest)]
    return all(reached)


def test_every_default_quest_of_1000_seeds_is_solved_no_longer_than_its_walkthrough():
    for seed in range(1000):
        game = generate_game(np.random.default_rng(seed))
        commands = plan(game, game.initial, [False] * len(game.quest))
        assert solves(game, game.initial.copy(), [False] * len(game.quest), commands), seed
        assert len(commands) <= len(game.walkthrough), seed
        assert solves(game, game.initial.copy(), [False] * len(game.quest), game.walkthrough), seed


@pytest.mark.parametrize(("rooms", "objects", "distractors", "quest_length", "seeds"), [
    (1, 0, 0, 1, 40), (1, 0, 0, 3, 40), (1, 5, 3, 5, 40), (2, 3, 1, 4, 40), (3, 20, 10, 7, 40), (5, 40, 20, 9, 40),
    (8, 10, 2, 13, 40), (16, 60, 20, 10, 40), (12, 30, 5, 25, 4), (16, 5, 0, 35, 2),
])
def test_quests_across_knob_settings_are_solved(rooms, objects, distractors, quest_length, seeds):
    """Long chains of locked doors make the breadth-first search slow (about 1 s a world): fewer seeds there."""
    for seed in range(seeds):
        for split in ("train", "test"):
            game = generate_game(np.random.default_rng(seed), rooms, objects, distractors, quest_length, split)
            assert len(game.quest) == quest_length and len(game.rooms) == rooms
            commands = plan(game, game.initial, [False] * quest_length)
            assert solves(game, game.initial.copy(), [False] * quest_length, commands), (seed, split)


def test_oracle_replans_after_random_play():
    """Keys dropped elsewhere, doors closed, things put in containers: the planner still finishes the quest."""
    rng = np.random.default_rng(1)
    for seed in range(60):
        env = TextQuestEnv(rooms=5, objects=10, distractors=3, quest_length=7, max_steps=1000)
        env.reset(seed=seed)
        for _ in range(40):
            options = [command_text(env.game, c) for c in admissible_commands(env.game, env.state)]
            if env.step(options[rng.integers(len(options))])[2]:
                break
        commands = plan(env.game, env.state, env.subgoal_reached)
        assert solves(env.game, env.state.copy(), env.subgoal_reached, commands), seed


def test_oracle_as_reference_policy_wins_through_the_env():
    env = TextQuestEnv()
    oracle = TextQuestOracle(env, seed=0)
    for seed in range(20):
        obs, info = env.reset(seed=seed)
        oracle.reset(env, obs, info)
        terminated = False
        while not terminated:
            obs, reward, terminated, truncated, info = env.step(oracle.act(obs))
            assert not truncated
        assert info["is_success"] and reward == 1.0
