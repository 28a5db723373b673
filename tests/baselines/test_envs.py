"""The SB3 adapter of native vector envs matches SB3's DummyVecEnv step for step."""
import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode, SyncVectorEnv
from stable_baselines3.common.vec_env import DummyVecEnv

from baselines.envs import NativeVecEnvAdapter, add_monitor, make_base_vec_env, supports_adapter

N = 3


def _make():
    return gym.make("CartPole-v1", max_episode_steps=15)  # short: terminations and truncations


def _rollout(venv, steps=120, seed=7):
    rng = np.random.default_rng(0)
    venv.seed(seed)
    out = [venv.reset()]
    for _ in range(steps):
        obs, rewards, dones, infos = venv.step(rng.integers(0, 2, size=N))
        ends = [(i.get("terminal_observation"), i.get("TimeLimit.truncated")) for i in infos]
        out.append((obs, rewards, dones, ends))
    return out


def _assert_same(a, b):
    assert len(a) == len(b)
    np.testing.assert_allclose(a[0], b[0])
    for (oa, ra, da, ia), (ob, rb, db, ib) in zip(a[1:], b[1:]):
        np.testing.assert_allclose(oa, ob)
        np.testing.assert_allclose(ra, rb)
        np.testing.assert_array_equal(da, db)
        for (ta, tra), (tb, trb) in zip(ia, ib):
            assert (ta is None) == (tb is None) and tra == trb
            if ta is not None:
                np.testing.assert_allclose(ta, tb)


@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP])
def test_adapter_matches_dummy_vec_env(mode):
    reference = _rollout(DummyVecEnv([_make] * N))
    adapted = _rollout(NativeVecEnvAdapter(SyncVectorEnv([_make] * N, autoreset_mode=mode)))
    assert sum(d.sum() for _, _, d, _ in reference[1:]) > 5  # the rollout crossed episode ends
    assert any(t for *_, infos in reference[1:] for _, t in infos)  # ... and truncations
    _assert_same(adapted, reference)


def _make_dict(render_mode=None):
    """CartPole with its observation split into a Dict of position and velocity parts."""
    env = gym.make("CartPole-v1", max_episode_steps=15, render_mode=render_mode)
    part = gym.spaces.Box(-np.inf, np.inf, (2,))
    space = gym.spaces.Dict({"pos": part, "vel": part})
    return gym.wrappers.TransformObservation(env, lambda o: {"pos": o[::2], "vel": o[1::2]}, space)


def _flat(obs):
    return None if obs is None else np.concatenate([obs["pos"], obs["vel"]], axis=-1)


def test_adapter_resets_finished_envs_of_dict_observations():
    def flat_rollout(venv):
        first, *steps = _rollout(venv)
        return [_flat(first)] + [(_flat(o), r, d, [(_flat(t), tr) for t, tr in ends]) for o, r, d, ends in steps]

    reference = flat_rollout(DummyVecEnv([_make_dict] * N))
    adapted = flat_rollout(NativeVecEnvAdapter(SyncVectorEnv([_make_dict] * N)))
    assert sum(d.sum() for _, _, d, _ in reference[1:]) > 5
    _assert_same(adapted, reference)


def test_adapter_images_are_the_frames_of_each_env():
    make = lambda: _make_dict("rgb_array")  # noqa: E731
    adapter, reference = NativeVecEnvAdapter(SyncVectorEnv([make] * N)), DummyVecEnv([make] * N)
    for venv in (adapter, reference):
        venv.seed(3)
        venv.reset()
    images = adapter.get_images()
    assert len(images) == N and images[0].shape[-1] == 3
    for ours, theirs in zip(images, reference.get_images()):
        np.testing.assert_array_equal(ours, theirs)
    assert not np.array_equal(images[0], images[1])  # different seeds, different carts


class _MaskedVectorEnv(SyncVectorEnv):
    def action_masks(self):
        return np.tile([True, False], (self.num_envs, 1))


def test_vector_level_methods_are_split_per_env():
    venv = NativeVecEnvAdapter(_MaskedVectorEnv([_make] * N))
    assert venv.has_attr("action_masks") and not venv.has_attr("no_such_method")
    masks = venv.env_method("action_masks")
    assert len(masks) == N and masks[0].tolist() == [True, False]
    assert venv.env_method("action_masks", indices=[1])[0].shape == (2,)


def test_vector_envs_that_ignore_reset_mask_fall_back_to_dummy_vec_env():
    native = gym.make_vec("CartPole-v1", num_envs=2, vectorization_mode="vector_entry_point")
    assert not supports_adapter(native)
    assert isinstance(make_base_vec_env("CartPole-v1", {}, 2, seed=0), DummyVecEnv)


def test_monitor_writes_empty_success_for_envs_without_it(tmp_path):
    venv = add_monitor(DummyVecEnv([_make] * N), tmp_path / "monitor.csv")
    venv.reset()
    for _ in range(40):
        venv.step(np.zeros(N, dtype=int))
    venv.close()
    lines = (tmp_path / "monitor.csv").read_text().splitlines()
    assert lines[1] == "r,l,t,is_success" and len(lines) > 4 and lines[2].endswith(",")


