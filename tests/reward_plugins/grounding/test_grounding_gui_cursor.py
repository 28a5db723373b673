"""gui_cursor: GUI-Cursor's trajectory reward on hand-worked episodes of the GridCursor env.

The env's screen is 70 x 50 pixels, the target box (30, 20)-(40, 30), the cursor at cell
centres ((col + 0.5) * 10, (row + 0.5) * 10). Distances are on the screen scaled to 1 x 1.
"""
from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
import pytest
import torch
from grounding_env import CLICK, DOWN, INVALID, LEFT, RIGHT, GridCursor

from reward_plugins import ShapedEnv, ShapedVectorEnv, TransitionBatch, make_shaper
from reward_plugins.errors import ShaperConfigError, ShaperStateError


def d(x: float, y: float, box=(30, 20, 40, 30), screen=(70, 50)) -> float:
    """Normalised distance from (x, y) to the box, by hand."""
    dx = max(box[0] - x, 0, x - box[2]) / screen[0]
    dy = max(box[1] - y, 0, y - box[3]) / screen[1]
    return math.hypot(dx, dy)


def episode(actions, **env_kwargs) -> list[float]:
    env = ShapedEnv(GridCursor(**env_kwargs), {"name": "gui_cursor", "kwargs": {"device": "cpu"}})
    env.reset(seed=0)
    rewards = []
    for a in actions:
        _, _, terminated, truncated, info = env.step(a)
        rewards.append(info["reward_components"]["gui_cursor"])
        if terminated or truncated:
            break
    return rewards


def test_a_correct_stop_at_the_centre():
    rewards = episode([RIGHT, RIGHT, RIGHT, DOWN, DOWN, CLICK])
    # paid once, at the end: 0.9 * (1 + 0.1 * (1 - 0^5)) + 0.1 * (6 valid / 6 steps)
    assert rewards[:-1] == [0.0] * 5 and rewards[-1] == pytest.approx(0.9 * 1.1 + 0.1)


def test_a_correct_stop_off_centre():
    rewards = episode([RIGHT, RIGHT, RIGHT, DOWN, DOWN, CLICK], target_box=(30.0, 20.0, 50.0, 30.0))
    # click at (35, 25), centre (40, 25): ratio = (5/70) / |(10/70, 5/50)|
    ratio = (5 / 70) / math.hypot(10 / 70, 5 / 50)
    assert rewards[-1] == pytest.approx(0.9 * (1 + 0.1 * (1 - ratio**5)) + 0.1, rel=1e-6)


def test_a_false_stop_after_moving_nearer():
    rewards = episode([RIGHT, RIGHT, CLICK])  # moves to (15, 5), (25, 5), clicks at (25, 5)
    assert d(25, 5) < d(15, 5)
    traj = -0.5 + (1 - d(25, 5)) + 0.1
    assert rewards[-1] == pytest.approx(0.9 * traj + 0.1, rel=1e-6)


def test_a_false_stop_after_moving_away():
    rewards = episode([LEFT, LEFT, CLICK], start=(2, 0))  # (15, 5), (5, 5), click at (5, 5)
    traj = -0.5 + (1 - d(5, 5)) - 0.2
    assert rewards[-1] == pytest.approx(0.9 * traj + 0.1, rel=1e-6)


def test_a_false_stop_with_fewer_than_two_moves():
    rewards = episode([CLICK])
    assert rewards == [pytest.approx(0.9 * (-0.5 + 1 - d(5, 5)) + 0.1, rel=1e-6)]
    assert d(5, 5) == pytest.approx(math.hypot(25 / 70, 15 / 50))


def test_out_of_steps_with_a_repeated_position():
    # (15, 5), (5, 5), (15, 5) again, (25, 5): truncated after 4 steps, ending nearer than its first move
    rewards = episode([RIGHT, LEFT, RIGHT, RIGHT], max_steps=4)
    assert len(rewards) == 4 and rewards[:3] == [0.0] * 3
    traj = (1 - d(25, 5)) + 0.1 * 0 - 0.2
    assert rewards[-1] == pytest.approx(0.9 * traj + 0.1, rel=1e-6)


