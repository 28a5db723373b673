"""Every registered shaper wraps a GroupedVectorEnv unchanged (issue 15 §2), and the grouped env's
batched reward state follows the native vector-env contract.
"""
from __future__ import annotations

import os
import signal
import string

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces

import agentenvs  # noqa: F401  (registers the ids)
from agentenvs.agents.grouped import GroupedVectorEnv
from agentenvs.gui.actions import CLICK
from reward_plugins.wrappers import ShapedVectorEnv
from tests.reward_plugins.shaper_args import ARGS, REGISTRY

TINY, TEXT, GUI = "agentenvs/Sokoban-Tiny-v0", "agentenvs/Sokoban-Text-v0", "agentenvs/GUICursor-Small-v0"

#: Each env's actions for four steps of four envs (two groups of two); episodes last at most 3
#: steps, so the fourth step finds every env finished. On GUICursor env 0 clicks at once (the
#: episode ends) while the others move.
SCRIPTS = {
    TINY: [[0, 1, 2, 3], [1, 1, 2, 2], [3, 0, 0, 1], [0, 0, 0, 0]],
    TEXT: [["up", "left", "down", "right"], ["left", "left", "up", "up"], ["down", "up", "right", "left"],
           ["up"] * 4],
    GUI: [[CLICK, 0, 1, 2], [3, 4, 5, 6], [7, 8, 9, 10], [0, 1, 2, 3]],
}

#: The env each registered shaper is tried on: grid observations for the intrinsic and compose
#: shapers, text for the LLM-labelled and text-embedding ones, GUICursor (reward state with
#: cursor/target/predicted boxes, 84x84 RGB image observations) for the grounding and pixel ones.
#: A new shaper fails the test below until it gets a row here.
ENVS = {
    **dict.fromkeys(["count", "episodic_count", "rnd", "icm", "e3b", "global_episodic", "weighted_sum", "clip",
                     "running_norm", "potential", "gated", "code"], TINY),
    **dict.fromkeys(["oni", "embedding_goal"], TEXT),
    **dict.fromkeys(["gaussian_point", "gaussian_coverage", "gaussian_grounding", "gaussian_potential", "gui_cursor",
                     "vlm_clip", "vlm_judge"], GUI),
}

#: Arguments that differ from the conformance table's: ``code`` reads this env's reward-state keys
#: (the negated grid distance from the player to the box).
OVERRIDES = {
    "code": {"source": "def compute_reward(state):\n"
                       "    gap = (state['player'] - state['boxes'][:, 0]).abs().sum(dim=1).float()\n"
                       "    return -gap, {'gap': gap}\n"},
}
WEIGHT = 0.5


def test_the_env_table_names_only_registered_shapers():
    assert set(ENVS) <= set(REGISTRY) and set(OVERRIDES) <= set(ENVS)


@pytest.mark.parametrize("name", REGISTRY)
def test_every_shaper_wraps_a_grouped_env_with_raw_and_shaped_rewards_in_info(name, tmp_path, closing):
    assert name in ENVS, f"shaper {name!r} has no row in ENVS: say which env it shapes in this test"
    env_id = ENVS[name]
    args = OVERRIDES.get(name, ARGS.get(name))
    kwargs = args(tmp_path) if callable(args) else dict(args or {})
    base = GroupedVectorEnv(env_id, num_groups=2, group_size=2, backend="thread", max_steps=3)
    if name == "code":  # the program is checked against the fields the grouped env's doc lists
        kwargs["env_doc"] = base.reward_state_doc
    env = closing(ShapedVectorEnv(base, {"name": name, "kwargs": kwargs}, weights=WEIGHT))
    obs, info = env.reset(options={"tasks": [{"seed": 3}, {"seed": 8}]})
    assert info["group_id"].tolist() == [0, 0, 1, 1]
    for t, actions in enumerate(SCRIPTS[env_id]):
        obs, rewards, terminated, truncated, info = env.step(actions)
        parts, active = info["reward_components"], info["active_mask"]
        assert info["group_id"].tolist() == [0, 0, 1, 1]
        # the raw reward beside the shaper's, under its name (and its own terms under name/term)
        assert {"env", name} <= set(parts) and all(k in ("env", name) or k.startswith(name + "/") for k in parts)
        np.testing.assert_allclose(rewards, parts["env"] + WEIGHT * parts[name], rtol=1e-6, atol=1e-6)
        # shaped exactly on the envs that took this step: a finished env gets neither reward nor shaping
        assert info["_reward_components"].tolist() == active.tolist()
        assert not rewards[~active].any() and not parts[name][~active].any()
        if name == "code":  # the closed form, from the grouped env's own batched reward state
            state = base.reward_state()
            gap = np.abs(state["player"] - state["boxes"][:, 0]).sum(axis=1)
            np.testing.assert_allclose(parts[name][active], -gap[active])
            np.testing.assert_allclose(parts["code/gap"][active], gap[active])
        if env_id == GUI:
            assert active.tolist() == ([True] * 4 if t == 0 else [False, t < 3, t < 3, t < 3])
    assert not info["active_mask"].any() and (terminated | truncated).all()


