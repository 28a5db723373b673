"""Compositions: potential-based invariance on a gridworld, closed forms for the others."""
from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

from reward_plugins import RewardShaper, TransitionBatch, make_shaper
from reward_plugins.compose import Clip, GatedShaping, PotentialShaping, RunningNorm, WeightedSum
from reward_plugins.errors import MissingInputError, ShaperConfigError
from reward_plugins.schedules import Linear
from reward_plugins.wrappers import ShapedEnv


class Script(RewardShaper):
    """Returns the next row of a fixed script on each call."""

    def __init__(self, *rows) -> None:
        super().__init__("cpu")
        self.rows = [torch.tensor(r, dtype=torch.float32) for r in rows]
        self.resets: list[list[bool]] = []

    def forward(self, batch):
        return self.rows.pop(0)

    def reset(self, done_mask):
        self.resets.append(done_mask.tolist())


def tb(n, *, done=None, terminated=None, reward=None, valid=None, **kw):
    as_t = lambda x, dt: None if x is None else torch.tensor(x, dtype=dt)  # noqa: E731
    return TransitionBatch(
        done=as_t(done, torch.bool), terminated=as_t(terminated, torch.bool), reward=as_t(reward, torch.float32),
        valid=as_t(valid, torch.bool), size=n, **kw,
    )


# --- potential-based shaping on a 5x5 gridworld ------------------------------------------------
SIDE, GOAL, GAMMA = 5, 24, 0.9
MOVES = [(-1, 0), (1, 0), (0, -1), (0, 1)]


def _transitions():
    """next_state[s, a] of a deterministic 5x5 grid with walls at the border; GOAL is terminal."""
    nxt = np.zeros((SIDE * SIDE, 4), np.int64)
    for s in range(SIDE * SIDE):
        r, c = divmod(s, SIDE)
        for a, (dr, dc) in enumerate(MOVES):
            nr, nc = min(max(r + dr, 0), SIDE - 1), min(max(c + dc, 0), SIDE - 1)
            nxt[s, a] = nr * SIDE + nc
    return nxt


def _optimal_actions(reward, nxt):
    """Sets of optimal actions per non-terminal state, by value iteration."""
    v = np.zeros(SIDE * SIDE)
    for _ in range(1000):
        q = reward + GAMMA * np.where(nxt == GOAL, 0.0, v[nxt])
        v = q.max(1)
        v[GOAL] = 0.0
    return [frozenset(np.flatnonzero(q[s] >= q[s].max() - 1e-6)) for s in range(SIDE * SIDE) if s != GOAL]


def test_potential_shaping_keeps_the_optimal_policy_and_non_potential_shaping_does_not():
    nxt = _transitions()
    base = np.where(nxt == GOAL, 1.0, 0.0)
    phi = torch.tensor(np.random.default_rng(0).normal(0, 5, SIDE * SIDE), dtype=torch.float32)
    shaper = PotentialShaping(lambda obs: phi[obs.long()], gamma=GAMMA, source="obs")
    states = torch.arange(SIDE * SIDE).repeat_interleave(4)
    next_states = torch.from_numpy(nxt.reshape(-1))
    batch = tb(len(states), terminated=(next_states == GOAL).tolist(), obs=states, next_obs=next_states)
    shaped = shaper(batch).numpy().reshape(SIDE * SIDE, 4).astype(np.float64)
    expected = GAMMA * np.where(nxt == GOAL, 0.0, phi.numpy()[nxt]) - phi.numpy()[:, None]
    np.testing.assert_allclose(shaped, expected, rtol=1e-5, atol=1e-5)
    assert np.abs(shaped).max() > 5  # the shaping dwarfs the goal reward
    assert _optimal_actions(base + shaped, nxt) == _optimal_actions(base, nxt)
    not_potential = phi.numpy()[nxt].astype(np.float64)  # F = Phi(s'): same magnitudes, no telescoping
    assert _optimal_actions(base + not_potential, nxt) != _optimal_actions(base, nxt)


def test_cached_potential_telescopes_over_terminated_and_truncated_episodes():
    phi = {1: 3.0, 2: -2.0, 3: 7.0, 4: 1.5}
    shaper = PotentialShaping(lambda b: torch.tensor([phi[int(x)] for x in b.next_obs]), gamma=0.9)
    assert shaper.requires == {"next_obs", "terminated"}
    shaper.setup(None, None, 1)

    def episode(states, terminated):
        total = 0.0
        for t, s in enumerate(states):
            last = t == len(states) - 1
            f = shaper(tb(1, next_obs=torch.tensor([s]), terminated=[terminated and last], done=[last]))
            total += 0.9**t * float(f)
        shaper.reset(torch.tensor([True]))
        return total

    assert episode([1, 2, 3, 4], terminated=True) == pytest.approx(0.0, abs=1e-5)
    assert episode([4, 3, 2], terminated=False) == pytest.approx(0.9**3 * phi[2], rel=1e-5)