def test_monitor_resume_truncates_and_appends(tmp_path):
    path = tmp_path / "monitor.csv"
    venv = add_monitor(DummyVecEnv([_make] * N), path)
    venv.reset()
    for _ in range(40):
        venv.step(np.zeros(N, dtype=int))
    venv.close()
    text = path.read_bytes()
    cut = len(b"".join(text.splitlines(keepends=True)[:4]))  # header, columns, two episodes
    venv = add_monitor(DummyVecEnv([_make] * N), path, truncate_at=cut, elapsed=100.0)
    venv.reset()
    for _ in range(40):
        venv.step(np.zeros(N, dtype=int))
    venv.close()
    lines = path.read_text().splitlines()
    assert lines[:4] == text.decode().splitlines()[:4]
    assert sum(line.startswith("#") for line in lines) == 1
    assert float(lines[4].split(",")[2]) >= 100.0  # the t column continues


def test_adapter_reward_state_is_per_env_and_keeps_terminal_states():
    import agentenvs  # noqa: F401
    from reward_plugins import RewardShaper
    from reward_plugins.wrappers import ShapedVecEnv

    class BoxesOnTarget(RewardShaper):
        requires = frozenset({"reward_state", "next_obs"})

        def forward(self, batch):
            self.seen = batch.reward_state
            return batch.reward_state["boxes_on_target"].float()

    level = "######\n##   #\n##.$@#\n##   #\n##   #\n######"  # one push left solves it
    venv = add_monitor(make_base_vec_env("agentenvs/Sokoban-Tiny-v0", {"levels": level}, N, 0))
    assert type(venv.unwrapped) is NativeVecEnvAdapter
    shaper = BoxesOnTarget(device="cpu")
    env = ShapedVecEnv(venv, shaper)
    env.reset()
    _, _, dones, infos = env.step(np.array([2, 0, 0]))  # env 0 solves its level, the others wait
    assert shaper.seen["boxes_on_target"].shape == (N,) and shaper.seen["player"].shape == (N, 2)
    assert dones.tolist() == [True, False, False]
    # env 0 was reset at once (SB3 semantics), yet its reward_state is its solved, terminal state
    assert shaper.seen["boxes_on_target"].tolist() == [1, 0, 0]
    assert [i["reward_components"]["BoxesOnTarget"] for i in infos] == [1.0, 0.0, 0.0]
    assert venv.unwrapped.reward_state()["boxes_on_target"].tolist() == [1, 0, 0]
    assert venv.env_method("reward_state")[0]["boxes_on_target"] == 1


def test_run_seed_and_device_reach_the_children_of_compositions():
    from baselines.config import ShaperSpec
    from baselines.envs import make_shapers

    specs = [ShaperSpec("weighted_sum", {"shapers": ["rnd", {"name": "icm", "kwargs": {"feature_dim": 8}}]}),
             ShaperSpec("running_norm", {"shaper": {"name": "rnd", "seed": 42}})]
    (combo, norm), (again, _) = make_shapers(specs, "cpu", seed=5), make_shapers(specs, "cpu", seed=6)
    assert [c.seed for c in combo.shapers] == [6, 7] and [c.seed for c in again.shapers] == [7, 8]
    assert norm.shapers[0].seed == 42  # a seed the spec sets wins
    assert all(c.device.type == "cpu" for c in combo.shapers)


def test_adapter_state_keys_are_those_of_terminal_states():
    # SB3 resets finished envs inside step; counting env keys must still count the terminal
    # state, exactly as counting terminal_observation does.
    from reward_plugins.wrappers import ShapedVecEnv

    venv = add_monitor(make_base_vec_env("agentenvs/Sokoban-Tiny-v0", {"max_steps": 6}, N, 0))
    env = ShapedVecEnv(venv, [{"name": "count", "input": "state_key", "device": "cpu"},
                              {"name": "count", "hash": "exact", "device": "cpu"}])
    keyed, hashed = env.core.labels
    env.reset()
    rng = np.random.default_rng(0)
    finished = 0
    for _ in range(40):
        _, _, dones, infos = env.step(rng.integers(0, 4, N))
        finished += int(dones.sum())
        assert [i["reward_components"][keyed] for i in infos] == [i["reward_components"][hashed] for i in infos]
    assert finished >= N * 5


def test_vector_envs_declare_partial_resets_and_the_adapter_declares_terminal_states():
    import agentenvs  # noqa: F401

    native = gym.make_vec("agentenvs/Sokoban-Tiny-v0", num_envs=2, vectorization_mode="vector_entry_point")
    assert native.metadata["supports_reset_mask"] is True and supports_adapter(native)
    cartpole = gym.make_vec("CartPole-v1", num_envs=2, vectorization_mode="vector_entry_point")
    assert not supports_adapter(cartpole)
    cartpole.metadata = {**cartpole.metadata, "supports_reset_mask": True}
    assert supports_adapter(cartpole)  # what the env declares, not what its source reads
    assert NativeVecEnvAdapter(native).metadata["keeps_terminal_states"] is True
    same_step = SyncVectorEnv([_make] * 2, autoreset_mode=AutoresetMode.SAME_STEP)
    assert NativeVecEnvAdapter(same_step).metadata["keeps_terminal_states"] is False
