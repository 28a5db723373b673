"""LLMEnv: the invalid-action policy, penalties, turn limit, step timeout and env errors, on real envs."""
import threading
import time

import gymnasium as gym
import pytest

from agentenvs.agents import LLM_INFO_KEYS, make, tasks
from agentenvs.errors import ConfigError

SOKOBAN = "agentenvs/Sokoban-Text-v0"
# a hand-made level: one box left of a goal, the player above the box's row
LEVEL = "#######\n#  @  #\n# $ . #\n#     #\n#######"


def _env(**options):
    env = make(SOKOBAN, **options)
    env.reset(seed=0, options={"level": LEVEL})
    return env


def test_a_valid_answer_steps_the_raw_env_and_fills_every_key():
    env = _env()
    obs, reward, terminated, truncated, info = env.step("<think>go</think><answer>left</answer>")
    assert obs == "#######\n# @   #\n# $ . #\n#     #\n#######"
    assert (reward, terminated, truncated) == (0.0, False, False)
    assert set(LLM_INFO_KEYS) <= set(info)
    assert info["parsed_action"] == "left" and info["action_is_valid"] and info["action_error"] is None
    assert info["reward_components"] == {"env": 0.0, "format": 0.0} and info["turn"] == 1
    assert isinstance(info["state_key"], int)


@pytest.mark.parametrize("policy", ["noop", "feedback", "terminate"])
def test_each_invalid_action_policy(policy):
    env = _env(invalid_action=policy, format_penalty=-0.25)
    obs, reward, terminated, truncated, info = env.step("left")  # no <answer> tag
    assert reward == -0.25 and info["reward_components"] == {"env": 0.0, "format": -0.25}
    assert not info["action_is_valid"] and info["parsed_action"] is None and "no <answer>" in info["action_error"]
    assert env.unwrapped._steps == 0  # the raw env was not stepped
    if policy == "noop":
        assert obs == LEVEL and not terminated
    elif policy == "feedback":
        assert obs.startswith("Invalid action: no <answer>") and obs.endswith(LEVEL) and not terminated
        assert env.observation_space.contains(obs)
    else:
        assert terminated and info["termination_reason"] == "invalid_action" and info["score"] == 0.0


def test_an_action_the_env_refuses_is_invalid_too():
    env = _env(invalid_action="feedback")
    obs, reward, _, _, info = env.step("<answer>jump</answer>")
    assert reward == pytest.approx(-0.1) and not info["action_is_valid"] and info["parsed_action"] == "jump"
    assert "cannot do 'jump'" in info["action_error"] and obs.endswith(LEVEL)


def test_max_invalid_ends_the_episode_on_the_nth_invalid_action():
    env = _env(invalid_action="noop", max_invalid=3)
    ends = [env.step("?")[2] for _ in range(3)]
    assert ends == [False, False, True]


def test_max_turns_truncates_with_its_reason_and_a_score():
    env = _env(max_turns=2)
    assert not env.step("<answer>left</answer>")[3]
    _, _, terminated, truncated, info = env.step("<answer>right</answer>")
    assert truncated and not terminated and info["truncation_reason"] == "max_turns"
    assert info["score"] == 0.0  # no box on a goal: boxes_on_target / num_boxes
    with pytest.raises(gym.error.ResetNeeded):
        env.step("<answer>up</answer>")


def test_multi_actions_run_in_order_until_the_episode_ends():
    env = make(SOKOBAN, action_format="multi", format_options={"max_actions_per_turn": 4})
    env.reset(options={"level": "######\n#@$. #\n######"})
    obs, reward, terminated, _, info = env.step("<answer>right || left</answer>")
    assert terminated and reward == 1.0 and info["success"] and info["score"] == 1.0
    assert info["parsed_action"] == ["right", "left"] and env.unwrapped._steps == 1  # 'left' never ran


