"""ShapedEnv and ShapedVectorEnv: reward sums, components, autoreset, inputs, errors, specs."""
from __future__ import annotations

import logging

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv

from reward_plugins import RewardShaper, TransitionBatch, register_shaper
from reward_plugins.errors import MissingInputError, NonFiniteRewardError, ShaperConfigError, ShaperOutputError
from reward_plugins.schedules import Linear
from reward_plugins.wrappers import ShapedEnv, ShapedVectorEnv


@register_shaper("test_obs_sum")
class ObsSum(RewardShaper):
    """Deterministic f(next_obs): the sum of the observation, scaled."""

    requires = frozenset({"next_obs"})

    def __init__(self, scale: float = 1.0, device: str = "cpu") -> None:
        super().__init__(device)
        self.scale = scale

    def forward(self, batch: TransitionBatch) -> torch.Tensor:
        return self.scale * batch.next_obs.float().reshape(batch.batch_size, -1).sum(1)


class Delta(RewardShaper):
    """f(obs, next_obs): catches a wrong previous observation after an autoreset."""

    requires = frozenset({"obs", "next_obs"})

    def forward(self, batch: TransitionBatch) -> torch.Tensor:
        return (batch.next_obs.float() - 2 * batch.obs.float()).reshape(batch.batch_size, -1).sum(1)


class EpisodeStep(RewardShaper):
    """Per-env episodic state: the index of the transition within its episode (1, 2, ...)."""

    requires = frozenset({"done"})

    def __init__(self) -> None:
        super().__init__("cpu")
        self.steps = torch.zeros(0)
        self.resets: list[np.ndarray] = []
        self.seen_valid: list[np.ndarray] = []

    def setup(self, observation_space, action_space, num_envs):
        self.steps = torch.zeros(num_envs)

    def forward(self, batch: TransitionBatch) -> torch.Tensor:
        valid = batch.valid_mask()
        self.seen_valid.append(valid.numpy().copy())
        self.steps = self.steps + valid.float()
        return self.steps.clone()

    def reset(self, done_mask: torch.Tensor) -> None:
        self.resets.append(done_mask.numpy().copy())
        self.steps[done_mask] = 0


class Const(RewardShaper):
    def __init__(self, value: float) -> None:
        super().__init__("cpu")
        self.value = value

    def forward(self, batch: TransitionBatch) -> torch.Tensor:
        return torch.full((batch.batch_size,), self.value)


class Corridor(gym.Env):
    """1-D corridor: start at 0, actions 0 (left) / 1 (right), terminal at ``length - 1``,
    truncated after ``max_steps``; exposes ``reward_state()`` like agentenvs envs."""

    def __init__(self, length: int = 4, max_steps: int = 6, start: int | None = None) -> None:
        self.length, self.max_steps, self.start = length, max_steps, start
        self.observation_space = spaces.Box(0, length, (1,), np.float32)
        self.action_space = spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.pos = int(self.np_random.integers(0, 2)) if self.start is None else self.start
        self.t = 0
        return np.array([self.pos], np.float32), {}

    def step(self, action):
        self.pos = max(0, self.pos + (1 if action == 1 else -1))
        self.t += 1
        terminated = self.pos == self.length - 1
        return np.array([self.pos], np.float32), float(terminated), terminated, self.t >= self.max_steps, {}

    def reward_state(self):
        return {"pos": np.array(self.pos), "t": np.array(self.t)}