def test_reward_state_is_batched_like_a_native_vector_env_on_the_process_backend(closing):
    base = closing(GroupedVectorEnv(GUI, num_groups=2, group_size=2, backend="process", max_steps=3))
    singles = [closing(gym.make(GUI, max_steps=3)) for _ in range(4)]
    assert base.single_reward_state_space == singles[0].unwrapped.reward_state_space
    assert base.reward_state_doc == singles[0].unwrapped.reward_state_doc
    assert base.reward_state_space == gym.vector.utils.batch_space(base.single_reward_state_space, 4)
    base.reset(tasks=[{"seed": 3}, {"seed": 8}])
    for i, single in enumerate(singles):
        single.reset(seed=(3, 8)[i // 2])
    scripts = [[CLICK, 0, 1, 2], [3, 4, 5, 6]]
    for t, actions in enumerate(scripts):
        base.step(actions)
        for i, single in enumerate(singles):
            if t == 0 or i != 0:  # env 0 clicked at t=0: finished, it keeps its final state
                single.step(actions[i])
        state = base.reward_state()
        assert base.reward_state_space.contains(state)
        assert isinstance(state["instruction"], tuple) and len(state["instruction"]) == 4
        for i, single in enumerate(singles):
            want = single.unwrapped.reward_state()
            for key, value in want.items():
                assert np.array_equal(np.asarray(state[key][i]), np.asarray(value)), (t, i, key)
    # env 1's worker dies: it comes back done, and its row repeats the last state it reported
    before = {key: np.asarray(value[1]).copy() for key, value in state.items()}
    os.kill(base.worker_pids()[1], signal.SIGKILL)
    _, _, _, truncated, info = base.step([0, 7, 7, 7])
    assert truncated[1] and info["_env_error"][1]
    after = base.reward_state()
    assert all(np.array_equal(np.asarray(after[key][1]), before[key]) for key in before)
    assert after["steps"][2:].tolist() == [3, 3]


class CaptionedEnv(gym.Env):
    """A text env that describes its state in words (``caption()``), as ONI's annotator reads it."""

    observation_space = spaces.Text(32, charset=string.printable)
    action_space = spaces.Discrete(3)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.at = int(self.np_random.integers(100))
        return f"at {self.at}", {}

    def step(self, action):
        self.at += int(action)
        return f"at {self.at}", 0.25, False, self.at > 103, {}

    def caption(self):
        return f"you stand on square {self.at}"


gym.register("agentenvs-test/Captioned-v0", entry_point=f"{__name__}:CaptionedEnv")


def test_captions_are_batched_for_shapers_that_read_them(closing):
    base = GroupedVectorEnv("agentenvs-test/Captioned-v0", num_groups=2, group_size=2, backend="thread")
    env = closing(ShapedVectorEnv(base, {"name": "oni", "kwargs": {**ARGS["oni"], "input": "caption"}}, WEIGHT))
    obs, _ = env.reset(options={"tasks": [{"seed": 1}, {"seed": 2}]})
    assert base.caption() == tuple(f"you stand on square {o[3:]}" for o in obs)
    assert not hasattr(base, "reward_state") and not hasattr(base, "reward_state_space")
    obs, rewards, _, _, info = env.step([0, 1, 2, 1])
    assert base.caption() == tuple(f"you stand on square {o[3:]}" for o in obs)
    parts = info["reward_components"]
    np.testing.assert_allclose(rewards, parts["env"] + WEIGHT * parts["oni"], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(parts["env"], 0.25)