def test_cached_potential_skips_invalid_rows():
    shaper = PotentialShaping(lambda b: b.next_obs.float(), gamma=1.0)
    shaper(tb(2, next_obs=torch.tensor([1, 1]), terminated=[False, False]))
    out = shaper(tb(2, next_obs=torch.tensor([5, 9]), terminated=[False, False], valid=[True, False]))
    assert out.tolist() == [4.0, 0.0]
    out = shaper(tb(2, next_obs=torch.tensor([6, 10]), terminated=[False, False]))
    assert out.tolist() == [1.0, 9.0]  # row 1 still measures from Phi = 1


# --- running normalisation, clipping, weighted sums, gating --------------------------------------
def test_running_norm_divides_by_the_std_of_discounted_returns():
    child = Script([1, 2], [1, 0], [2, 2])
    norm = RunningNorm(child, gamma=0.5, eps=0.0)
    norm.setup(None, None, 2)
    seen = [1.0, 2.0]
    out = norm(tb(2, valid=[True, True]))
    np.testing.assert_allclose(out.numpy(), np.array([1, 2]) / np.std(seen), rtol=1e-6)
    seen += [1.5, 1.0]
    out = norm(tb(2))
    np.testing.assert_allclose(out.numpy(), np.array([1, 0]) / np.std(seen), rtol=1e-6)
    norm.reset(torch.tensor([True, False]))
    assert child.resets == [[True, False]]
    seen += [2.0]  # env 0 restarted at 0; env 1 is invalid: its return stays 1 and is not counted
    out = norm(tb(2, valid=[True, False]))
    np.testing.assert_allclose(out.numpy(), [2 / np.std(seen), 0.0], rtol=1e-6)
    assert norm.returns.tolist() == [2.0, 1.0]


def test_running_norm_passes_rewards_unscaled_until_there_is_a_spread():
    norm = RunningNorm(Script([3.0], [1.0]), gamma=0.0, eps=0.0)
    assert norm(tb(1)).tolist() == [3.0]  # one return seen: no spread yet
    assert norm(tb(1)).tolist() == [pytest.approx(1.0 / np.std([3.0, 1.0]))]


def test_running_norm_does_not_blow_up_identical_first_returns():
    # every env gets the same first bonus: eight equal returns, no spread to divide by
    norm = RunningNorm(Script([0.01] * 8, [0.01] * 8), gamma=0.0)
    assert norm(tb(8)).tolist() == [pytest.approx(0.01)] * 8
    assert norm(tb(8)).tolist() == [pytest.approx(0.01)] * 8  # a constant child stays unscaled


def test_clip_bounds_each_side():
    assert Clip(Script([-3, 0.5, 2]))(tb(3)).tolist() == [-1.0, 0.5, 1.0]
    assert Clip(Script([-3, 0.5, 2]), low=None, high=1.0)(tb(3)).tolist() == [-3.0, 0.5, 1.0]
    with pytest.raises(ShaperConfigError):
        Clip(Script(), low=1.0, high=0.0)
    with pytest.raises(ShaperConfigError, match="at least one bound"):
        Clip(Script(), low=None, high=None)


def test_weighted_sum_weights_children_and_steps_schedules_by_valid_rows():
    ws = WeightedSum([Script([1, 2], [1, 2]), Script([10, 20], [10, 20])], weights=[2.0, Linear(1.0, 0.0, 4)])
    assert ws(tb(2)).tolist() == [2 + 10, 4 + 20]
    assert {k: v.tolist() for k, v in ws.last_components.items()} == {"Script": [1, 2], "Script_1": [10, 20]}
    assert ws(tb(2)).tolist() == [2 + 5, 4 + 10]
    with pytest.raises(ShaperConfigError):
        WeightedSum([Script()], weights=[1.0, 2.0])


def test_wrapper_reports_weighted_sum_children():
    class FirstObs(RewardShaper):
        requires = frozenset({"next_obs"})

        def forward(self, batch):
            return batch.next_obs[:, 0].float()

    env = ShapedEnv(gym.make("CartPole-v1"), WeightedSum([FirstObs("cpu"), FirstObs("cpu")], weights=[1.0, 2.0]))
    env.reset(seed=0)
    obs, reward, _, _, info = env.step(0)
    comps = info["reward_components"]
    assert comps["weighted_sum/FirstObs"] == pytest.approx(obs[0])
    assert comps["weighted_sum/FirstObs_1"] == pytest.approx(obs[0])
    assert comps["weighted_sum"] == pytest.approx(3 * obs[0], rel=1e-5)
    assert reward == pytest.approx(1 + 3 * obs[0], rel=1e-5)


