"""Dead squares and frozen blocks, as the env reports them in info["deadlock"]."""
import numpy as np

from agentenvs.sokoban import SokobanEnv, parse_xsb
from agentenvs.sokoban.constants import BOX, BOX_ON_GOAL, DOWN, FLOOR, GOAL, LEFT, RIGHT, UP, WALL
from agentenvs.sokoban.deadlock import dead_squares, deadlocked, deadlocked_after_push, deadlocked_after_push_batch
from agentenvs.sokoban.rules import encode_level

CORNER = "#####\n##  #\n# $@#\n#  .#\n#####"  # LEFT pushes the box into the corner (2, 1)
FROZEN = "#######\n#. $ .#\n# $   #\n# @   #\n#######"  # UP makes a box pair frozen on the top wall


def grid_of(xsb):
    level = parse_xsb(xsb)
    return encode_level(level, level.shape)


def run(xsb, actions):
    level = parse_xsb(xsb)
    env = SokobanEnv(dim_room=level.shape, levels=xsb)
    _, info = env.reset(seed=0)
    return env, [info] + [env.step(a)[4] for a in actions]


def test_dead_squares_are_found_by_pulling_from_goals():
    dead = dead_squares(grid_of("######\n#    #\n# @$.#\n#    #\n######"))
    assert dead[1, 1] and dead[1, 4] and dead[3, 1] and dead[3, 4]  # corners
    assert dead[1, 2] and dead[3, 3] and dead[2, 1]  # along walls without a goal
    assert not dead[2, 4] and not dead[2, 2] and not dead[2, 3]  # the goal row, away from the side walls
    assert not dead[0].any()  # walls are not dead squares


def test_pushing_a_box_into_a_corner_is_a_deadlock():
    _, (start, after) = run(CORNER, [LEFT])
    assert not start["deadlock"]
    assert after["deadlock"] and not after["is_success"]


def test_box_pushed_onto_a_goal_in_a_corner_is_not_a_deadlock():
    _, (start, after) = run("######\n#.   #\n#$   #\n#@   #\n######", [UP])
    assert after["is_success"] and not after["deadlock"]


def test_frozen_pair_against_a_wall_is_a_deadlock_though_not_on_dead_squares():
    env, (start, after) = run(FROZEN, [UP])
    assert not start["deadlock"]
    assert not env.reward_state()["dead_squares"][1, 2]
    assert after["deadlock"]


def test_frozen_2x2_of_boxes_is_a_deadlock_unless_all_on_goals():
    block = grid_of("######\n#    #\n# $$ #\n# $$ #\n#....#\n# @  #\n######")
    assert deadlocked(block, dead_squares(block))
    solved = grid_of("######\n#    #\n# ** #\n# ** #\n#    #\n# @  #\n######")
    assert not deadlocked(solved, dead_squares(solved))


def test_deadlock_flag_is_sticky_and_clears_on_reset():
    env, infos = run(CORNER, [LEFT, DOWN, RIGHT, UP])
    assert all(info["deadlock"] for info in infos[1:])
    _, info = env.reset(seed=0)
    assert not info["deadlock"]
    assert np.array_equal(env.reward_state()["dead_squares"], dead_squares(grid_of(CORNER)))


def test_scalar_and_batched_deadlock_tests_agree():
    rng = np.random.default_rng(0)
    batch, height, width = 500, 6, 7
    tiles, odds = [FLOOR, GOAL, BOX, BOX_ON_GOAL, WALL], [0.3, 0.15, 0.25, 0.1, 0.2]
    grids = rng.choice(tiles, p=odds, size=(batch, height, width))
    grids[:, [0, -1], :] = WALL
    grids[:, :, [0, -1]] = WALL
    grids = grids.astype(np.uint8)
    dead = rng.random((batch, height, width)) < 0.3
    cells = rng.integers(1, height - 1, batch) * width + rng.integers(1, width - 1, batch)
    offsets = np.arange(batch) * height * width
    batched = deadlocked_after_push_batch(grids.reshape(-1), dead.reshape(-1), cells + offsets, width)
    scalar = [deadlocked_after_push(bytearray(g.tobytes()), d.tobytes(), int(c), width)
              for g, d, c in zip(grids, dead, cells)]
    assert batched.tolist() == scalar
    assert 0 < sum(scalar) < batch