class CorridorVec(VectorEnv):
    """Native (array-based) vector Corridor with NEXT_STEP autoreset and a batched reward_state."""

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP}

    def __init__(self, num_envs: int, length: int = 4, max_steps: int = 6) -> None:
        self.num_envs, self.length, self.max_steps = num_envs, length, max_steps
        self.single_observation_space = spaces.Box(0, length, (1,), np.float32)
        self.single_action_space = spaces.Discrete(2)
        self.observation_space = gym.vector.utils.batch_space(self.single_observation_space, num_envs)
        self.action_space = gym.vector.utils.batch_space(self.single_action_space, num_envs)
        self.pos = np.zeros(num_envs, np.int64)
        self.t = np.zeros(num_envs, np.int64)
        self.pending = np.zeros(num_envs, bool)

    def reset(self, *, seed=None, options=None):
        self.pos[:] = np.arange(self.num_envs) % 2
        self.t[:] = 0
        self.pending[:] = False
        return self.pos[:, None].astype(np.float32), {}

    def step(self, actions):
        moved = np.maximum(0, self.pos + np.where(np.asarray(actions) == 1, 1, -1))
        self.pos = np.where(self.pending, np.arange(self.num_envs) % 2, moved)
        self.t = np.where(self.pending, 0, self.t + 1)
        terminated = ~self.pending & (self.pos == self.length - 1)
        truncated = ~self.pending & ~terminated & (self.t >= self.max_steps)
        self.pending = terminated | truncated
        return self.pos[:, None].astype(np.float32), terminated.astype(np.float64), terminated, truncated, {}

    def reward_state(self):
        return {"pos": self.pos.copy(), "t": self.t.copy()}


class PosReward(RewardShaper):
    requires = frozenset({"reward_state"})

    def forward(self, batch: TransitionBatch) -> torch.Tensor:
        return batch.reward_state["pos"].float() * 10 + batch.reward_state["t"].float()


def test_reward_is_env_plus_weighted_components_and_components_are_unweighted():
    env = ShapedEnv(gym.make("CartPole-v1"), [ObsSum(), Const(0.5)], weights=[2.0, -1.0])
    env.reset(seed=0)
    for _ in range(5):
        obs, reward, *_, info = env.step(1)
        comps = info["reward_components"]
        assert comps["env"] == 1.0
        assert comps["test_obs_sum"] == pytest.approx(float(obs.sum()), rel=1e-5)
        assert comps["Const"] == 0.5
        assert reward == pytest.approx(1.0 + 2.0 * float(obs.sum()) - 0.5, rel=1e-5)
        assert isinstance(reward, float)


def test_shaper_specs_by_name_dict_and_pair_build_the_registered_shaper():
    env = ShapedEnv(
        gym.make("CartPole-v1"),
        ["test_obs_sum", {"name": "test_obs_sum", "kwargs": {"scale": 2.0}}, ("test_obs_sum", {"scale": 3.0})],
    )
    env.reset(seed=0)
    obs, _, _, _, info = env.step(0)
    comps = info["reward_components"]
    ratios = [comps[k] / float(obs.sum()) for k in ("test_obs_sum", "test_obs_sum_1", "test_obs_sum_2")]
    assert ratios == pytest.approx([1, 2, 3], rel=1e-4)


def test_spec_round_trips_through_json_and_make():
    weight = {"schedule": "linear", "start": 1.0, "end": 0.0, "steps": 10}
    env = ShapedEnv(gym.make("CartPole-v1"), [{"name": "test_obs_sum", "kwargs": {"scale": 2.0}}], weights=[weight])
    spec = gym.envs.registration.EnvSpec.from_json(env.spec.to_json())
    remade = gym.make(spec)
    assert isinstance(remade, ShapedEnv)
    assert remade.core.labels == ["test_obs_sum"] and remade.core.shapers[0].scale == 2.0
    assert remade.core.weights == [Linear(1.0, 0.0, 10)]


def _run_vector(venv, actions):
    """Per-env lists of (reward, components) over real transitions, skipping reset rows."""
    out = [[] for _ in range(venv.num_envs)]
    for a in actions:
        _, reward, _, _, info = venv.step(a)
        for i in np.flatnonzero(info["_reward_components"]):
            out[i].append(reward[i])
    return out


