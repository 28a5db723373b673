"""Deadlock detection against hand-made positions, with every expected answer worked out by hand.

Each position is checked three ways: the full test of a grid (:func:`deadlocked`, run at reset), the
scalar test after a push onto each box (:func:`deadlocked_after_push`) and the batched one.
"""
import numpy as np
import pytest

from agentenvs.sokoban import SokobanEnv, parse_xsb
from agentenvs.sokoban.constants import IS_BOX_NP
from agentenvs.sokoban.deadlock import dead_squares, deadlocked, deadlocked_after_push, deadlocked_after_push_batch
from agentenvs.sokoban.rules import encode_level


def verdicts(xsb):
    """(full-grid verdict, {box (row, col): scalar verdict}, {box: batched verdict}) for the position ``xsb``."""
    level = parse_xsb(xsb)
    grid = encode_level(level, level.shape)
    dead = dead_squares(grid)
    width = grid.shape[1]
    cells = np.flatnonzero(IS_BOX_NP[grid.ravel()])
    flat, dead_flat = bytearray(grid.tobytes()), dead.tobytes()
    scalar = {divmod(int(c), width): deadlocked_after_push(flat, dead_flat, int(c), width) for c in cells}
    batched = deadlocked_after_push_batch(grid.ravel(), dead.ravel(), cells, width)
    return deadlocked(grid, dead), scalar, dict(zip(scalar, batched.tolist()))


def assert_boxes(xsb, expected):
    """Every box's verdict (scalar and batched) is ``expected[box]``, and the full verdict is any of them."""
    full, scalar, batched = verdicts(xsb)
    assert scalar == expected
    assert batched == expected
    assert full == any(expected.values())


# -- dead squares ---------------------------------------------------------------------------
def test_box_in_a_corner_off_goal_is_dead():
    assert_boxes("#####\n#$  #\n#   #\n# .@#\n#####", {(1, 1): True})


def test_box_in_a_corner_on_a_goal_is_not_dead():
    assert_boxes("#####\n#*  #\n#   #\n#  @#\n#####", {(1, 1): False})


def test_box_on_a_wall_line_without_a_goal_is_dead():
    # the box can only slide along the top wall, and row 1 has no goal
    assert_boxes("#######\n#  $  #\n#     #\n# . @ #\n#######", {(1, 3): True})


def test_box_on_a_wall_line_with_a_goal_is_not_dead():
    assert_boxes("#######\n#. $  #\n#     #\n#   @ #\n#######", {(1, 3): False})


def test_box_in_the_open_is_not_dead():
    assert_boxes("#######\n#     #\n#  $  #\n#     #\n# . @ #\n#######", {(2, 3): False})


def test_dead_squares_of_a_corridor_by_hand():
    # goal at the dead end of a corridor: a box anywhere in the corridor can be pushed onto it
    dead = dead_squares(encode_level(parse_xsb("#######\n#.$ @ #\n#######"), (3, 7)))
    assert dead[1].tolist() == [False, False, False, False, False, True, False]


# -- frozen 2x2 blocks ------------------------------------------------------------------------
BOX_BLOCK = "########\n#      #\n# $$   #\n# $$   #\n#      #\n# ....@#\n########"


def test_frozen_block_of_four_boxes_whichever_box_was_pushed():
    # the four boxes hold each other in place; each of the four cells is the pushed box in turn
    assert_boxes(BOX_BLOCK, {(2, 2): True, (2, 3): True, (3, 2): True, (3, 3): True})


@pytest.mark.parametrize("pushed", [(2, 2), (2, 3), (3, 2), (3, 3)])
def test_frozen_block_is_found_from_the_pushed_cell_alone(pushed):
    level = parse_xsb(BOX_BLOCK)
    grid = encode_level(level, level.shape)
    dead = np.zeros_like(grid, dtype=bool)  # no dead squares: only the 2x2 test can answer True
    cell = pushed[0] * grid.shape[1] + pushed[1]
    assert deadlocked_after_push(bytearray(grid.tobytes()), dead.tobytes(), cell, grid.shape[1])
    assert deadlocked_after_push_batch(grid.ravel(), dead.ravel(), np.array([cell]), grid.shape[1]).tolist() == [True]


def test_l_of_three_boxes_is_not_frozen():
    assert_boxes("########\n#      #\n# $$   #\n# $    #\n#      #\n# ... @#\n########",
                 {(2, 2): False, (2, 3): False, (3, 2): False})


def test_block_entirely_on_goals_is_not_a_deadlock():
    assert_boxes("########\n#      #\n# **   #\n# **   #\n#      #\n#     @#\n########",
                 {(2, 2): False, (2, 3): False, (3, 2): False, (3, 3): False})


@pytest.mark.parametrize("off_goal", [(2, 2), (2, 3), (3, 2), (3, 3)])
def test_block_with_three_boxes_on_goals_and_one_off_is_a_deadlock(off_goal):
    rows = ["########", "#      #", "# **   #", "# **   #", "#      #", "#     @#", "########"]
    rows = [list(row) for row in rows]
    rows[off_goal[0]][off_goal[1]] = "$"
    rows[5][1] = "."
    expected = {cell: True for cell in [(2, 2), (2, 3), (3, 2), (3, 3)]}
    assert_boxes("\n".join("".join(row) for row in rows), expected)


def test_pair_against_a_wall_is_frozen_and_a_box_on_a_goal_blocks():
    # top wall + two boxes: neither can move; the $ is off goal
    assert_boxes("#######\n# $$  #\n#     #\n#.. @ #\n#######", {(1, 2): True, (1, 3): True})
    # the same pair with one box on a goal: the * still holds the $ in place
    assert_boxes("#######\n#.*$  #\n#     #\n#   @ #\n#######", {(1, 2): True, (1, 3): True})


def test_pair_against_a_wall_all_on_goals_is_not_a_deadlock():
    assert_boxes("#######\n# **  #\n#     #\n#   @ #\n#######", {(1, 2): False, (1, 3): False})


def test_box_against_a_wall_corner_block_by_side_walls():
    # wall above and wall to the left of the pair below it: a 2x2 of two walls and two boxes, vertical
    assert_boxes("######\n#    #\n#$   #\n#$   #\n#. . #\n#   @#\n######", {(2, 1): True, (3, 1): True})


def test_boxes_side_by_side_in_the_open_are_not_frozen():
    assert_boxes("#######\n#     #\n# $$  #\n#     #\n#.. @ #\n#######", {(2, 2): False, (2, 3): False})


# -- the env reports them -----------------------------------------------------------------------
def test_env_reports_the_push_that_completes_a_frozen_block_at_its_bottom_right():
    # pushing the fourth box LEFT into the bottom-right cell of the block freezes it
    level = parse_xsb("########\n#      #\n# $$   #\n# $ $@ #\n#      #\n# .... #\n########")
    env = SokobanEnv(dim_room=level.shape, levels=level)
    _, info = env.reset(seed=0)
    assert not info["deadlock"]
    _, _, _, _, info = env.step(2)  # LEFT
    assert info["deadlock"]
