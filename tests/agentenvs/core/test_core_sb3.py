"""FlattenForSB3: Dict/Tuple/Text envs pass SB3's check_env once wrapped, and nothing but the spaces changes."""
import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import agentenvs  # noqa: F401  (registers the ids)
from agentenvs.core import FlattenForSB3, decode_text, encode_text, text_space
from agentenvs.errors import ConfigError, InvalidActionError
from agentenvs.sokoban.constants import ACTION_NAMES, LEFT


class Briefing(gym.Env):
    """A Dict observation with a nested Dict, a Tuple and Text: the kind SB3 rejects."""

    def __init__(self):
        self.observation_space = spaces.Dict({
            "instruction": text_space(40),
            "screen": spaces.Dict({"cursor": spaces.Box(0, 9, (2,), np.int64), "page": spaces.Discrete(3)}),
            "pair": spaces.Tuple((spaces.Discrete(2), spaces.Box(-1.0, 1.0, (3,), np.float32))),
        })
        self.action_space = spaces.Discrete(3)
        self.t = 0

    def _obs(self):
        return {
            "instruction": f"Click button {self.t}.",
            "screen": {"cursor": np.array([self.t % 10, 1]), "page": self.t % 3},
            "pair": (self.t % 2, np.full(3, 0.5, np.float32)),
        }

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        return self._obs(), {}

    def step(self, action):
        self.t += 1
        return self._obs(), float(action), self.t >= 5, False, {"t": self.t}


def test_sb3_rejects_the_raw_env_and_accepts_the_wrapped_one():
    with pytest.raises(AssertionError, match="key=instruction"):
        sb3_check_env(Briefing(), warn=False)
    sb3_check_env(FlattenForSB3(Briefing()), warn=True)


def test_flattened_keys_and_values():
    env = FlattenForSB3(Briefing())
    assert set(env.observation_space.spaces) == {"instruction", "screen.cursor", "screen.page", "pair.0", "pair.1"}
    obs, _ = env.reset(seed=0)
    obs, reward, terminated, truncated, info = env.step(2)
    assert decode_text(obs["instruction"], env.env.observation_space["instruction"]) == "Click button 1."
    assert obs["screen.cursor"].tolist() == [1, 1] and obs["screen.page"] == 1 and obs["pair.0"] == 1
    assert (reward, terminated, truncated, info) == (2.0, False, False, {"t": 1})  # untouched
    assert env.observation_space.contains(obs)


def test_text_codes_round_trip_and_pad_with_zero():
    space = text_space(12, charset="ab c")
    codes = encode_text("ab ca", space)
    assert codes.dtype == np.int32 and codes.shape == (12,) and (codes[5:] == 0).all() and (codes[:5] > 0).all()
    assert codes[:5].tolist() == [space.character_list.index(ch) + 1 for ch in "ab ca"]
    assert decode_text(codes, space) == "ab ca"


def test_sokoban_text_passes_sb3_check_env_with_action_choices():
    env = FlattenForSB3(gym.make("agentenvs/Sokoban-Text-v0"), action_choices=ACTION_NAMES)
    sb3_check_env(env, warn=True)
    assert env.action_space == spaces.Discrete(4)
    twin = gym.make("agentenvs/Sokoban-Text-v0")
    obs, _ = env.reset(seed=5)
    twin_obs, _ = twin.reset(seed=5)
    obs, *_ = env.step(LEFT)
    twin_obs, *_ = twin.step(ACTION_NAMES[LEFT])
    assert decode_text(obs, twin.observation_space) == twin_obs


def test_bad_arguments_and_actions_are_refused():
    with pytest.raises(ConfigError, match="pass action_choices"):
        FlattenForSB3(gym.make("agentenvs/Sokoban-Text-v0"))
    with pytest.raises(ConfigError, match="not in the env's action space"):
        FlattenForSB3(gym.make("agentenvs/Sokoban-Text-v0"), action_choices=["up", "\x00"])
    with pytest.raises(ConfigError, match="Text action spaces only"):
        FlattenForSB3(Briefing(), action_choices=["up"])
    env = FlattenForSB3(gym.make("agentenvs/Sokoban-Text-v0"), action_choices=ACTION_NAMES)
    env.reset(seed=0)
    with pytest.raises(InvalidActionError, match=r"integer in 0\.\.3"):
        env.step(4)


def test_constructor_arguments_are_recorded():
    env = FlattenForSB3(gym.make("agentenvs/Sokoban-Text-v0"), action_choices=ACTION_NAMES)
    assert env._saved_kwargs == {"action_choices": tuple(ACTION_NAMES)}
