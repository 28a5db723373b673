"""Reward programs over the shipped envs' reward states: tested examples, and few-shot material for generators.

Each :class:`RewardExample` names the env id whose ``reward_state_doc`` it was written against. They follow
the rules of :mod:`reward_plugins.code.validate` and show the idioms the allow-lists are built for:
masks instead of ``if`` on tensors, padding rows (-1) masked out, text fields as lists of strings.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RewardExample:
    """A reward program (``source``), what it rewards (``task``), and the env id it reads the reward state of."""

    name: str
    env_id: str
    task: str
    source: str


SOKOBAN = "agentenvs/Sokoban-Tiny-v0"
QUEST = "agentenvs/TextQuest-v0"
SHOP = "agentenvs/TextShop-v0"

_EXAMPLES = (
    RewardExample("sokoban_progress", SOKOBAN, "push every box onto a goal", '''
def compute_reward(state):
    progress = state["boxes_on_target"].float() / state["num_boxes"].float()
    solved = state["success"].float() * 10.0
    return progress + solved, {"progress": progress, "solved": solved}
'''),
    RewardExample("sokoban_box_distance", SOKOBAN, "bring boxes close to goals", '''
def compute_reward(state):
    boxes, goals = state["boxes"], state["goals"]
    real_box = boxes[:, :, 0] >= 0
    real_goal = goals[:, :, 0] >= 0
    dist = (boxes[:, :, None, :] - goals[:, None, :, :]).abs().sum(dim=-1).float()
    dist = torch.where(real_goal[:, None, :], dist, torch.full_like(dist, 1e6))
    nearest = dist.min(dim=2).values
    total = -(torch.where(real_box, nearest, torch.zeros_like(nearest))).sum(dim=1) * 0.1
    return total, {"box_distance": total}
'''),
    RewardExample("sokoban_player_near_box", SOKOBAN, "walk up to a box that is not on a goal yet", '''
def compute_reward(state):
    boxes = state["boxes"]
    todo = (boxes[:, :, 0] >= 0) & ~state["box_on_goal"]
    dist = (boxes - state["player"][:, None, :]).abs().sum(dim=-1).float()
    dist = torch.where(todo, dist, torch.full_like(dist, 1e6))
    nearest = dist.min(dim=1).values
    total = torch.where(todo.any(dim=1), -0.05 * nearest, torch.zeros_like(nearest))
    return total, {"near_box": total}
'''),
    RewardExample("sokoban_deadlock", SOKOBAN, "solve without deadlocking", '''
def compute_reward(state):
    penalty = -1.0 * state["deadlock"].float()
    bonus = 5.0 * state["success"].float()
    return penalty + bonus, {"deadlock": penalty, "success": bonus}
'''),
    RewardExample("sokoban_step_cost", SOKOBAN, "solve quickly", '''
STEP_COST = 0.01

def compute_reward(state):
    cost = -STEP_COST * torch.ones_like(state["steps"], dtype=torch.float32)
    late = -(state["steps"].float() / state["max_steps"].float()) ** 2
    return cost + late + state["success"].float(), {"cost": cost, "late": late}
'''),
    RewardExample("sokoban_dead_squares", SOKOBAN, "keep boxes off squares they cannot leave", '''
def compute_reward(state):
    boxes, dead = state["boxes"], state["dead_squares"]
    real = boxes[:, :, 0] >= 0
    rows = boxes[:, :, 0].clamp(min=0)
    cols = boxes[:, :, 1].clamp(min=0)
    width = dead.shape[2]
    flat = dead.reshape(dead.shape[0], -1)
    stuck = torch.gather(flat, 1, rows * width + cols) & real
    total = -0.5 * stuck.float().sum(dim=1)
    return total, {"dead_boxes": total}
'''),
    RewardExample("sokoban_shaped", SOKOBAN, "push every box onto a goal (dense)", '''
def box_goal_distance(boxes, goals):
    dist = (boxes[:, :, None, :] - goals[:, None, :, :]).abs().sum(dim=-1).float()
    dist = torch.where((goals[:, :, 0] >= 0)[:, None, :], dist, torch.full_like(dist, 1e6))
    nearest = dist.min(dim=2).values
    return torch.where(boxes[:, :, 0] >= 0, nearest, torch.zeros_like(nearest)).sum(dim=1)


def compute_reward(state):
    on_goal = state["boxes_on_target"].float() / state["num_boxes"].float()
    distance = -0.1 * box_goal_distance(state["boxes"], state["goals"])
    stuck = -2.0 * state["deadlock"].float()
    solved = 10.0 * state["success"].float()
    total = on_goal + distance + stuck + solved
    return total, {"on_goal": on_goal, "distance": distance, "stuck": stuck, "solved": solved}
'''),
    RewardExample("quest_progress", QUEST, "finish the quest", '''
def compute_reward(state):
    progress = state["progress"]
    done = 5.0 * state["success"].float()
    return progress + done, {"progress": progress, "done": done}
'''),
    RewardExample("quest_late_subgoals", QUEST, "finish the quest, valuing later steps more", '''
def compute_reward(state):
    reached = state["subgoal_reached"].float()
    weights = torch.arange(1, reached.shape[1] + 1, dtype=torch.float32)
    total = (reached * weights).sum(dim=1) / weights.sum()
    return total, {"weighted": total}
'''),
    RewardExample("quest_inventory", QUEST, "pick things up", '''
def compute_reward(state):
    counts = [len([line for line in text.splitlines() if line.strip()]) for text in state["inventory"]]
    carried = 0.1 * torch.tensor(counts, dtype=torch.float32)
    return carried, {"carried": carried}
'''),
    RewardExample("quest_open_doors", QUEST, "open doors and containers", '''
def open_share(text):
    lines = [line for line in text.splitlines() if ":" in line]
    opened = [line for line in lines if line.split(":")[1].strip() == "open"]
    return len(opened) / max(len(lines), 1)


def compute_reward(state):
    share = torch.tensor([open_share(t) for t in state["door_states"]], dtype=torch.float32)
    return share, {"open": share}
'''),
    RewardExample("quest_useful_items", QUEST, "carry what the instruction mentions", '''
def compute_reward(state):
    hits = []
    for goal, inventory in zip(state["instruction"], state["inventory"]):
        things = [t for t in inventory.splitlines() if t]
        hits.append(float(sum(1 for t in things if t in goal)))
    useful = torch.tensor(hits, dtype=torch.float32) * 0.5
    return useful + state["progress"], {"useful": useful, "progress": state["progress"]}
'''),
    RewardExample("quest_efficiency", QUEST, "finish the quest in few steps", '''
def compute_reward(state):
    left = 1.0 - state["steps"].float() / state["max_steps"].float()
    fast = state["success"].float() * left
    return fast, {"fast": fast}
'''),
    RewardExample("shop_score", SHOP, "buy the product the instruction asks for", '''
def compute_reward(state):
    score = state["score"]
    exact = state["success"].float()
    return score + exact, {"score": score, "exact": exact}
'''),
    RewardExample("shop_options", SHOP, "choose the options the instruction asks for", '''
def share(chosen, wanted):
    want = [w.strip() for w in wanted.split(";") if w.strip()]
    have = [c.strip() for c in chosen.split(";")]
    return sum(1 for w in want if w in have) / max(len(want), 1)


def compute_reward(state):
    values = [share(c, w) for c, w in zip(state["chosen_options"], state["goal_options"])]
    options = torch.tensor(values, dtype=torch.float32)
    return options, {"options": options}
'''),
    RewardExample("shop_price", SHOP, "open a product within the budget", '''
def compute_reward(state):
    open_product = torch.tensor([float(t != "") for t in state["product_title"]])
    cheap = (state["product_price"] <= state["price_upper"]).float()
    total = open_product * cheap
    return total, {"in_budget": total}
'''),
    RewardExample("shop_query", SHOP, "search with the instruction's words", '''
def overlap(query, instruction):
    words = set(instruction.lower().split())
    asked = query.lower().split()
    return sum(1 for w in asked if w in words) / max(len(asked), 1)


def compute_reward(state):
    values = [overlap(q, i) for q, i in zip(state["query"], state["instruction"])]
    match = torch.tensor(values, dtype=torch.float32)
    on_item = torch.tensor([float(p == "item") for p in state["page"]])
    return match + 0.5 * on_item, {"query": match, "item_page": 0.5 * on_item}
'''),
)

#: Every example by name.
EXAMPLES: dict[str, RewardExample] = {e.name: RewardExample(e.name, e.env_id, e.task, e.source.lstrip())
                                      for e in _EXAMPLES}


def examples_for(env_id: str) -> list[RewardExample]:
    """The examples written against ``env_id``'s reward state (few-shot material for that env)."""
    return [e for e in EXAMPLES.values() if e.env_id == env_id]