def _run_single(env, seed, actions, column, autoreset_rows):
    rewards, _ = [], env.reset(seed=seed)
    pending = False
    for a in actions:
        if autoreset_rows and pending:
            env.reset()
            pending = False
            continue
        _, r, term, trunc, _ = env.step(int(a[column]))
        rewards.append(r)
        if term or trunc:
            if autoreset_rows:
                pending = True
            else:
                env.reset()
    return rewards


@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP])
def test_vector_equals_single_env_per_env(mode):
    n, seeds = 4, [3, 4, 5, 6]
    actions = np.random.default_rng(0).integers(0, 2, size=(80, n))
    shapers = lambda: [ObsSum(), Delta(), EpisodeStep()]  # noqa: E731
    venv = ShapedVectorEnv(
        gym.make_vec("CartPole-v1", num_envs=n, vectorization_mode="sync", vector_kwargs={"autoreset_mode": mode}),
        shapers(),
        weights=[1.0, 0.5, 0.1],
    )
    venv.reset(seed=seeds)
    vector = _run_vector(venv, actions)
    for i in range(n):
        env = ShapedEnv(gym.make("CartPole-v1"), shapers(), weights=[1.0, 0.5, 0.1])
        single = _run_single(env, seeds[i], actions, i, mode == AutoresetMode.NEXT_STEP)
        assert len(single) == len(vector[i]) > 20
        np.testing.assert_allclose(vector[i], single, rtol=1e-5)


def test_native_vector_env_equals_single_env_with_reward_state():
    n = 3
    actions = np.random.default_rng(1).integers(0, 2, size=(40, n))
    venv = ShapedVectorEnv(CorridorVec(n), [PosReward(), EpisodeStep(), Delta()])
    venv.reset()
    vector = _run_vector(venv, actions)
    for i in range(n):
        env = ShapedEnv(Corridor(start=i % 2), [PosReward(), EpisodeStep(), Delta()])
        single = _run_single(env, None, actions, i, True)
        assert len(single) == len(vector[i]) > 10
        np.testing.assert_allclose(vector[i], single, rtol=1e-6)


def test_sync_vector_env_gathers_reward_state_from_sub_envs():
    venv = ShapedVectorEnv(gym.vector.SyncVectorEnv([Corridor, Corridor]), PosReward())
    venv.reset(seed=0)
    pos = np.array([e.pos for e in venv.unwrapped.envs])
    _, reward, _, _, info = venv.step(np.array([1, 1]))
    np.testing.assert_allclose(info["reward_components"]["PosReward"], (pos + 1) * 10 + 1)


def test_async_vector_env_gives_the_same_rewards_as_sync():
    actions = np.random.default_rng(2).integers(0, 2, size=(15, 2))
    rewards = []
    for cls in (gym.vector.SyncVectorEnv, gym.vector.AsyncVectorEnv):
        envs = cls([lambda: Corridor(start=0), lambda: Corridor(start=1)])
        venv = ShapedVectorEnv(envs, [PosReward(), EpisodeStep()])
        venv.reset(seed=0)
        rewards.append(np.stack([venv.step(a)[1] for a in actions]))
        venv.close()
    np.testing.assert_array_equal(rewards[0], rewards[1])
    assert rewards[0].max() > 10


def test_next_step_autoreset_row_is_masked_zero_and_not_counted():
    step = EpisodeStep()
    venv = ShapedVectorEnv(CorridorVec(2, length=3), [step, Const(5.0)])
    venv.reset()
    # env 1 starts at 1: one step right reaches the terminal cell 2; env 0 starts at 0, goes left.
    _, r1, term, _, info1 = venv.step(np.array([0, 1]))
    assert term.tolist() == [False, True] and r1.tolist() == [1 + 5, 1 + 1 + 5]
    assert step.resets[-1].tolist() == [False, True]
    _, r2, term, _, info2 = venv.step(np.array([0, 1]))
    assert info2["_reward_components"].tolist() == [True, False]
    assert step.seen_valid[-1].tolist() == [True, False]
    assert r2[1] == 0.0 and info2["reward_components"]["Const"][1] == 0.0
    assert info2["reward_components"]["EpisodeStep"].tolist() == [2.0, 0.0]
    _, _, _, _, info3 = venv.step(np.array([0, 0]))
    assert step.resets[-1].tolist() == [False, True]  # the reset row is not a second episode end
    assert info3["_reward_components"].tolist() == [True, True]
    assert info3["reward_components"]["EpisodeStep"][1] == 1.0  # first step of env 1's new episode


