"""The GUI family's reward state: its space, its generated doc and its values (single and vector envs).

Field names are part of the contract the grounding shapers (``reward_plugins.grounding``) read:
``cursor``, ``target_box``, ``pred_box``, ``screen_size``, ``clicked``, ``action_is_valid``, ``step``,
``max_steps``, ``element_boxes``, ``element_roles``, ``num_elements`` and ``instruction``.
"""
from __future__ import annotations

from typing import Any, cast

import numpy as np
from gymnasium import spaces

from ..core.reward_state import FieldDoc, describe_reward_state
from ..core.text import fit_text, text_space
from .constants import ROLES
from .screen import Task

DESCRIPTIONS = {
    "pred_box": FieldDoc("the predicted box: GUIGround's box action; a zero-size box at the cursor otherwise",
                         "screen pixels [x1, y1, x2, y2]"),
    "screen_size": FieldDoc("width and height of the screen", "pixels (width, height)"),
    "clicked": FieldDoc("1 on the step that clicked (STOP), else 0", "flag"),
    "action_is_valid": FieldDoc("1 when this step's action was understood (text actions that parse), else 0", "flag"),
    "step": FieldDoc("steps taken in this episode, this one included", "env steps"),
    "element_roles": FieldDoc(f"role of each element, an index into {ROLES}; -1 padding", "role index"),
    "num_elements": FieldDoc("interactive elements on the screen (rows of element_boxes in use)", "elements"),
}


def reward_state_space(max_size: tuple[int, int], max_elements: int, max_steps: int) -> spaces.Dict:
    """The reward-state space of screens up to ``max_size`` with up to ``max_elements`` elements."""
    width, height = max_size
    xy = np.array([width, height], np.float32)
    box = np.tile(xy, 2)
    return spaces.Dict({
        "cursor": spaces.Box(np.zeros(2, np.float32), xy, dtype=np.float32),
        "target_box": spaces.Box(np.zeros(4, np.float32), box, dtype=np.float32),
        "pred_box": spaces.Box(np.zeros(4, np.float32), box, dtype=np.float32),
        "screen_size": spaces.Box(np.ones(2, np.float32), xy, dtype=np.float32),
        "clicked": spaces.Box(0, 1, (), np.int64),
        "action_is_valid": spaces.Box(0, 1, (), np.int64),
        "step": spaces.Box(0, max_steps, (), np.int64),
        "max_steps": spaces.Box(max_steps, max_steps, (), np.int64),
        "element_boxes": spaces.Box(np.full((max_elements, 4), -1, np.float32), np.tile(box, (max_elements, 1)),
                                    dtype=np.float32),
        "element_roles": spaces.Box(-1, len(ROLES) - 1, (max_elements,), np.int64),
        "num_elements": spaces.Box(0, max_elements, (), np.int64),
        "instruction": text_space(256),
    })


def reward_state_doc(space: spaces.Dict) -> str:
    """The generated ``reward_state_doc`` of a GUI reward-state space."""
    return describe_reward_state(space, DESCRIPTIONS)


def task_arrays(task: Task, max_elements: int, space: spaces.Dict) -> dict[str, Any]:
    """The per-episode fields of ``task``.

    Target box, element boxes and roles (padded), counts, screen size, and the instruction fitted to
    ``space``'s text field.
    """
    elements = task.screen.elements[:max_elements]
    boxes = np.full((max_elements, 4), -1, np.float32)
    roles = np.full(max_elements, -1, np.int64)
    if elements:
        boxes[: len(elements)] = [e.box for e in elements]
        roles[: len(elements)] = [e.role_index for e in elements]
    return {
        "target_box": np.array(task.target_element.box, np.float32),
        "screen_size": np.array(task.screen.size, np.float32),
        "element_boxes": boxes,
        "element_roles": roles,
        "num_elements": np.array(len(elements), np.int64),
        "instruction": fit_text(task.instruction, cast(spaces.Text, space["instruction"])),
    }


def reward_state_values(episode: dict[str, Any], *, cursor: np.ndarray, pred_box: np.ndarray, clicked: bool,
                        valid: bool, step: int, max_steps: int) -> dict[str, Any]:
    """One env's reward state: the episode's fields plus this step's."""
    return {
        "cursor": cursor.astype(np.float32),
        "target_box": episode["target_box"].copy(),
        "pred_box": pred_box.astype(np.float32),
        "screen_size": episode["screen_size"].copy(),
        "clicked": np.array(int(clicked), np.int64),
        "action_is_valid": np.array(int(valid), np.int64),
        "step": np.array(step, np.int64),
        "max_steps": np.array(max_steps, np.int64),
        "element_boxes": episode["element_boxes"].copy(),
        "element_roles": episode["element_roles"].copy(),
        "num_elements": episode["num_elements"].copy(),
        "instruction": episode["instruction"],
    }
