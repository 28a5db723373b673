"""Legitimate reward programs over the Sokoban, TextQuest and TextShop reward states: accepted, and right.

Each example of :mod:`reward_plugins.code.examples` runs on a hand-made batch whose rewards are worked out
by hand below, and on the real env's ``reward_state()`` (whose doc must list every field it reads).
"""
import gymnasium as gym
import numpy as np
import pytest
import torch

import agentenvs  # noqa: F401 (registers the ids)
from reward_plugins.code import check_fields, validate_program
from reward_plugins.code.examples import EXAMPLES, QUEST, SHOP, SOKOBAN
from reward_plugins.wrappers.inputs import stack_rows, to_tensor

DEAD = np.zeros((2, 5, 5), bool)
DEAD[0, 1, 2] = True
WALLS = np.ones((2, 5, 5), bool)
WALLS[:, 1:4, 1:4] = False

STATES = {
    SOKOBAN: {
        "player": torch.tensor([[1, 1], [3, 3]]),
        "boxes": torch.tensor([[[1, 2], [2, 3]], [[2, 2], [-1, -1]]]),
        "goals": torch.tensor([[[1, 3], [2, 3]], [[2, 2], [-1, -1]]]),
        "box_on_goal": torch.tensor([[False, True], [True, False]]),
        "boxes_on_target": torch.tensor([1, 1]),
        "num_boxes": torch.tensor([2, 1]),
        "walls": torch.from_numpy(WALLS),
        "dead_squares": torch.from_numpy(DEAD),
        "deadlock": torch.tensor([True, False]),
        "success": torch.tensor([False, True]),
        "steps": torch.tensor([10, 50]),
        "max_steps": torch.tensor([100, 100]),
    },
    QUEST: {
        "instruction": ["Your task is to: take the copper key, open the cabinet", "Your task is to: take the hat"],
        "location": ["attic", "kitchen"],
        "inventory": ["copper key\nold fork", ""],
        "object_locations": ["copper key: inventory\nold fork: inventory", "hat: kitchen"],
        "door_states": ["oak door: open\npine door: locked\ncabinet: closed\nbox: open", "oak door: closed"],
        "subgoals": ["take the copper key\nopen the cabinet\ntake the candle", "a\nb\nc"],
        "subgoal_reached": torch.tensor([[True, False, False], [True, True, True]]),
        "subgoals_done": torch.tensor([1, 3]),
        "num_subgoals": torch.tensor([3, 3]),
        "progress": torch.tensor([1 / 3, 1.0]),
        "success": torch.tensor([False, True]),
        "steps": torch.tensor([20, 40]),
        "max_steps": torch.tensor([100, 100]),
    },
    SHOP: {
        "instruction": ["i need a polo shirt with color: white", "i need blue boots"],
        "page": ["item", "done"],
        "query": ["polo shirt white", "red shoes"],
        "product_title": ["Slim Polo", ""],
        "chosen_options": ["color: white", ""],
        "goal_attributes": ["slim fit", ""],
        "goal_options": ["color: white; size: large", "size: 9"],
        "product_price": torch.tensor([50.0, 0.0]),
        "price_upper": torch.tensor([70.0, 1e6]),
        "purchased": torch.tensor([False, True]),
        "score": torch.tensor([0.0, 0.25]),
        "success": torch.tensor([False, False]),
        "steps": torch.tensor([4, 9]),
        "max_steps": torch.tensor([15, 15]),
    },
}

#: name -> (expected totals, one expected component) on the hand-made batch of its env.
EXPECTED = {
    "sokoban_progress": ([0.5, 11.0], ("solved", [0.0, 10.0])),
    "sokoban_box_distance": ([-0.1, 0.0], ("box_distance", [-0.1, 0.0])),
    "sokoban_player_near_box": ([-0.05, 0.0], ("near_box", [-0.05, 0.0])),
    "sokoban_deadlock": ([-1.0, 5.0], ("deadlock", [-1.0, 0.0])),
    "sokoban_step_cost": ([-0.02, 0.74], ("late", [-0.01, -0.25])),
    "sokoban_dead_squares": ([-0.5, 0.0], ("dead_boxes", [-0.5, 0.0])),
    "sokoban_shaped": ([-1.6, 11.0], ("stuck", [-2.0, 0.0])),
    "quest_progress": ([1 / 3, 6.0], ("done", [0.0, 5.0])),
    "quest_late_subgoals": ([1 / 6, 1.0], ("weighted", [1 / 6, 1.0])),
    "quest_inventory": ([0.2, 0.0], ("carried", [0.2, 0.0])),
    "quest_open_doors": ([0.5, 0.0], ("open", [0.5, 0.0])),
    "quest_useful_items": ([0.5 + 1 / 3, 1.0], ("useful", [0.5, 0.0])),
    "quest_efficiency": ([0.0, 0.6], ("fast", [0.0, 0.6])),
    "shop_score": ([0.0, 0.25], ("score", [0.0, 0.25])),
    "shop_options": ([0.5, 0.0], ("options", [0.5, 0.0])),
    "shop_price": ([1.0, 0.0], ("in_budget", [1.0, 0.0])),
    "shop_query": ([1.5, 0.0], ("item_page", [0.5, 0.0])),
}


def test_every_example_has_a_worked_answer():
    assert sorted(EXPECTED) == sorted(EXAMPLES) and len(EXAMPLES) >= 15


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_gives_the_hand_computed_rewards(sandbox, name):
    example = EXAMPLES[name]
    program = validate_program(example.source)
    result = sandbox.run(program, STATES[example.env_id])
    totals, (component, values) = EXPECTED[name]
    assert result.total.tolist() == pytest.approx(totals, abs=1e-6)
    assert result.components[component].tolist() == pytest.approx(values, abs=1e-6)
    assert list(result.components) == list(program.components)  # statically known names match the run's


@pytest.mark.parametrize("env_id", [SOKOBAN, QUEST, SHOP])
def test_examples_read_only_documented_fields_and_run_on_real_states(sandbox, env_id):
    env = gym.make(env_id)
    rows = []
    for seed in range(3):
        env.reset(seed=seed)
        rows.append(env.unwrapped.reward_state())
    state = to_tensor(stack_rows(rows))
    for example in (e for e in EXAMPLES.values() if e.env_id == env_id):
        program = validate_program(example.source)
        check_fields(program, env.unwrapped.reward_state_doc)
        result = sandbox.run(program, state)
        assert result.total.shape == (3,) and bool(torch.isfinite(result.total).all()), example.name
    env.close()


def test_common_tensor_idioms_are_allowed(sandbox):
    source = (
        "def compute_reward(state):\n"
        "    x = state['steps'].to(torch.float32)\n"
        "    base = torch.zeros(x.shape[0], device=x.device) + x.new_ones(x.shape[0])\n"
        "    low, high = x.clamp_min(1.0).chunk(2)\n"
        "    both = torch.cat([low, high]).contiguous()\n"
        "    return base + both, {'steps': both}\n")
    result = sandbox.run(source, {"steps": torch.tensor([0, 3])})
    assert result.total.tolist() == [2.0, 4.0]
