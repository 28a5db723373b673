"""One reward for every Sokoban env: built-in modes in closed form, an injected reward_fn in the single,
vector and multi-agent envs, and the per-agent reward state feeding the PettingZoo shaping wrapper."""
import numpy as np
import pytest

from agentenvs.errors import ConfigError
from agentenvs.sokoban import SokobanEnv, SokobanVectorEnv, parse_xsb
from agentenvs.sokoban.constants import DOWN, LEFT, NOOP, RIGHT, UP
from agentenvs.sokoban.multi import SokobanMultiEnv
from agentenvs.sokoban.reward import INSTRUCTION, LinearReward, StepOutcome, reward_fn_for

TWO_BOXES = "#######\n#     #\n# .$@ #\n# .$  #\n#######"
SHAPE = parse_xsb(TWO_BOXES).shape


def deadlock_penalty(outcome: StepOutcome):
    """A user's reward: 2 per box on a goal, -5 once deadlocked."""
    return 2.0 * outcome.boxes_on_target - 5.0 * outcome.deadlock


def test_built_in_modes_in_closed_form():
    sparse, gym_sokoban = reward_fn_for("sparse"), reward_fn_for("gym-sokoban")
    assert sparse == LinearReward(0.0, 0.0, 1.0) and gym_sokoban == LinearReward(-0.1, 1.0, 10.0)
    assert gym_sokoban(StepOutcome(1, 2, 2, True, False)) == pytest.approx(-0.1 + 1.0 + 10.0)
    assert gym_sokoban(StepOutcome(-1, 0, 2, False, False)) == pytest.approx(-1.1)
    batch = StepOutcome(np.array([1, 0]), np.array([2, 1]), np.array([2, 2]), np.array([True, False]),
                        np.zeros(2, bool))
    assert gym_sokoban(batch).tolist() == pytest.approx([10.9, -0.1])
    assert type(sparse(StepOutcome(0, 0, 1, False, False))) is float


def test_bad_reward_arguments_are_refused():
    with pytest.raises(ConfigError, match="reward_mode must be one of"):
        reward_fn_for("dense")
    with pytest.raises(ConfigError, match="reward_fn must be callable"):
        SokobanEnv(dim_room=SHAPE, levels=TWO_BOXES, reward_fn=3.0)
    with pytest.raises(ConfigError, match="pass reward_mode or reward_fn, not both"):
        SokobanVectorEnv(num_envs=2, dim_room=SHAPE, levels=TWO_BOXES, reward_mode="gym-sokoban",
                         reward_fn=deadlock_penalty)


def test_injected_reward_fn_drives_the_single_env():
    env = SokobanEnv(dim_room=SHAPE, levels=TWO_BOXES, reward_fn=deadlock_penalty)
    env.reset(seed=0)
    assert [env.step(a)[1] for a in (LEFT, RIGHT, DOWN, LEFT)] == [2.0, 2.0, 2.0, 4.0]
    corner = SokobanEnv(dim_room=(5, 6), levels="######\n#  .@#\n# $  #\n#    #\n######", reward_fn=deadlock_penalty)
    corner.reset(seed=0)
    rewards = [corner.step(a)[1] for a in (DOWN, LEFT, LEFT)]  # the last push puts the box against a wall no goal is on
    assert rewards == [0.0, 0.0, -5.0]


def test_injected_reward_fn_drives_the_vector_env_row_by_row():
    venv = SokobanVectorEnv(num_envs=2, dim_room=SHAPE, levels=TWO_BOXES, reward_fn=deadlock_penalty)
    venv.reset(seed=0)
    _, rewards, *_ = venv.step(np.array([LEFT, UP]))
    assert rewards.dtype == np.float64 and rewards.tolist() == [2.0, 0.0]


def test_injected_reward_fn_drives_the_multi_agent_env():
    env = SokobanMultiEnv(dim_room=(7, 7), num_boxes=1, num_agents=2, reward_fn=lambda o: 7.0 + o.boxes_on_target)
    env.reset(seed=0)
    _, rewards, *_ = env.step({"player_0": NOOP, "player_1": NOOP})
    on_target = int(env.reward_state()["player_0"]["boxes_on_target"])
    assert rewards == {"player_0": 7.0 + on_target, "player_1": 7.0 + on_target}


def test_every_env_states_its_instruction():
    assert SokobanEnv().instruction() == INSTRUCTION == "Push every box onto a goal square."
    assert SokobanVectorEnv(num_envs=3).instruction() == [INSTRUCTION] * 3
    assert SokobanMultiEnv().instruction() == {"player_0": INSTRUCTION, "player_1": INSTRUCTION}


def test_per_agent_reward_state_reaches_the_pettingzoo_shaping_wrapper_one_row_per_agent():
    pytest.importorskip("torch")
    from reward_plugins.base import RewardShaper
    from reward_plugins.wrappers import ShapedParallelEnv

    class OwnRow(RewardShaper):
        requires = frozenset({"reward_state"})

        def __init__(self):
            super().__init__("cpu")

        def forward(self, batch):
            return batch.reward_state["player"][:, 0].float() * 100 + batch.reward_state["player"][:, 1].float()

    env = ShapedParallelEnv(SokobanMultiEnv(num_agents=3), OwnRow())
    env.reset(seed=2)
    _, rewards, _, _, infos = env.step({a: NOOP for a in env.agents})
    players = env.unwrapped.reward_state()["player_0"]["players"]
    expect = {a: float(r * 100 + c) for a, (r, c) in zip(env.possible_agents, players.tolist())}
    assert {a: infos[a]["reward_components"]["OwnRow"] for a in infos} == pytest.approx(expect)