def test_tool_calls_go_through_the_env_s_tools():
    env = make(SOKOBAN, action_format="tool_call")
    env.reset(options={"level": "######\n#@$. #\n######"})
    _, _, _, _, bad = env.step('<tool_call>{"name": "move", "arguments": {"direction": "north"}}</tool_call>')
    assert not bad["action_is_valid"] and "direction" in bad["action_error"]
    _, reward, terminated, _, info = env.step('<tool_call>{"name": "move", "arguments": {"direction": "right"}}'
                                              "</tool_call>")
    assert terminated and reward == 1.0


def test_the_shop_keeps_its_reward_terms_apart_from_the_reward_components():
    row = next(tasks("agentenvs/TextShop-v0", "train", 1))
    env = make(row)
    env.reset(options=row)
    env.step("<answer>search[shirt]</answer>")
    _, _, _, _, info = env.step(f"<answer>click[{info_first_product(env)}]</answer>")
    _, reward, terminated, _, info = env.step("<answer>click[buy now]</answer>")
    assert terminated and info["reward_components"] == {"env": reward, "format": 0.0}
    assert set(info["env_reward_components"]) and info["score"] == pytest.approx(reward)


def info_first_product(env):
    return env.unwrapped.admissible_commands()[2][len("click["):-1]


class Slow(gym.Wrapper):
    """A raw env whose step hangs on 'hang' and raises on 'crash' (a stand-in for a dead browser)."""

    release = threading.Event()

    def step(self, action):
        if action == "hang":
            self.release.wait(5)
        if action == "crash":
            raise RuntimeError("browser died")
        return self.env.step(action)


def test_a_hanging_step_is_truncated_within_the_timeout_and_the_next_reset_rebuilds():
    env = _env(step_timeout=0.2, action_format="plain")
    env.env = Slow(env.env)
    start = time.perf_counter()
    _, reward, terminated, truncated, info = env.step("hang")
    assert time.perf_counter() - start < 2.0
    assert truncated and not terminated and info["truncation_reason"] == "step_timeout" and "0.2 s" in info["env_error"]
    Slow.release.set()
    env.reset(seed=0, options={"level": LEVEL})
    assert not isinstance(env.env, Slow) and env.step("left")[4]["action_is_valid"]


def test_an_env_that_raises_is_reported_not_propagated():
    env = _env(action_format="plain")
    env.env = Slow(env.env)
    _, _, _, truncated, info = env.step("crash")
    assert truncated and info["truncation_reason"] == "env_error" and info["env_error"] == "RuntimeError: browser died"


@pytest.mark.parametrize(("options", "match"), [
    ({"invalid_action": "skip"}, "invalid_action must be one of"),
    ({"format_penalty": float("nan")}, "format_penalty"),
    ({"max_invalid": 0}, "max_invalid must be an int >= 1"),
    ({"max_turns": 2.5}, "max_turns must be an int"),
    ({"step_timeout": -1}, "step_timeout"),
    ({"action_format": "xml"}, "unknown action format"),
])
def test_bad_options_are_config_errors(options, match):
    with pytest.raises(ConfigError, match=match):
        make(SOKOBAN, **options)


def test_the_system_prompt_has_rules_actions_and_format():
    prompt = make("agentenvs/TextQuest-v0", format_options={"require_think": True}).system_prompt()
    assert "text adventure" in prompt and "unlock X with Y" in prompt
    assert "<think></think>" in prompt and "<answer>look</answer>" in prompt


def test_the_completion_check_catches_a_parser_that_breaks_the_contract():
    from agentenvs.agents import ParseResult
    from agentenvs.testing import ConformanceError, check_llm_completions

    def forgetful(completion):  # valid, but an empty reason-less result for anything not a str
        return ParseResult(("up",), True) if isinstance(completion, str) else ParseResult((), False, None)

    check_llm_completions(SOKOBAN, action_format="plain")
    with pytest.raises(ConformanceError, match="was invalid without an action_error"):
        check_llm_completions(SOKOBAN, action_format=forgetful)


def test_state_keys_can_be_turned_off():
    assert "state_key" in _env().step("<answer>left</answer>")[4]
    assert "state_key" not in _env(state_keys=False).step("<answer>left</answer>")[4]
    assert "state_key" not in make("agentenvs/TextQuest-v0").reset(seed=0)[1]  # the quest has no state_key()
