"""GroupedVectorEnv over LLMEnv (``maker="agentenvs.agents.llm_env:make"``): task rows, completions, LLM info keys."""
import itertools

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils import seeding

import agentenvs  # noqa: F401  (registers the ids)
from agentenvs.agents import make, tasks
from agentenvs.agents.grouped import GroupedVectorEnv
from agentenvs.sokoban.generator import generate_level
from agentenvs.testing import ConformanceError, check_llm_grouped

SOKOBAN = "agentenvs/Sokoban-Text-v0"  # 7x7, 2 boxes
LLM_MAKER = "agentenvs.agents.llm_env:make"


def level_text(task_id):
    """The closed form: the level the generator draws for a seed, in XSB."""
    return generate_level(seeding.np_random(task_id)[0], (7, 7), 2).to_xsb()


@pytest.mark.parametrize("backend", ["sync", "process"])
def test_llm_env_groups_are_identical_within_and_distinct_across(backend):
    rows = list(tasks(SOKOBAN, "train", 2, start=11))
    env = GroupedVectorEnv(SOKOBAN, num_groups=2, group_size=3, backend=backend, maker=LLM_MAKER,
                           invalid_action="feedback", step_timeout=60)
    try:
        obs, info = env.reset(rows)
        assert list(obs) == [level_text(11)] * 3 + [level_text(12)] * 3
        assert level_text(11) != level_text(12)
        assert info["group_id"].tolist() == [0, 0, 0, 1, 1, 1]
        keys = info["state_key"]
        assert len(set(keys[:3])) == 1 and len(set(keys[3:])) == 1 and keys[0] != keys[3]
        assert info["task"]["task_id"].tolist() == [11, 11, 11, 12, 12, 12]  # dict infos batch per key
        completions = ["<answer>up</answer>", "I would rather not.", "<answer>fly</answer>",
                       "<answer>left</answer>", "<answer>left</answer>", b"\xff\xfe"]
        obs, rewards, terminated, truncated, info = env.step(completions)
        assert info["action_is_valid"].tolist() == [True, False, False, True, True, False]
        assert obs[3] == obs[4] and info["state_key"][3] == info["state_key"][4]  # same task, same move
        for i in (1, 2, 5):  # the "feedback" policy: the observation says what was wrong, the board follows
            assert obs[i].startswith("Invalid action: ") and obs[i].endswith(level_text(11 if i < 3 else 12))
            assert info["reward_components"]["format"][i] == pytest.approx(-0.1)
            assert info["action_error"][i]
        np.testing.assert_allclose(rewards[[1, 2, 5]], -0.1)
        assert info["parsed_action"][0] == "up" and info["parsed_action"][1] is None
        assert not terminated.any() and not truncated.any() and env.active_mask.all()
    finally:
        env.close()


_serial = itertools.count()


def make_numbered(env_id, **options):
    """A broken maker: each env's observations carry its own number, so a group's envs never look alike."""
    number = next(_serial)
    return gym.wrappers.TransformObservation(make(env_id, **options), lambda obs: f"{number} {obs}", None)


def test_the_grouped_check_passes_llm_envs_and_catches_groups_that_differ():
    check_llm_grouped(SOKOBAN)
    with pytest.raises(ConformanceError, match="first observations are not their group row's"):
        check_llm_grouped(SOKOBAN, maker=f"{__name__}:make_numbered")