def test_nonfinite_values_on_masked_rows_are_ignored():
    class InfWhenMasked(Const):
        def forward(self, batch):
            return torch.where(batch.valid_mask(), 1.0, float("inf"))

    venv = ShapedVectorEnv(CorridorVec(2, length=3), InfWhenMasked(0.0))
    venv.reset()
    venv.step(np.array([0, 1]))
    _, reward, _, _, info = venv.step(np.array([0, 1]))
    assert reward.tolist() == [1.0, 0.0] and info["reward_components"]["InfWhenMasked"].tolist() == [1.0, 0.0]


def test_weight_schedule_advances_by_env_steps():
    weights = {"schedule": "linear", "start": 1.0, "end": 0.0, "steps": 16}
    venv = ShapedVectorEnv(CorridorVec(4, length=50, max_steps=100), Const(1.0), weights=weights)
    venv.reset()
    shaped = []
    for _ in range(5):
        _, r, _, _, _ = venv.step(np.ones(4, np.int64))
        shaped.append(float(r[0]))
    assert shaped == pytest.approx([1.0, 0.75, 0.5, 0.25, 0.0])


def test_update_every_and_last_update_stats():
    class Learner(Const):
        calls = 0

        def update(self, batch):
            Learner.calls += 1
            return {"loss": float(Learner.calls)}

    env = ShapedEnv(gym.make("CartPole-v1"), Learner(0.0), update_every=3)
    env.reset(seed=0)
    for t in range(7):
        env.step(t % 2)
    assert Learner.calls == 2 and env.last_update_stats == {"Learner": {"loss": 2.0}}


@pytest.mark.parametrize(
    "inputs, needle",
    [({"reward_state"}, "agentenvs"), ({"frames"}, "render_mode='rgb_array'"), ({"text"}, "Text observations")],
)
def test_missing_input_fails_at_wrap_time_naming_input_shaper_and_providers(inputs, needle):
    class Needs(Const):
        name = "needy"
        requires = frozenset(inputs)

    with pytest.raises(MissingInputError) as err:
        ShapedEnv(gym.make("CartPole-v1"), Needs(0.0))
    message = str(err.value)
    assert "needy" in message and next(iter(inputs)) in message and needle in message
    with pytest.raises(MissingInputError):
        ShapedVectorEnv(gym.make_vec("CartPole-v1", num_envs=2), Needs(0.0))


def test_frames_come_from_render_when_observations_are_not_images():
    class FrameShape(Const):
        requires = frozenset({"frames"})

        def forward(self, batch):
            assert batch.frames.dtype == torch.uint8 and batch.frames.shape[-1] == 3
            return torch.full((batch.batch_size,), float(batch.frames.shape[1]))

    env = ShapedEnv(gym.make("CartPole-v1", render_mode="rgb_array"), FrameShape(0.0))
    env.reset(seed=0)
    _, _, _, _, info = env.step(0)
    assert info["reward_components"]["FrameShape"] == 400.0  # CartPole renders 400 x 600


def test_text_comes_from_info_when_asked():
    class TextLen(Const):
        requires = frozenset({"text"})

        def forward(self, batch):
            return torch.tensor([float(len(t)) for t in batch.text])

    class Talker(gym.Wrapper):
        def step(self, action):
            obs, r, te, tr, info = self.env.step(action)
            return obs, r, te, tr, {**info, "text": "abc"}

    env = ShapedEnv(Talker(gym.make("CartPole-v1")), TextLen(0.0), text_from_info=True)
    env.reset(seed=0)
    assert env.step(0)[4]["reward_components"]["TextLen"] == 3.0