def test_out_of_steps_after_passing_through_the_box_with_an_invalid_action():
    # from (25, 25): into the box (35, 25), out to (45, 25), an invalid no-op there (a repeat), truncated
    rewards = episode([RIGHT, RIGHT, INVALID], start=(2, 2), max_steps=3)
    traj = (1 - d(45, 25)) - 0.1 - 0.2 - 0.2  # passed through, repeated, ended farther than its first move
    assert rewards[-1] == pytest.approx(0.9 * traj + 0.1 * 2 / 3, rel=1e-6)


def test_out_of_steps_inside_the_box_scores_the_centre_too():
    rewards = episode([RIGHT, RIGHT, RIGHT, DOWN, DOWN], max_steps=5)  # ends at the centre without clicking
    traj = 1.0 + 0.1 * 1.0  # distance 0, centre score 1, no penalty (first move (15, 5) was farther)
    assert rewards[-1] == pytest.approx(0.9 * traj + 0.1, rel=1e-6)


def state(cursor, box, clicked, max_steps=10, valid=1, screen=(100, 100)) -> dict[str, torch.Tensor]:
    return {"cursor": torch.tensor([cursor], dtype=torch.float32),
            "target_box": torch.tensor([box], dtype=torch.float32),
            "screen_size": torch.tensor([screen], dtype=torch.float32),
            "clicked": torch.tensor([clicked]), "action_is_valid": torch.tensor([valid]),
            "max_steps": torch.tensor([max_steps])}


def test_single_step_tasks_score_the_distance_only_and_power_distance():
    b = TransitionBatch(reward_state=state((0, 0), (30, 40, 50, 60), 1, max_steps=1),
                        done=torch.tensor([True]), size=1)
    assert make_shaper("gui_cursor", device="cpu")(b).item() == pytest.approx(0.9 * (1 - 0.5) + 0.1)
    power = make_shaper("gui_cursor", distance="power", device="cpu")(b).item()
    assert power == pytest.approx(0.9 * (1 - math.sqrt(0.5)) + 0.1)


def test_zero_size_boxes_and_far_points_are_finite():
    shaper = make_shaper("gui_cursor", device="cpu")
    hit = TransitionBatch(reward_state=state((30, 40), (30, 40, 30, 40), 1), done=torch.tensor([True]), size=1)
    assert shaper(hit).item() == pytest.approx(0.9 * 1.1 + 0.1)  # a zero-size box hit exactly: centre score 1
    shaper.reset(torch.tensor([True]))
    far = TransitionBatch(reward_state=state((1e30, -1e30), (30, 40, 30, 40), 1, screen=(0, 0)),
                          done=torch.tensor([True]), size=1)
    # screen sizes floor at 1 pixel, coordinates at a million screens: 0.9 * (-0.5 + 1 - |(1e6, -1e6) - (30, 40)|)
    assert shaper(far).item() == pytest.approx(0.9 * (0.5 - math.hypot(1e6 - 30, 1e6 + 40)) + 0.1, rel=1e-5)


def test_batched_envs_keep_their_own_histories_and_reset():
    shaper = make_shaper("gui_cursor", device="cpu")
    shaper.setup(None, None, 2)
    box = (40, 40, 60, 60)

    def step(c0, c1, clicked, done):
        s0, s1 = state(c0, box, clicked[0]), state(c1, box, clicked[1])
        rs = {k: torch.cat([s0[k], s1[k]]) for k in s0}
        return shaper(TransitionBatch(reward_state=rs, done=torch.tensor(done), size=2))

    step((10, 10), (50, 50), [0, 1], [False, True])  # env 1 clicks the centre at once
    shaper.reset(torch.tensor([False, True]))
    step((20, 20), (10, 10), [0, 0], [False, False])
    out = step((30, 30), (10, 10), [1, 1], [True, True])
    # env 0: moves (10,10), (20,20), clicks at (30,30): nearer, false stop; env 1 (new episode): (10,10) twice
    d_ = math.hypot(10, 10) / 100
    assert out[0].item() == pytest.approx(0.9 * (-0.5 + 1 - d_ + 0.1) + 0.1, rel=1e-6)
    assert out[1].item() == pytest.approx(0.9 * (-0.5 + 1 - math.hypot(30, 30) / 100) + 0.1, rel=1e-6)


