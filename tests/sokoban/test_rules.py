"""Push mechanics, and the scalar and batched rules agreeing transition by transition."""
import numpy as np
import pytest

from agentenvs.sokoban.constants import (
    BOX,
    BOX_ON_GOAL,
    FLOOR,
    GOAL,
    LEFT,
    NUM_TILES,
    PLAYER,
    PLAYER_ON_GOAL,
    RIGHT,
    UP,
    WALL,
    flat_deltas,
)
from agentenvs.sokoban.level import parse_xsb
from agentenvs.sokoban.rules import decode_grid, encode_level, step_batch, step_scalar


def play(xsb: str, action: int):
    level = parse_xsb(xsb)
    grid = encode_level(level, level.shape)
    state = bytearray(grid.tobytes())
    width = level.shape[1]
    player = level.player[0] * width + level.player[1]
    new_player, box, change = step_scalar(state, player, flat_deltas(width)[action])
    after = np.frombuffer(bytes(state), dtype=np.uint8).reshape(level.shape)
    return decode_grid(after).to_xsb(), box, change


def test_walk_onto_floor_and_goal():
    assert play("#####\n#@ .#\n# $ #\n#####", RIGHT) == ("#####\n# @.#\n# $ #\n#####", -1, 0)
    assert play("#####\n# @.#\n# $ #\n#####", RIGHT) == ("#####\n#  +#\n# $ #\n#####", -1, 0)


def test_walking_into_a_wall_changes_nothing():
    xsb = "#####\n#@ .#\n# $ #\n#####"
    assert play(xsb, UP) == (xsb, -1, 0)
    assert play(xsb, LEFT) == (xsb, -1, 0)


def test_push_box_onto_goal_counts_plus_one():
    xsb, box, change = play("######\n#@$. #\n######", RIGHT)
    assert xsb == "######\n# @* #\n######"
    assert (box, change) == (9, 1)


def test_push_box_off_goal_counts_minus_one():
    xsb, box, change = play("######\n#@* .#\n# $  #\n######", RIGHT)
    assert xsb == "######\n# +$.#\n# $  #\n######"
    assert change == -1


def test_box_against_wall_or_box_does_not_move():
    two = "#######\n#@$$  #\n#  .. #\n#######"
    assert play(two, RIGHT) == (two, -1, 0)
    walled = "#####\n# @$#\n#  .#\n#####"
    assert play(walled, RIGHT) == (walled, -1, 0)


def test_noop_delta_changes_nothing():
    xsb = "#####\n#@$.#\n#####"
    level = parse_xsb(xsb)
    state = bytearray(encode_level(level, level.shape).tobytes())
    before = bytes(state)
    assert step_scalar(state, 6, 0) == (6, -1, 0)
    assert bytes(state) == before


def random_rooms(rng, batch, height, width):
    """Random walled rooms with one player each (not necessarily solvable: the rules do not care)."""
    tiles, odds = [FLOOR, GOAL, BOX, BOX_ON_GOAL, WALL], [0.4, 0.15, 0.2, 0.1, 0.15]
    grids = rng.choice(tiles, p=odds, size=(batch, height, width))
    grids[:, [0, -1], :] = WALL
    grids[:, :, [0, -1]] = WALL
    rows = rng.integers(1, height - 1, batch)
    cols = rng.integers(1, width - 1, batch)
    on_goal = np.isin(grids[np.arange(batch), rows, cols], (GOAL, BOX_ON_GOAL))
    grids[np.arange(batch), rows, cols] = np.where(on_goal, PLAYER_ON_GOAL, PLAYER)
    return grids.astype(np.uint8), rows * width + cols


@pytest.mark.parametrize("shape", [(5, 5), (6, 9)])
def test_scalar_and_batched_rules_agree(shape):
    rng = np.random.default_rng(0)
    batch, (height, width) = 256, shape
    grids, players = random_rooms(rng, batch, height, width)
    deltas = np.array(flat_deltas(width))
    flat = grids.reshape(-1).copy()
    global_players = players + np.arange(batch) * height * width
    scalar_states = [bytearray(g.tobytes()) for g in grids]
    scalar_players = players.tolist()
    for _ in range(20):  # 20 x 256 = 5120 transitions, pushes into boxes, walls and goals included
        actions = rng.integers(0, 5, batch)  # 4 = no-op
        new_players, pushed, box, change = step_batch(flat, global_players, deltas[actions])
        for i in range(batch):
            p, b, c = step_scalar(scalar_states[i], scalar_players[i], int(deltas[actions[i]]))
            offset = i * height * width
            assert p == new_players[i] - offset
            assert (b >= 0) == pushed[i]
            if b >= 0:
                assert b == box[i] - offset
            assert c == change[i]
            scalar_players[i] = p
        global_players = new_players
        assert flat.tobytes() == b"".join(bytes(s) for s in scalar_states)
    assert set(np.unique(flat)) <= set(range(NUM_TILES))


def test_encode_pads_smaller_level_with_walls_and_decode_inverts():
    level = parse_xsb("#####\n#@$.#\n#####")
    grid = encode_level(level, (5, 7))
    assert grid.shape == (5, 7)
    assert (grid[0] == WALL).all() and (grid[-1] == WALL).all()
    assert grid[2, 2] == PLAYER and grid[2, 3] == BOX and grid[2, 4] == GOAL
    assert decode_grid(encode_level(level, level.shape)) == level
