"""``make_shaper("code", ...)``: the shaper contract, field checks against the env doc, and a real vector env."""
import gymnasium as gym
import numpy as np
import pytest
import torch

import agentenvs  # noqa: F401 (registers the ids)
from reward_plugins import make_shaper
from reward_plugins.code import CodeShaper, doc_fields
from reward_plugins.code.examples import EXAMPLES
from reward_plugins.errors import RewardProgramError, RewardSandboxError
from reward_plugins.testing import check_shaper
from reward_plugins.wrappers import ShapedVectorEnv

#: check_shaper's random batches carry reward_state {"pos": int64 [B, 2], "progress": float32 [B]}.
CHECKED = """
def compute_reward(state):
    near = -0.1 * (state["pos"] - 3).abs().sum(dim=1).float()
    bonus = 2.0 * state["progress"]
    return bonus + near, {"bonus": bonus, "near": near}
"""
ID = "agentenvs/Sokoban-Tiny-v0"


def test_code_shaper_keeps_the_shaper_contract():
    done = check_shaper("code", {"source": CHECKED})
    assert "batch invariance" in done and "state round trip" in done


def test_rejected_programs_fail_at_construction_with_line_and_rule():
    with pytest.raises(RewardProgramError, match=r"\(import\): line 1") as caught:
        make_shaper("code", source="import os\ndef compute_reward(state):\n    return state['x'], {}\n")
    assert (caught.value.line, caught.value.rule) == (1, "import")


def test_fields_missing_from_the_env_doc_are_refused():
    doc = gym.make(ID).unwrapped.reward_state_doc
    assert "boxes_on_target" in doc_fields(doc) and len(doc_fields(doc)) == 12
    typo = "def compute_reward(state):\n    x = state['success'].float()\n    return x + state['box_on_target'], {}\n"
    with pytest.raises(RewardProgramError, match=r"\(field\): line 3: state\['box_on_target'\] is not a field"):
        make_shaper("code", source=typo, env_doc=doc)
    shaper = make_shaper("code", source=EXAMPLES["sokoban_shaped"].source, env_doc=doc)
    assert shaper.components() == ["on_goal", "distance", "stuck", "solved"]


def test_on_a_real_vector_env_rewards_and_components_match_the_program():
    source = EXAMPLES["sokoban_progress"].source
    venv = ShapedVectorEnv(gym.make_vec(ID, num_envs=4, vectorization_mode="vector_entry_point"),
                           make_shaper("code", source=source, device="cpu"), weights=1.0)
    venv.reset(seed=0)
    rng = np.random.default_rng(0)
    for _ in range(5):
        _, reward, _, _, info = venv.step(rng.integers(0, 4, 4))
        state = venv.unwrapped.reward_state()
        expected = state["boxes_on_target"] / state["num_boxes"] + 10.0 * state["success"]
        valid = info["_reward_components"]
        assert np.allclose(info["reward_components"]["code/progress"][valid],
                           (state["boxes_on_target"] / state["num_boxes"])[valid])
        assert np.allclose(info["reward_components"]["code"][valid], expected[valid])
    venv.close()


def test_a_failing_program_raises_a_sandbox_error_and_the_shaper_recovers():
    source = "def compute_reward(state):\n    return state['progress'] / 0 + torch.ones(7), {}\n"
    bad = CodeShaper(source, device="cpu")
    from reward_plugins.testing.check import random_batch
    with pytest.raises(RewardSandboxError, match="size of tensor a") as caught:
        bad(random_batch(n=3))
    assert caught.value.kind == "exception"
    good = CodeShaper(CHECKED, device="cpu")
    assert good(random_batch(n=3)).shape == (3,)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_rewards_come_back_on_the_gpu():
    from reward_plugins.testing.check import random_batch
    shaper = CodeShaper(CHECKED, device="cuda")
    out = shaper(random_batch(n=3).to("cuda"))
    assert out.device.type == "cuda" and shaper.last_components["bonus"].device.type == "cuda"


def test_a_pickled_shaper_gets_its_own_worker_and_the_same_rewards():
    import pickle

    from reward_plugins.testing.check import random_batch

    shaper = CodeShaper(CHECKED, device="cpu", timeout_s=5.0)
    twin = pickle.loads(pickle.dumps(shaper))
    batch = random_batch(n=4)
    assert torch.equal(twin(batch), shaper(batch))
    assert twin.sandbox is not shaper.sandbox and twin.sandbox.limits.timeout_s == 5.0
    twin.sandbox.close()
    shaper.sandbox.close()
