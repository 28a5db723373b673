"""The trajectory analyser on real Sokoban-Tiny episodes whose outcome is known by construction.

Level ``reset(seed=10_000)`` of Sokoban-Tiny puts the player under a wall, so always pushing "up"
(action 0) never moves it: 120 steps (the time limit) in one state. The level of seed 10_001 is
solved by the registry's oracle in two pushes. A program rewarding boxes on target is flat (0) in
the stuck episode and rises to 0.1 in the solved one.
"""
import gymnasium as gym
import numpy as np
import pytest

from baselines.analyser import episode_logs, final_scalars
from baselines.reference import oracle_factory
from reward_plugins.codegen import summarise_failures

ENV = "agentenvs/Sokoban-Tiny-v0"
PROGRESS = '''def compute_reward(state):
    progress = 0.1 * state["boxes_on_target"].float() / state["num_boxes"].float()
    return progress, {"progress": progress}
'''


class StuckThenOracle:
    """Action 0 ("up") in the first episode, the oracle's plan in the next."""

    def __init__(self, env):
        self.oracle = oracle_factory(ENV)(env, 0)
        self.episode = -1

    def reset(self, env, obs, info):
        self.episode += 1
        self.oracle.reset(env, obs, info)

    def act(self, obs):
        return 0 if self.episode == 0 else self.oracle.act(obs)


def test_a_stuck_and_a_solved_episode_are_logged_and_summarised():
    env = gym.make(ENV)
    try:
        stuck, solved = episode_logs(env, StuckThenOracle(env), PROGRESS, episodes=2, seed=10_000)
    finally:
        env.close()
    assert (stuck.success, stuck.length, len(set(stuck.state_keys))) == (False, 120, 1)
    assert stuck.components == {"progress": [0.0] * 120}
    assert (solved.success, solved.length, len(set(solved.state_keys))) == (True, 2, 2)
    assert solved.components["progress"] == pytest.approx([0.0, 0.1])
    assert stuck.final_state["steps"] == 120.0 and solved.final_state["boxes_on_target"] == 1.0
    assert "walls" not in stuck.final_state  # arrays are not final-state scalars
    text = summarise_failures([stuck, solved]).splitlines()
    assert text[0] == "1 of 2 evaluation episodes failed."
    assert text[1].startswith("In failed episodes the agent revisited states in 99% of steps")  # 1 - 1/120
    assert text[2].startswith("Components that never changed within a failed episode: progress ")
    assert "Final boxes_on_target: 0 in failed episodes vs 1 in successful ones." in text
    assert "Final steps: 120 in failed episodes vs 2 in successful ones." in text


def test_final_scalars_keep_numbers_and_flags_of_one_value():
    state = {"steps": np.int64(3), "deadlock": np.bool_(True), "box_on_goal": np.array([False]),
             "boxes": np.zeros((2, 2)), "instruction": "push"}
    assert final_scalars(state) == {"steps": 3.0, "deadlock": 1.0, "box_on_goal": 0.0}
