"""The native vector env: equals the single env, Gymnasium's next-step autoreset, seeding, batch state."""
import gymnasium as gym
import numpy as np
import pytest

import agentenvs  # noqa: F401  (registers the ids)
from agentenvs.errors import ConfigError, InvalidActionError
from agentenvs.sokoban import SokobanEnv, SokobanVectorEnv, generate_level
from agentenvs.sokoban.constants import DOWN, LEFT, RIGHT, UP
from agentenvs.sokoban.info import INFO_KEYS

ONE_PUSH = "######\n#    #\n# .$@#\n#    #\n######"


def test_make_vec_builds_the_native_env_with_next_step_autoreset():
    venv = gym.make_vec("agentenvs/Sokoban-v0", num_envs=3, vectorization_mode="vector_entry_point")
    assert isinstance(venv, SokobanVectorEnv)
    assert venv.metadata["autoreset_mode"] == gym.vector.AutoresetMode.NEXT_STEP
    obs, info = venv.reset(seed=0)
    assert obs.shape == (3, 10, 10) and venv.observation_space.contains(obs)


@pytest.mark.parametrize("obs_mode", ["grid", "onehot", "rgb"])
def test_vector_env_equals_single_envs_on_the_same_levels(obs_mode):
    rng = np.random.default_rng(0)
    levels = [generate_level(rng, (7, 7), 2) for _ in range(6)]
    kwargs = dict(dim_room=(8, 8), obs_mode=obs_mode, reward_mode="gym-sokoban", max_steps=15)
    venv = SokobanVectorEnv(num_envs=6, levels=levels, **kwargs)
    venv.reset(seed=0)
    picked = [levels[i] for i in venv._level_index]
    singles = [SokobanEnv(levels=level, **kwargs) for level in picked]
    first = [env.reset(seed=0)[0] for env in singles]
    assert np.array_equal(venv._observe(), np.stack(first))
    live = np.ones(6, dtype=bool)
    for _ in range(20):
        actions = rng.integers(0, 4, 6)
        obs, rewards, terminated, truncated, infos = venv.step(actions)
        state = venv.reward_state()
        for i, env in enumerate(singles):
            if not live[i]:
                continue
            o, r, te, tr, info = env.step(int(actions[i]))
            assert np.array_equal(obs[i], o)
            assert rewards[i] == pytest.approx(r) and terminated[i] == te and truncated[i] == tr
            assert {k: infos[k][i].item() for k in INFO_KEYS} == info
            for key, value in env.reward_state().items():
                assert np.array_equal(state[key][i], value), key
            live[i] = not (te or tr)
    assert not live.any()  # every episode ended (solved or truncated at 15) while compared


def test_autoreset_happens_on_the_step_after_the_episode_ends():
    venv = SokobanVectorEnv(num_envs=2, dim_room=(5, 6), levels=ONE_PUSH, max_steps=3)
    start, _ = venv.reset(seed=0)
    obs, rewards, terminated, truncated, infos = venv.step(np.array([LEFT, UP]))
    assert terminated.tolist() == [True, False] and rewards.tolist() == [1.0, 0.0]
    assert infos["is_success"].tolist() == [True, False] and infos["_is_success"].all()
    obs, rewards, terminated, truncated, infos = venv.step(np.array([RIGHT, UP]))  # env 0 resets; its action is ignored
    assert np.array_equal(obs[0], start[0])
    assert rewards[0] == 0.0 and not terminated[0] and not truncated[0]
    assert infos["steps"].tolist() == [0, 2]
    obs, rewards, terminated, truncated, infos = venv.step(np.array([DOWN, UP]))
    assert truncated.tolist() == [False, True] and not terminated.any()
    obs, _, _, truncated, infos = venv.step(np.array([UP, UP]))
    assert np.array_equal(obs[1], start[1]) and infos["steps"].tolist() == [2, 0]


def test_same_seed_same_trajectory_and_partial_reset():
    def run(seed):
        venv = SokobanVectorEnv(num_envs=4, dim_room=(7, 7), num_boxes=2, max_steps=20)
        trace = [venv.reset(seed=seed)[0]]
        rng = np.random.default_rng(1)
        for _ in range(50):
            trace.append(venv.step(rng.integers(0, 4, 4))[0])
        return venv, np.stack(trace)

    venv, a = run(3)
    assert np.array_equal(a, run(3)[1])
    assert not np.array_equal(a, run(4)[1])
    before = venv._observe()
    obs, info = venv.reset(options={"reset_mask": np.array([True, False, False, False])})
    assert np.array_equal(obs[1:], before[1:]) and info["steps"][0] == 0


def test_invalid_actions_raise():
    venv = SokobanVectorEnv(num_envs=2, dim_room=(5, 6), levels=ONE_PUSH)
    with pytest.raises(gym.error.ResetNeeded):
        venv.step(np.array([0, 0]))
    venv.reset(seed=0)
    for bad in (np.array([0, 4]), np.array([0, -1]), np.array([0.0, 1.0]), np.array([0, 1, 2])):
        with pytest.raises(InvalidActionError, match=r"0\.\.3"):
            venv.step(bad)


def test_text_mode_is_refused_with_a_pointer_to_sync():
    with pytest.raises(ConfigError, match="sync"):
        SokobanVectorEnv(num_envs=2, obs_mode="text")


def test_batched_reward_state_pads_box_lists():
    levels = [ONE_PUSH, "######\n#.   #\n#$ . #\n# $@ #\n######"]
    venv = SokobanVectorEnv(num_envs=8, dim_room=(5, 6), levels=levels)
    venv.reset(seed=0)
    state = venv.reward_state()
    assert state["boxes"].shape == (8, 2, 2) and state["walls"].shape == (8, 5, 6)
    one_box = state["num_boxes"] == 1
    assert one_box.any() and (~one_box).any()
    assert (state["boxes"][one_box, 1] == -1).all() and not state["box_on_goal"][one_box, 1].any()
    for key in state:
        assert state[key].shape[0] == 8 and key in venv.reward_state_doc


def test_render_batches():
    venv = SokobanVectorEnv(num_envs=3, dim_room=(5, 6), levels=ONE_PUSH, render_mode="rgb_array")
    venv.reset(seed=0)
    frames = venv.render()
    assert frames.shape == (3, 80, 96, 3) and frames.dtype == np.uint8
    ansi = SokobanVectorEnv(num_envs=2, dim_room=(5, 6), levels=ONE_PUSH, render_mode="ansi")
    ansi.reset(seed=0)
    assert ansi.render() == (ONE_PUSH, ONE_PUSH)
