"""gaussian_potential: exact shaped rewards, optimal policies kept (value iteration), no reward for hovering."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from grounding_env import CLICK, DOWN, RIGHT, STAY, GridCursor

from reward_plugins import ShapedEnv, TransitionBatch, make_shaper

GAMMA = 0.9
ACTIONS = [0, 1, 2, 3, STAY, CLICK]


def g(env: GridCursor, pos: tuple[int, int]) -> float:
    """The Gaussian point value of the cursor at cell ``pos``, by hand (sigma floored at 1e-3 pixels)."""
    x, y = env.cursor(pos)
    x1, y1, x2, y2 = env.target_box
    sx, sy = max(0.5 * (x2 - x1), 1e-3), max(0.5 * (y2 - y1), 1e-3)
    return math.exp(-0.5 * (((x - (x1 + x2) / 2) / sx) ** 2 + ((y - (y1 + y2) / 2) / sy) ** 2))


def test_shaped_rewards_through_the_wrapper_are_gamma_g_next_minus_g():
    env = GridCursor()
    shaped = ShapedEnv(GridCursor(), {"name": "gaussian_potential", "kwargs": {"gamma": GAMMA, "device": "cpu"}})
    shaped.reset(seed=0)
    path = [(0, 0), (1, 0), (2, 0), (3, 0), (3, 1), (3, 2)]
    rewards = [shaped.step(a)[1] for a in (RIGHT, RIGHT, RIGHT, DOWN, DOWN)]
    # the first step takes G(s_0) = 0 (the start state is never shown to shapers)
    want = [GAMMA * g(env, path[1])] + [GAMMA * g(env, b) - g(env, a) for a, b in zip(path[1:], path[2:])]
    assert rewards == pytest.approx(want, rel=1e-5)
    _, reward, terminated, _, info = shaped.step(CLICK)
    # clicking ends the episode: the terminal state has potential 0, so F = -G(s); the env pays 1
    assert terminated and info["reward_components"]["env"] == 1.0
    assert reward == pytest.approx(1.0 - g(env, (3, 2)), rel=1e-5)


def test_truncation_keeps_the_potential_of_the_last_state():
    shaped = ShapedEnv(GridCursor(max_steps=2), {"name": "gaussian_potential", "kwargs": {"gamma": GAMMA,
                                                                                        "device": "cpu"}})
    env = GridCursor()
    shaped.reset(seed=0)
    shaped.step(RIGHT)
    _, reward, terminated, truncated, _ = shaped.step(RIGHT)
    assert truncated and not terminated
    assert reward == pytest.approx(GAMMA * g(env, (2, 0)) - g(env, (1, 0)), rel=1e-5)


def shaping_table(env: GridCursor, name: str, **kwargs) -> np.ndarray:
    """``F[s, a]`` of shaper ``name`` for every cell and action, computed by the shaper itself.

    One env per (cell, action): a first batch shows the cell (the shaper records its potential),
    a second the state after the action (a click terminates).
    """
    cells = [(c, r) for r in range(env.rows) for c in range(env.cols)]
    pairs = [(s, a) for s in cells for a in ACTIONS]
    shaper = make_shaper(name, device="cpu", **kwargs)
    shaper.setup(env.observation_space, env.action_space, len(pairs))

    def state(positions, clicked):
        return {"cursor": torch.tensor(np.stack([env.cursor(p) for p in positions])),
                "target_box": torch.tensor(env.target_box).repeat(len(positions), 1)}

    first = TransitionBatch(reward_state=state([s for s, _ in pairs], False),
                            terminated=torch.zeros(len(pairs), dtype=torch.bool), size=len(pairs))
    shaper(first)
    after = TransitionBatch(reward_state=state([env.move(s, a) for s, a in pairs], True),
                            terminated=torch.tensor([a == CLICK for _, a in pairs]), size=len(pairs))
    return shaper(after).numpy().reshape(len(cells), len(ACTIONS)).astype(np.float64)


def value_iteration(env: GridCursor, shaping: np.ndarray | None, dense: np.ndarray | None = None) -> np.ndarray:
    """Optimal Q[s, a] of the cursor MDP: reward 1 for a click in the target, plus ``shaping``."""
    cells = [(c, r) for r in range(env.rows) for c in range(env.cols)]
    index = {s: i for i, s in enumerate(cells)}
    nxt = np.array([[index[env.move(s, a)] for a in ACTIONS] for s in cells])
    click = np.array([a == CLICK for a in ACTIONS])
    reward = np.array([[float(a == CLICK and env.hit(s)) for a in ACTIONS] for s in cells])
    if shaping is not None:
        reward = reward + shaping
    if dense is not None:  # a reward on the state reached, paid on every step that does not click
        reward = reward + np.where(click, 0.0, dense[nxt])
    v = np.zeros(len(cells))
    for _ in range(2000):
        q = reward + GAMMA * np.where(click, 0.0, v[nxt])
        v_new = q.max(axis=1)
        if np.abs(v_new - v).max() < 1e-12:
            break
        v = v_new
    return q


def optimal(q: np.ndarray, tol: float = 1e-5) -> list[set[int]]:
    """The optimal actions of each state (ties within float32 error of the shaped rewards)."""
    return [set(np.flatnonzero(row >= row.max() - tol).tolist()) for row in q]


@pytest.mark.parametrize("target", [(30.0, 20.0, 40.0, 30.0), (10.0, 0.0, 60.0, 20.0), (65.0, 45.0, 65.0, 45.0)])
def test_the_shaped_mdp_has_the_optimal_policies_of_the_sparse_one(target):
    env = GridCursor(target_box=target)
    shaping = shaping_table(env, "gaussian_potential", gamma=GAMMA)
    q_sparse, q_shaped = value_iteration(env, None), value_iteration(env, shaping)
    assert optimal(q_sparse) == optimal(q_shaped)
    # both click exactly on the target's cells, and move elsewhere
    cells = [(c, r) for r in range(env.rows) for c in range(env.cols)]
    for (c, r), best in zip(cells, optimal(q_shaped)):
        assert (ACTIONS.index(CLICK) in best) == env.hit((c, r))
    # Ng et al.: Q_shaped = Q_sparse - Phi(s)
    phi = np.array([g(env, s) for s in cells])
    np.testing.assert_allclose(q_shaped, q_sparse - phi[:, None], atol=1e-5)


def test_hovering_cannot_farm_the_potential_but_farms_a_plain_gaussian_reward():
    env = GridCursor()
    cells = [(c, r) for r in range(env.rows) for c in range(env.cols)]
    target = cells.index((3, 2))
    # potential shaping: hovering on the target costs (1 - gamma) G per step; clicking stays optimal
    q = value_iteration(env, shaping_table(env, "gaussian_potential", gamma=GAMMA))
    assert optimal(q)[target] == {ACTIONS.index(CLICK)}
    assert q[target, ACTIONS.index(STAY)] < q[target, ACTIONS.index(CLICK)]
    # the Gaussian point value paid every step instead: hovering forever beats clicking
    dense = np.array([g(env, s) for s in cells])
    q_dense = value_iteration(env, None, dense=dense)
    assert ACTIONS.index(CLICK) not in optimal(q_dense)[target]


def run(shaper: str, actions: list[int]) -> tuple[float, float]:
    """Undiscounted and discounted return of ``actions`` from the start, shaped by ``shaper``."""
    env = ShapedEnv(GridCursor(start=(3, 2), max_steps=50), {"name": shaper, "kwargs": {"device": "cpu",
                                                             **({"gamma": GAMMA} if "potential" in shaper else {})}})
    env.reset(seed=0)
    rewards = [env.step(a)[1] for a in actions]
    return sum(rewards), sum(GAMMA**t * r for t, r in enumerate(rewards))


def test_hovering_in_the_real_env_earns_less_than_clicking():
    click_now = run("gaussian_potential", [CLICK])
    hover_then_click = run("gaussian_potential", [STAY] * 10 + [CLICK])
    assert click_now == pytest.approx((1.0, 1.0))
    assert hover_then_click[0] < 1.0 and hover_then_click[1] < 1.0
    # each hovering step after the first pays (gamma - 1) G = -0.1 at the centre; the first gamma G, the click -G
    assert hover_then_click[0] == pytest.approx(1.0 + GAMMA + 9 * (GAMMA - 1.0) - 1.0, abs=1e-5)
    # the plain Gaussian reward pays G = 1 for each of the 11 steps at the centre, plus the env's 1
    assert run("gaussian_point", [STAY] * 10 + [CLICK])[0] == pytest.approx(12.0, rel=1e-5)