def test_nonfinite_raises_naming_shaper_or_warns_and_uses_zero(caplog):
    env = ShapedEnv(gym.make("CartPole-v1"), Const(float("nan")))
    env.reset(seed=0)
    with pytest.raises(NonFiniteRewardError, match="Const"):
        env.step(0)
    env = ShapedEnv(gym.make("CartPole-v1"), [Const(float("inf")), Const(2.0)], on_nonfinite="warn")
    env.reset(seed=0)
    with caplog.at_level(logging.WARNING, logger="reward_plugins"):
        _, reward, _, _, info = env.step(0)
    assert reward == 3.0 and info["reward_components"]["Const"] == 0.0
    assert "Const" in caplog.text and "non-finite" in caplog.text


def test_bad_output_shape_and_bad_options_raise():
    class Wrong(Const):
        def forward(self, batch):
            return torch.zeros(batch.batch_size, 2)

    env = ShapedEnv(gym.make("CartPole-v1"), Wrong(0.0))
    env.reset(seed=0)
    with pytest.raises(ShaperOutputError):
        env.step(0)
    with pytest.raises(ShaperConfigError):
        ShapedEnv(gym.make("CartPole-v1"), Const(0.0), on_nonfinite="ignore")
    with pytest.raises(ShaperConfigError):
        ShapedEnv(gym.make("CartPole-v1"), [Const(0.0), Const(1.0)], weights=[1.0])


def test_a_refused_non_finite_step_does_not_splice_the_next_transition():
    """After NonFiniteInputError, the next row pairs the env's real previous and next observations."""
    import gymnasium as gym

    from reward_plugins.errors import NonFiniteInputError
    from reward_plugins.wrappers import ShapedEnv

    seen = []

    class Recorder(RewardShaper):
        requires = frozenset({"obs", "next_obs"})

        def forward(self, batch):
            seen.append((batch.obs.clone(), batch.next_obs.clone()))
            return torch.zeros(batch.batch_size, device=self.device)

    class NanOnce(gym.Wrapper):
        def step(self, action):
            obs, reward, terminated, truncated, info = self.env.step(action)
            self.count = getattr(self, "count", 0) + 1
            return (obs * np.nan if self.count == 2 else obs), reward, terminated, truncated, info

    env = ShapedEnv(NanOnce(gym.make("CartPole-v1")), [Recorder(device="cpu")])
    env.reset(seed=0)
    first = env.step(0)[0]
    with pytest.raises(NonFiniteInputError, match="'next_obs'"):
        env.step(0)
    with pytest.raises(NonFiniteInputError, match="'obs'"):  # this transition starts from the NaN observation
        env.step(0)
    third = env.unwrapped.state.astype(np.float32)
    fourth = env.step(0)[0]
    obs, next_obs = seen[-1]
    assert np.allclose(obs.numpy()[0], third) and np.allclose(next_obs.numpy()[0], fourth)
    assert not np.allclose(obs.numpy()[0], first)  # not spliced onto the last accepted step


def test_the_envs_own_reward_terms_survive_shaping():
    """An env that reports its reward's terms keeps them, as env/<term>, beside the shapers' components."""
    import gymnasium as gym

    from reward_plugins.wrappers import ShapedEnv

    class Terms(gym.Wrapper):
        def step(self, action):
            obs, reward, terminated, truncated, info = self.env.step(action)
            return obs, reward, terminated, truncated, {**info, "reward_components": {"price": 0.25, "type": 0.5}}

    env = ShapedEnv(Terms(gym.make("CartPole-v1")), "count")
    env.reset(seed=0)
    components = env.step(0)[4]["reward_components"]
    assert components == {"env": 1.0, "env/price": 0.25, "env/type": 0.5, "count": 1.0}
