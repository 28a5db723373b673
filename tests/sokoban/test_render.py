"""Rendering: sprite frames, incremental repainting, ansi text, and the pygame window."""
import numpy as np

from agentenvs.sokoban import SokobanEnv, parse_xsb
from agentenvs.sokoban.constants import BOX, COLORS, GOAL, NUM_TILES, PLAYER, TILE_SIZE, WALL
from agentenvs.sokoban.render import SPRITES, grid_to_rgb, grid_to_xsb, make_sprites

LEVEL = "#######\n#     #\n# .$@ #\n# .$  #\n#######"


def test_sprites_are_distinct_and_centre_colours_identify_tiles():
    assert SPRITES.shape == (NUM_TILES, TILE_SIZE, TILE_SIZE, 3) and SPRITES.dtype == np.uint8
    flat = SPRITES.reshape(NUM_TILES, -1)
    assert len({row.tobytes() for row in flat}) == NUM_TILES
    centre = TILE_SIZE // 2
    assert tuple(SPRITES[PLAYER, centre, centre]) == COLORS["player"]
    assert tuple(SPRITES[BOX, centre, centre + 2]) == COLORS["box"]
    assert make_sprites(8).shape == (NUM_TILES, 8, 8, 3)


def test_rgb_render_shows_the_player_sprite_at_the_player_cell():
    env = SokobanEnv(dim_room=(5, 7), levels=LEVEL, render_mode="rgb_array")
    env.reset(seed=0)
    frame = env.render()
    assert frame.shape == (80, 112, 3) and frame.dtype == np.uint8
    r, c = 2, 4
    cell = frame[r * TILE_SIZE:(r + 1) * TILE_SIZE, c * TILE_SIZE:(c + 1) * TILE_SIZE]
    assert np.array_equal(cell, SPRITES[PLAYER])
    assert np.array_equal(frame[:TILE_SIZE, :TILE_SIZE], SPRITES[WALL])
    assert np.array_equal(frame[2 * TILE_SIZE:3 * TILE_SIZE, 2 * TILE_SIZE:3 * TILE_SIZE], SPRITES[GOAL])


def test_incremental_rgb_observation_equals_a_full_redraw():
    env = SokobanEnv(obs_mode="rgb", num_boxes=3)
    env.reset(seed=5)
    rng = np.random.default_rng(0)
    for _ in range(300):
        obs, _, terminated, truncated, _ = env.step(int(rng.integers(4)))
        assert np.array_equal(obs, grid_to_rgb(env._grid))
        if terminated or truncated:
            env.reset()


def test_ansi_render_is_the_xsb_text():
    env = SokobanEnv(dim_room=(5, 7), levels=LEVEL, render_mode="ansi")
    env.reset(seed=0)
    env.step(2)
    assert env.render() == env.to_xsb() == LEVEL.replace(".$@ ", "*@  ")
    assert parse_xsb(env.render()).boxes.sum() == 2


def test_grid_to_xsb_crops_to_a_window():
    grid = np.zeros((4, 5), dtype=np.uint8)
    grid[1:3, 1:4] = [[1, 5, 2], [1, 4, 1]]
    assert grid_to_xsb(grid) == "#####\n# @.#\n# $ #\n#####"
    assert grid_to_xsb(grid, (1, 1, 2, 3)) == " @.\n $ "


def test_human_render_opens_a_pygame_window_headless():
    env = SokobanEnv(dim_room=(5, 7), levels=LEVEL, render_mode="human")
    env.reset(seed=0)
    assert env.render() is None
    env.step(2)
    viewer = env._renderer._viewer
    assert viewer is not None and viewer._window is not None
    env.close()
    env.close()
    assert env._renderer._viewer is None and viewer._window is None
