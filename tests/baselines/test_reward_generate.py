"""``agentenvs reward generate`` through the ``agentenvs`` dispatch, against a scripted chat server."""
import json

import pytest

from agentenvs.cli import main
from reward_plugins.testing.chat_server import ChatServer

pytest.importorskip("openai")

ENV = "agentenvs/Sokoban-Tiny-v0"
TASK = "push the box onto the target"
PROGRESS = '''def compute_reward(state):
    progress = state["boxes_on_target"].float() / state["num_boxes"].float()
    return progress, {"progress": progress}
'''
SOLVED = '''def compute_reward(state):
    solved = state["success"].float()
    return solved, {"solved": solved}
'''
BROKEN = "def compute_reward(state)\n    return state['success'].float(), {}\n"


def fenced(source):
    return f"```python\n{source}```"


@pytest.fixture(autouse=True)
def cache_dir(llm_cache_dir):
    return llm_cache_dir


def generate(url, *extra):
    return main(["reward", "generate", "--env", ENV, "--task", TASK, "--samples", "2", "--episodes", "2",
                 "--base-url", url, "--model", "test-model", *extra])


def test_generate_writes_attempts_and_programs_then_replays_them_offline(tmp_path, capsys, cache_dir):
    out, feedback = tmp_path / "gen", tmp_path / "feedback.txt"
    feedback.write_text("NOTE-42: the last reward was too sparse.\n")
    with ChatServer([[fenced(PROGRESS), BROKEN], fenced(SOLVED)]) as server:
        assert generate(server.url, "--out", str(out), "--feedback", str(feedback)) == 0
        url = server.url
    assert "NOTE-42: the last reward was too sparse." in server.requests[0]["messages"][1]["content"]
    err = capsys.readouterr().err
    assert f"asking {url} for 2 reward program(s)" in err
    assert "program_0: accepted after 0 repair(s)" in err and "program_1: accepted after 1 repair(s)" in err
    records = json.loads((out / "candidates.json").read_text())
    assert [len(r["attempts"]) for r in records] == [1, 2]
    assert "syntax" in records[1]["attempts"][0]["report"]["problems"][0]
    assert (out / "program_0.py").read_text() == PROGRESS and (out / "program_1.py").read_text() == SOLVED
    assert len(list(cache_dir.rglob("*.json"))) == 2  # the sampling request and the repair
    # the server is gone: the cache alone answers, and the programs are printed
    assert generate(url, "--offline", "--feedback", str(feedback)) == 0
    printed = capsys.readouterr().out
    assert printed == f"# program_0\n{PROGRESS}\n# program_1\n{SOLVED}\n"


def test_an_offline_miss_and_an_all_rejected_batch_say_so(tmp_path, capsys, cache_dir):
    assert generate("http://127.0.0.1:9/v1", "--offline") == 2
    err = capsys.readouterr().err
    assert err.splitlines()[0].startswith("asking the response cache of http://127.0.0.1:9/v1 (offline)")
    assert err.count("\n") == 2 and "\nerror: cache='only' (offline replay) and no cached reply" in err
    with ChatServer([[BROKEN, "I cannot write code."]]) as server:
        assert generate(server.url, "--no-cache", "--repair-rounds", "0") == 1
        assert len(server.requests) == 1
    err = capsys.readouterr().err
    assert "program_0: rejected after 0 repair(s): running it failed: reward program rejected (syntax)" in err
    assert "program_1: rejected after 0 repair(s): the reply holds no function" in err
    assert not cache_dir.exists()  # --no-cache wrote nothing


def test_an_env_without_a_reward_state_is_refused(capsys):
    assert main(["reward", "generate", "--env", "CartPole-v1", "--task", TASK]) == 2
    assert "CartPole-v1 has no reward_state()" in capsys.readouterr().err