def test_gated_pays_banked_rewards_at_the_end_only_when_the_outcome_reaches_the_threshold():
    gated = GatedShaping(Script(*[[0.1]] * 5), threshold=1.0)
    assert gated.requires == {"reward", "done"}
    out = [float(gated(tb(1, reward=[r], done=[d]))) for r, d in [(0, False), (0, False), (1, True)]]
    assert out == pytest.approx([0, 0, 0.3])
    gated.reset(torch.tensor([True]))
    out = [float(gated(tb(1, reward=[r], done=[d]))) for r, d in [(0.5, False), (0.4, True)]]
    assert out == [0.0, 0.0]  # episode return 0.9 < 1: the banked 0.2 is dropped


def test_gated_last_outcome_and_invalid_rows():
    gated = GatedShaping(Script([1, 1], [1, 1], [1, 1]), threshold=1.0, outcome="last")
    gated(tb(2, reward=[2, 0], done=[False, False]))
    gated(tb(2, reward=[0, 0], done=[False, False], valid=[True, False]))
    out = gated(tb(2, reward=[0, 1], done=[True, True]))
    assert out.tolist() == [0.0, 2.0]  # env 0 ends on reward 0; env 1 banked 2 valid steps


def test_compositions_name_a_missing_input_and_stay_usable():
    gated = GatedShaping(Script([1.0]), threshold=1.0)
    with pytest.raises(MissingInputError, match=r"GatedShaping needs batch\.reward"):
        gated(tb(1, done=[True]))
    assert gated(tb(1, reward=[1.0], done=[True])).tolist() == [1.0]  # the child's row was not spent
    potential = PotentialShaping(lambda obs: obs.float(), gamma=1.0, source="obs")
    with pytest.raises(MissingInputError, match=r"PotentialShaping needs batch\.terminated"):
        potential(tb(1, obs=torch.tensor([1]), next_obs=torch.tensor([2])))
    with pytest.raises(MissingInputError, match=r"PotentialShaping needs batch\.obs"):
        potential(tb(1, next_obs=torch.tensor([2]), terminated=[False]))
    assert potential(tb(1, obs=torch.tensor([1]), next_obs=torch.tensor([3]), terminated=[False])).tolist() == [2.0]


def test_compositions_build_from_registry_specs():
    clip = {"name": "clip", "shaper": Script([5.0]), "low": 0, "high": 2}
    ws = make_shaper("weighted_sum", shapers=[clip], weights=[3.0])
    assert ws(tb(1)).tolist() == [6.0]


def test_weighted_sum_resumes_its_schedules_where_they_stopped():
    ws = WeightedSum([Script([1, 2], [1, 2]), Script([10, 20], [10, 20])], weights=[2.0, Linear(1.0, 0.0, 4)])
    ws(tb(2))
    resumed = WeightedSum([Script([1, 2], [1, 2]), Script([10, 20], [10, 20])], weights=[2.0, Linear(1.0, 0.0, 4)])
    resumed.load_state_dict(ws.state_dict())
    assert resumed.steps == 2 and resumed(tb(2)).tolist() == [2 + 5, 4 + 10]


def test_children_of_compositions_reuse_their_forward_pass_in_update():
    ws = make_shaper("weighted_sum", shapers=[{"name": "rnd", "device": "cpu", "feature_dim": 8}], device="cpu")
    ws.setup(gym.spaces.Box(0, 6, (5, 5), np.uint8), gym.spaces.Discrete(4), 16)
    passes = []
    ws.shapers[0].predictor.register_forward_hook(lambda *_: passes.append(1))
    batch = TransitionBatch(next_obs=torch.randint(0, 7, (16, 5, 5), dtype=torch.uint8), size=16)
    ws(batch)
    ws.update(batch)
    assert len(passes) == 1  # one predictor pass serves the bonus and the gradient step


def test_components_name_the_terms_each_composition_reports():
    total = WeightedSum(["count", "count", {"name": "episodic_count"}], device="cpu")
    assert total.components() == ["count", "count_1", "episodic_count"]
    assert Clip("count", device="cpu").components() == ["clip"]
    both = make_shaper("global_episodic", global_shaper="count", episodic_shaper="episodic_count", device="cpu")
    assert both.components() == ["global", "episodic"]
    space = gym.spaces.Box(0, 3, (2,), np.int64)
    for shaper in (total, both):
        shaper.setup(space, gym.spaces.Discrete(2), 2)
        shaper(TransitionBatch(next_obs=torch.tensor([[0, 1], [2, 3]])))
        assert list(shaper.last_components) == shaper.components()