def test_long_episodes_grow_the_history_and_survive_a_state_round_trip():
    shaper = make_shaper("gui_cursor", device="cpu")
    shaper.setup(None, None, 1)
    for i in range(40):  # more than the initial history of 16 positions
        shaper(TransitionBatch(reward_state=state((i, 0), (90, 90, 95, 95), 0), done=torch.tensor([False]), size=1))
    copy = make_shaper("gui_cursor", device="cpu")
    copy.setup(None, None, 1)
    copy.load_state_dict(shaper.state_dict())
    last = TransitionBatch(reward_state=state((39, 0), (90, 90, 95, 95), 0), done=torch.tensor([True]), size=1)
    a, b = shaper(last), copy(last)
    assert torch.equal(a, b)
    # out of steps, one repeat ((39, 0) twice), ended nearer than its first position
    assert a.item() == pytest.approx(0.9 * (1 - math.hypot(51, 90) / 100 - 0.2) + 0.1, rel=1e-6)
    other = make_shaper("gui_cursor", device="cpu")
    other.setup(None, None, 3)
    with pytest.raises(ShaperStateError, match="saved for 1 envs"):
        other.load_state_dict(shaper.state_dict())


@pytest.mark.parametrize("kwargs, detail", [({"distance": "cubic"}, "distance"),
                                            ({"false_stop_penalty": 0.5}, "false_stop_penalty=0.5"),
                                            ({"correct_move_bonus": -0.1}, "correct_move_bonus"),
                                            ({"clicked_key": ""}, "clicked_key")])
def test_bad_arguments_are_refused(kwargs, detail):
    with pytest.raises(ShaperConfigError, match=detail):
        make_shaper("gui_cursor", device="cpu", **kwargs)


def test_a_vector_env_scores_each_sub_env_as_its_single_env_twin():
    shapers = [{"name": "gui_cursor", "kwargs": {"device": "cpu"}},
               {"name": "gaussian_potential", "kwargs": {"gamma": 0.9, "device": "cpu"}}]
    n, steps = 3, 80
    actions = np.random.default_rng(0).integers(0, 7, (steps, n))
    vec = ShapedVectorEnv(gym.vector.SyncVectorEnv([lambda: GridCursor(start=None, max_steps=6)] * n), shapers)
    vec.reset(seed=[10, 11, 12])
    got = {"gui_cursor": [], "gaussian_potential": []}
    for a in actions:
        infos = vec.step(a)[4]
        for k in got:
            got[k].append(np.where(infos["_reward_components"], infos["reward_components"][k], np.nan))
    for i in range(n):
        single = ShapedEnv(GridCursor(start=None, max_steps=6), shapers)
        single.reset(seed=10 + i)
        resetting = False
        for t in range(steps):
            if resetting:  # the vector env's next-step autoreset: this row is no transition
                single.reset()
                resetting = False
                assert all(np.isnan(got[k][t][i]) for k in got)
                continue
            _, _, terminated, truncated, info = single.step(actions[t, i])
            for k in got:
                assert got[k][t][i] == pytest.approx(info["reward_components"][k], abs=1e-6), (k, t, i)
            resetting = terminated or truncated
    ended = np.count_nonzero(np.nan_to_num(np.array(got["gui_cursor"])))
    assert ended >= 10  # many episodes ended (clicks and time limits) and were paid


def test_a_non_finite_row_is_skipped_without_touching_that_envs_trajectory():
    shaper = make_shaper("gui_cursor", device="cpu")
    shaper.setup(None, None, 2)
    box = (40, 40, 60, 60)

    def step(c0, clicked, done):
        s0, s1 = state(c0, box, clicked), state((10, 10), box, 0)
        rs = {k: torch.cat([s0[k], s1[k]]) for k in s0}
        return shaper(TransitionBatch(reward_state=rs, done=torch.tensor([done, False]), size=2))

    step((10, 10), 0, False)
    bad = step((float("nan"), 10), 0, False)
    assert bad.tolist() == [0.0, 0.0] and shaper.length.tolist() == [1, 2]
    # the NaN step left no trace: a false stop after one move, (10, 10) then the click at (30, 30)
    out = step((30, 30), 1, True)
    assert out[0].item() == pytest.approx(0.9 * (-0.5 + 1 - math.hypot(10, 10) / 100) + 0.1, rel=1e-6)
