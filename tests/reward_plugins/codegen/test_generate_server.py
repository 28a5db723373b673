"""generate_rewards end to end: the real ChatClient, a scripted chat server on 127.0.0.1, the real sandbox."""
import pytest
import torch

from reward_plugins.code import Sandbox, SandboxLimits
from reward_plugins.codegen import generate_rewards
from reward_plugins.errors import LLMServerError
from reward_plugins.llm import ChatClient
from reward_plugins.testing.chat_server import ChatServer

pytest.importorskip("openai")

DOC = """reward_state(): dict of numpy arrays
    boxes_on_target: int64[] in [0, 2]; units: boxes; boxes on goals
    num_boxes: int64[] in [2, 2]; units: boxes; boxes in the level
    success: bool[]; units: flag; the task is achieved
"""
STATES = {"boxes_on_target": torch.tensor([0, 1, 1, 2]), "num_boxes": torch.tensor([2, 2, 2, 2]),
          "success": torch.tensor([False, False, False, True])}
GOOD = '''def compute_reward(state):
    progress = state["boxes_on_target"].float() / state["num_boxes"].float()
    return progress, {"progress": progress}
'''


def fenced(source):
    return f"Here it is:\n```python\n{source}```\n"


@pytest.fixture(autouse=True)
def _no_llm_settings(llm_cache_dir):
    """Clients here run with cache='off'; nothing from the environment reaches them."""


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(SandboxLimits(timeout_s=3.0, cpu_s=3.0)) as box:
        yield box


@pytest.fixture
def server():
    with ChatServer() as s:
        yield s


def client_of(server, **kwargs):
    return ChatClient(model=server.model, base_url=server.url, cache="off", backoff=0.0, **kwargs)


def generate(server, sandbox, **kwargs):
    def runner(source, states):
        result = sandbox.run(source, states)
        return result.total, result.components

    with client_of(server, max_retries=kwargs.pop("max_retries", 2)) as client:
        return generate_rewards(client, DOC, "push both boxes onto goals", STATES, runner, **kwargs)


def test_a_good_program_is_accepted_at_once(server, sandbox):
    server.script += [fenced(GOOD)]
    [candidate] = generate(server, sandbox)
    assert candidate.ok and candidate.source == GOOD and candidate.repairs == 0
    assert candidate.attempts[0].report.stats["total"]["max"] == 1.0
    assert len(server.requests) == 1 and "boxes_on_target: int64[]" in server.requests[0]["messages"][1]["content"]


def test_a_syntax_error_is_repaired_in_one_round(server, sandbox):
    broken = GOOD.replace("def compute_reward(state):", "def compute_reward(state)")
    server.script += [fenced(broken), fenced(GOOD)]
    [candidate] = generate(server, sandbox, repair_rounds=2)
    assert candidate.ok and candidate.repairs == 1 and candidate.source == GOOD
    assert "syntax" in candidate.attempts[0].report.problems[0]
    repair = server.requests[1]["messages"]
    assert repair[2] == {"role": "assistant", "content": fenced(broken)}
    assert "syntax" in repair[3]["content"] and len(server.requests) == 2


def test_a_malicious_program_is_rejected_by_the_validator_and_never_runs(server, sandbox, tmp_path):
    marker = tmp_path / "escaped"
    malicious = (f"open({str(marker)!r}, 'w')\n\ndef compute_reward(state):\n"
                 "    return state['boxes_on_target'].float(), {}\n")
    server.script += [fenced(malicious), fenced(malicious)]
    [candidate] = generate(server, sandbox, repair_rounds=1)
    assert not candidate.ok and candidate.source is None and candidate.repairs == 1
    for attempt in candidate.attempts:
        assert "reward program rejected" in attempt.report.problems[0] and "open" in attempt.report.problems[0]
    assert not marker.exists()


def test_a_program_that_loops_forever_is_killed_by_the_watchdog_and_the_next_one_runs(server, sandbox):
    looping = "def compute_reward(state):\n    while True:\n        pass\n"
    server.script += [[fenced(looping), fenced(GOOD)]]
    looped, good = generate(server, sandbox, samples=2, repair_rounds=0)
    assert not looped.ok and "killed" in looped.attempts[0].report.problems[0]
    assert "3 s wall-clock" in looped.attempts[0].report.problems[0]
    assert good.ok  # the worker was replaced


def test_a_429_is_retried_then_the_reply_is_used(server, sandbox):
    server.script += [429, fenced(GOOD)]
    [candidate] = generate(server, sandbox)
    assert candidate.ok and len(server.requests) == 2


def test_a_500_storm_ends_in_one_clear_line_after_the_retries(server, sandbox):
    server.script += [500] * 5
    with pytest.raises(LLMServerError) as error:
        generate(server, sandbox, max_retries=2)
    message = str(error.value)
    assert "\n" not in message and "HTTP 500" in message and "3 tries" in message and server.url in message
    assert len(server.requests) == 3
