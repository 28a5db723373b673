"""Sokoban's reward state: its space, its generated doc, and its values, for every Sokoban env.

One batched function (:func:`reward_state_batch`) computes the values of ``B`` rooms; the
single env calls it with ``B = 1``, the vector env with its rooms, the multi-agent env once
per agent. Box and goal lists hold ``max_boxes`` rows (the most boxes the env's levels can
have, fixed at construction), padded with -1, so the space is fixed for the env's life.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from ..core.reward_state import FieldDoc, describe_reward_state
from ..errors import LevelError
from .constants import IS_BOX_NP, IS_GOAL_NP, WALL

DESCRIPTIONS = {
    "box_on_goal": FieldDoc("boxes[i] stands on a goal (False for padding rows)", "flag per box"),
    "boxes_on_target": FieldDoc("boxes on goals", "boxes"),
    "num_boxes": FieldDoc("boxes in the level", "boxes"),
    "dead_squares": FieldDoc("floor cells from which a box can never reach a goal", "grid mask"),
    "deadlock": FieldDoc("some box can provably never reach a goal (dead square or frozen 2x2 block)", "flag"),
    "players": FieldDoc("every player's cell, in possible_agents order (multi-agent only)", "grid cells (row, col)"),
}
"""Meaning and units of Sokoban's own fields (the shared ones come from the core vocabulary)."""


def max_boxes_bound(shape: tuple[int, int]) -> int:
    """The most boxes any level fits in a room of ``shape``: its inner cells but the player's."""
    return (shape[0] - 2) * (shape[1] - 2) - 1


def reward_state_space(shape: tuple[int, int], max_boxes: int, max_steps: int, num_agents: int = 0) -> spaces.Dict:
    """The reward-state space of one Sokoban room (one agent's, with ``num_agents`` players, when > 0)."""
    height, width = shape
    cell_high = np.array([height - 1, width - 1], dtype=np.int64)
    cells = spaces.Box(np.full((max_boxes, 2), -1, np.int64), np.tile(cell_high, (max_boxes, 1)), dtype=np.int64)
    fields: dict[str, spaces.Space] = {
        "player": spaces.Box(np.zeros(2, np.int64), cell_high, dtype=np.int64),
        "boxes": cells,
        "goals": cells,
        "box_on_goal": spaces.Box(0, 1, (max_boxes,), bool),
        "boxes_on_target": spaces.Box(0, max_boxes, (), np.int64),
        "num_boxes": spaces.Box(1, max_boxes, (), np.int64),
        "walls": spaces.Box(0, 1, shape, bool),
        "dead_squares": spaces.Box(0, 1, shape, bool),
        "deadlock": spaces.Box(0, 1, (), bool),
        "success": spaces.Box(0, 1, (), bool),
        "steps": spaces.Box(0, max_steps, (), np.int64),
        "max_steps": spaces.Box(max_steps, max_steps, (), np.int64),
    }
    if num_agents:
        fields["players"] = spaces.Box(np.zeros((num_agents, 2), np.int64), np.tile(cell_high, (num_agents, 1)),
                                       dtype=np.int64)
    return spaces.Dict(fields)


def reward_state_doc(space: spaces.Dict) -> str:
    """The generated ``reward_state_doc`` of a Sokoban reward-state space."""
    return describe_reward_state(space, {k: v for k, v in DESCRIPTIONS.items() if k in space.spaces})


def check_level_fits(num_boxes: int, max_boxes: int) -> None:
    """Refuse a level with more boxes than the env's reward-state space holds."""
    if num_boxes > max_boxes:
        raise LevelError(
            f"the level has {num_boxes} boxes, but this env's reward_state_space holds at most {max_boxes}; "
            f"build the env with num_boxes={num_boxes}, or pass such levels in levels=..."
        )


def _positions(mask: np.ndarray, count: int, width: int) -> np.ndarray:
    """``int64 [B, count, 2]`` (row, col) of the True cells of each row of ``mask [B, H*W]``, padded with -1.

    Cells come in row-major order; a room with more than ``count`` of them keeps its first ``count``.
    """
    rooms, cells = np.nonzero(mask)  # grouped by room, cells ascending
    counts = np.bincount(rooms, minlength=mask.shape[0])
    rank = np.arange(rooms.size) - (np.cumsum(counts) - counts)[rooms]
    keep = rank < count
    out = np.full((mask.shape[0], count, 2), -1, dtype=np.int64)
    out[rooms[keep], rank[keep], 0], out[rooms[keep], rank[keep], 1] = np.divmod(cells[keep], width)
    return out


def reward_state_batch(
    grids: np.ndarray,
    players: np.ndarray,
    dead: np.ndarray,
    *,
    num_boxes: np.ndarray,
    on_target: np.ndarray,
    deadlock: np.ndarray,
    steps: np.ndarray,
    max_steps: int,
    max_boxes: int,
) -> dict[str, np.ndarray]:
    """Reward-state values of ``B`` rooms, each field with a leading ``B`` axis.

    Args:
        grids: ``uint8 [B, H, W]`` tile codes.
        players: ``int64 [B]`` flat cell of each room's player (within its room).
        dead: ``bool [B, H, W]`` dead squares.
        num_boxes: ``[B]`` boxes per room.
        on_target: ``[B]`` boxes on goals.
        deadlock: ``[B]`` deadlock flags.
        steps: ``[B]`` steps taken.
        max_steps: the truncation limit.
        max_boxes: rows of the box and goal lists.
    """
    batch, height, width = grids.shape
    flat = grids.reshape(batch, -1)
    boxes = _positions(IS_BOX_NP[flat], max_boxes, width)
    padded = boxes[..., 0] < 0
    rows = np.arange(batch)[:, None]
    on_goal = IS_GOAL_NP[grids[rows, boxes[..., 0], boxes[..., 1]]] & ~padded
    on_target = np.asarray(on_target, dtype=np.int64)
    num_boxes = np.asarray(num_boxes, dtype=np.int64)
    player = np.empty((batch, 2), dtype=np.int64)
    player[:, 0], player[:, 1] = np.divmod(np.asarray(players, dtype=np.int64), width)
    return {
        "player": player,
        "boxes": boxes,
        "goals": _positions(IS_GOAL_NP[flat], max_boxes, width),
        "box_on_goal": on_goal,
        "boxes_on_target": on_target.copy(),
        "num_boxes": num_boxes.copy(),
        "walls": grids == WALL,
        "dead_squares": np.array(dead, dtype=bool),
        "deadlock": np.array(deadlock, dtype=bool),
        "success": on_target == num_boxes,
        "steps": np.array(steps, dtype=np.int64),
        "max_steps": np.full(batch, max_steps, dtype=np.int64),
    }


def first_row(batch: dict[str, np.ndarray]) -> dict[str, Any]:
    """Row 0 of a batch from :func:`reward_state_batch` (the single env's values)."""
    return {key: value[0, ...] for key, value in batch.items()}
