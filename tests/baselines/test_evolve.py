"""``agentenvs reward evolve`` end to end: the real client against a scripted chat server, real PPO runs.

One evolve (2 iterations x 2 samples on Sokoban-Tiny, 256 steps per run, 1 final seed) is started as
a subprocess through the ``agentenvs`` command, SIGKILLed once its first iteration is on disk, and
resumed in this process with ``main(argv)``; the tests read what it left. Iteration 0's second
program has a syntax error and is repaired; iteration 1's second program tries to write a file and is
rejected by the validator (twice). A human feedback file goes into iteration 1's prompt, next to the
reward reflection and the trajectory analysis of iteration 0's best run.
"""
import contextlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from agentenvs.errors import ConfigError
from baselines.analyser import analyse_run
from baselines.evolve import Evolution, EvolveConfig, ProgramScore, evolve, score_run
from baselines.reward_cli import build_parser, main
from reward_plugins.llm import ChatClient
from reward_plugins.testing.chat_server import ChatServer

pytestmark = pytest.mark.slow

TASK = "push the box onto the target"
HUMAN = "HUMAN-NOTE: the agent wanders; reward standing next to the box."
FEEDBACK_MARK = "Feedback on earlier reward functions"

PROGRESS = '''def compute_reward(state):
    progress = 0.1 * state["boxes_on_target"].float() / state["num_boxes"].float()
    return progress, {"progress": progress}
'''
SOLVED = '''def compute_reward(state):
    solved = state["success"].float()
    step = -0.01 * torch.ones_like(solved)
    return solved + step, {"solved": solved, "step": step}
'''
BROKEN = "def compute_reward(state)\n    return state['success'].float(), {}\n"
NEAR = '''def compute_reward(state):
    near = -0.1 * (state["boxes"][:, 0, :] - state["goals"][:, 0, :]).abs().sum(dim=-1).float()
    return near, {"near": near}
'''


def fenced(source):
    return f"Here is the reward function.\n```python\n{source}```\nIt rewards progress."


def respond(marker):
    """Replies by request content, so the cache replays them in order for any process."""
    malicious = (f"def compute_reward(state):\n    handle = open({str(marker)!r}, 'w')\n"
                 "    return state['steps'].float(), {}\n")

    def reply(body):
        messages = body["messages"]
        later = FEEDBACK_MARK in messages[1]["content"]
        if len(messages) > 2:  # a repair request
            return fenced(malicious if later else SOLVED)
        return [fenced(NEAR), fenced(malicious)] if later else [fenced(PROGRESS), BROKEN]
    return reply


def command(run_dir, server_url, feedback, *extra):
    return ["reward", "evolve", "--env", "agentenvs/Sokoban-Tiny-v0", "--task", TASK, "--iterations", "2",
            "--samples", "2", "--budget", "256", "--n-envs", "2", "--eval-freq", "128", "--eval-episodes", "2",
            "--final-seeds", "1", "--episodes", "2", "--repair-rounds", "1", "--workers", "1",
            "--analysis-episodes", "4",
            "--hyperparams", '{"n_steps": 64, "batch_size": 64, "n_epochs": 1, "vector_kwargs": {"pool_size": 16}}',
            "--model", "test-model", "--base-url", server_url, "--feedback", str(feedback),
            "--run-dir", str(run_dir), *extra]


def run_main(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def agentenvs_command():
    script = Path(sys.executable).with_name("agentenvs")
    return [str(script)] if script.exists() else [sys.executable, "-m", "baselines.reward_cli"]


def iteration_requests(requests, later):
    return [r for r in requests if (FEEDBACK_MARK in r["messages"][1]["content"]) == later]


@pytest.fixture(scope="module")
def evolved(tmp_path_factory):
    """The killed-and-resumed evolve; the chat server is stopped when the tests run."""
    root = tmp_path_factory.mktemp("evolve")
    run_dir, marker, feedback = root / "run", root / "escaped.txt", root / "feedback.txt"
    feedback.write_text(HUMAN + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AGENTENVS_LLM_", "OPENAI_"))}
    with ChatServer(respond=respond(marker)) as server:
        argv = command(run_dir, server.url, feedback)
        with open(root / "killed.log", "w") as log:
            process = subprocess.Popen([*agentenvs_command(), *argv], stdout=log, stderr=subprocess.STDOUT, env=env,
                                       start_new_session=True)
            first = run_dir / "iter_00" / "iteration.json"
            deadline = time.monotonic() + 600
            while not first.exists() and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.1)
            os.killpg(process.pid, signal.SIGKILL)  # the evolve and every process it started
            killed = process.wait()
        assert first.exists(), (root / "killed.log").read_text()[-3000:]
        kept = [first, run_dir / "iter_00" / "analysis.txt", *(run_dir / "iter_00" / "runs").glob("*/result.json")]
        before = {p: p.stat().st_mtime_ns for p in kept}
        requests_at_kill = len(server.requests)
        code, out, err = run_main(argv)
        assert code == 0, err[-3000:]
    yield SimpleNamespace(run_dir=run_dir, root=root, marker=marker, feedback=feedback, requests=server.requests,
                          requests_at_kill=requests_at_kill, killed=killed, before=before, out=out, err=err, argv=argv,
                          url=server.url)


def test_the_run_directory_holds_prompts_replies_programs_reports_curves_and_scores(evolved):
    run = evolved.run_dir
    config = json.loads((run / "evolve.json").read_text())
    assert (config["iterations"], config["samples"], config["total_timesteps"]) == (2, 2, 256)
    first = json.loads((run / "iter_00" / "candidates.json").read_text())
    assert [(c["ok"], c["repairs"]) for c in first] == [(True, 0), (True, 1)]
    assert TASK in first[0]["attempts"][0]["messages"][1]["content"]
    assert "boxes_on_target" in first[0]["attempts"][0]["messages"][1]["content"]  # the env's reward_state_doc
    broken = first[1]["attempts"][0]
    assert broken["reply"] == BROKEN and "syntax" in broken["report"]["problems"][0]
    assert first[1]["attempts"][1]["messages"][-1]["content"].startswith("That reward function failed the checks")
    assert (run / "iter_00" / "program_0.py").read_text() == PROGRESS
    assert (run / "iter_00" / "program_1.py").read_text() == SOLVED
    record = json.loads((run / "iter_00" / "iteration.json").read_text())
    scores = {s["program"]: s for s in record["scores"]}
    assert set(scores) == {"program_0.py", "program_1.py"}
    assert set(scores["program_0.py"]["components"]) == {"progress"}
    assert set(scores["program_1.py"]["components"]) == {"solved", "step"}
    for score in scores.values():
        assert len(score["success"]) == 3  # evaluations at 0, 128 and 256 steps
        assert score["score"] == max(score["success"]) and 0.0 <= score["score"] <= 1.0
    assert record["best"]["score"] == max(s["score"] for s in scores.values())
    assert "task_score: [" in record["reflection"]
    runs = sorted((run / "iter_00" / "runs").glob("*/eval.jsonl"))
    assert len(runs) == 2 and score_run(runs[0].parent)[1] == scores[
        "program_0.py" if "program_0" in runs[0].parent.name else "program_1.py"]["success"]


def test_a_malicious_program_is_rejected_and_never_run(evolved):
    second = json.loads((evolved.run_dir / "iter_01" / "candidates.json").read_text())
    assert [(c["ok"], c["repairs"]) for c in second] == [(True, 0), (False, 1)]
    for attempt in second[1]["attempts"]:
        assert "rejected" in attempt["report"]["problems"][0] and "open" in attempt["report"]["problems"][0]
    assert not evolved.marker.exists()
    assert not (evolved.run_dir / "iter_01" / "program_1.py").exists()
    assert len(json.loads((evolved.run_dir / "iter_01" / "iteration.json").read_text())["scores"]) == 1


def test_the_reflection_and_the_human_feedback_reach_the_next_prompt(evolved):
    later = iteration_requests(evolved.requests, later=True)
    assert later, "iteration 1 never asked the server"
    prompt = later[0]["messages"][1]["content"]
    assert HUMAN in prompt and "task_score: [" in prompt and "The best reward function of the last iteration" in prompt
    best = json.loads((evolved.run_dir / "iter_00" / "iteration.json").read_text())["best"]["program"]
    assert (evolved.run_dir / "iter_00" / best).read_text() in prompt
    assert HUMAN in (evolved.run_dir / "iter_01" / "feedback.txt").read_text()
    assert all(HUMAN not in r["messages"][1]["content"] for r in iteration_requests(evolved.requests, later=False))


def test_the_trajectory_analysis_of_the_best_run_reaches_the_next_prompt(evolved):
    """analysis.txt holds the analyser's text on 4 evaluation episodes; the next prompt carries it verbatim."""
    first = evolved.run_dir / "iter_00"
    analysis = (first / "analysis.txt").read_text()
    lines = analysis.splitlines()
    assert lines[0].startswith("We played the policy trained with this reward function on 4 evaluation levels")
    failed = int(lines[1].split(" of 4 evaluation episodes failed.")[0])
    assert 0 <= failed <= 4
    record = json.loads((first / "iteration.json").read_text())
    assert record["analysis"] == analysis
    prompt = iteration_requests(evolved.requests, later=True)[0]["messages"][1]["content"]
    assert analysis in prompt and prompt.index("task_score: [") < prompt.index(analysis) < prompt.index(HUMAN)
    assert (evolved.run_dir / "iter_01" / "analysis.txt").exists()


def test_the_analysis_recomputed_from_the_checkpoint_is_the_same_and_a_failing_program_gives_its_error(evolved):
    first = evolved.run_dir / "iter_00"
    best = json.loads((first / "iteration.json").read_text())["best"]
    run, source = first / best["run"], (first / best["program"]).read_text()
    assert analyse_run(run, source, 4) == (first / "analysis.txt").read_text()
    out_of_range = "def compute_reward(state):\n    x = state['boxes'][:, 7, 0].float()\n    return x, {'x': x}\n"
    text = analyse_run(run, out_of_range, 1)
    assert "the reward function failed on the states it reached" in text and "index" in text.lower()


def test_the_resumed_run_did_not_redo_the_first_iteration(evolved):
    assert evolved.killed == -signal.SIGKILL
    assert {p: p.stat().st_mtime_ns for p in evolved.before} == evolved.before
    assert len(evolved.before) == 4  # iteration.json, analysis.txt and both runs' result.json
    assert "iteration 0: finished before, read back" in evolved.err
    assert len(iteration_requests(evolved.requests, later=False)) == 2  # the first request and one repair, once
    assert len(iteration_requests(evolved.requests[evolved.requests_at_kill:], later=False)) == 0


def test_the_best_program_is_retrained_and_summarised(evolved):
    run = evolved.run_dir
    summary = json.loads((run / "summary.json").read_text())
    records = [json.loads((run / f"iter_{i:02d}" / "iteration.json").read_text()) for i in (0, 1)]
    assert summary["iteration_scores"] == [r["best"]["score"] for r in records]
    assert summary["best"]["score"] == max(summary["iteration_scores"])
    best = summary["best"]
    source = (run / f"iter_{best['iteration']:02d}" / best["program"]).read_text()
    assert (run / "final" / "best.py").read_text() == source
    finals = list((run / "final" / "runs").glob("*__s1000__*/result.json"))
    assert len(finals) == 1 and len(summary["final_scores"]) == 1
    assert summary["final_score"] == summary["final_scores"][0] == score_run(finals[0].parent)[0]
    assert f"best program: {run / 'final' / 'best.py'}" in evolved.out
    assert "[evolve] final: retraining the best program" in evolved.err


def test_an_offline_replay_with_no_server_reproduces_the_programs_and_the_summary(evolved, tmp_path):
    """Programs come back from the cache alone; the grid finds their runs done (same program, same run)."""
    replay = tmp_path / "replay"
    shutil.copytree(evolved.run_dir, replay, ignore=shutil.ignore_patterns(
        "candidates.json", "program_*.py", "iteration.json", "feedback.txt", "summary.json", "best.py"))
    argv = command(replay, evolved.url, evolved.feedback, "--offline", "--json")
    code, out, err = run_main(argv)
    assert code == 0, err[-2000:]
    for i in (0, 1):
        original = evolved.run_dir / f"iter_{i:02d}"
        assert (replay / f"iter_{i:02d}" / "candidates.json").read_text() == (original / "candidates.json").read_text()
    assert json.loads(out) == json.loads((evolved.run_dir / "summary.json").read_text())
    assert "0 to run" in err and "asking the response cache of" in err
    assert err.count("trajectory analysis read back from") == 2  # analysis.txt on disk is not recomputed


def test_an_offline_replay_of_another_task_fails_on_the_cache_miss(evolved, tmp_path):
    shutil.copytree(evolved.run_dir / "llm_cache", tmp_path / "run" / "llm_cache")
    argv = command(tmp_path / "run", evolved.url, evolved.feedback, "--offline")
    argv[argv.index(TASK)] = "push the box into a corner"
    code, _, err = run_main(argv)
    lines = [line for line in err.splitlines() if line.startswith("error: ")]
    assert code == 2 and len(lines) == 1
    assert "cache='only' (offline replay) and no cached reply" in lines[0]
    assert not (tmp_path / "run" / "iter_00" / "candidates.json").exists()


def test_resuming_with_other_settings_is_refused(evolved):
    argv = command(evolved.run_dir, evolved.url, evolved.feedback, "--offline")
    argv[argv.index("256")] = "512"
    code, _, err = run_main(argv)
    assert code == 2 and "holds an evolve run with another configuration" in err


def test_evolve_in_python_reads_a_finished_run_back(evolved, tmp_path):
    client = ChatClient(model="test-model", base_url=evolved.url, cache="only", cache_dir=evolved.run_dir / "llm_cache")
    stream = io.StringIO()
    summary = evolve("agentenvs/Sokoban-Tiny-v0", TASK, 2, 2, 256, run_dir=evolved.run_dir, client=client,
                     n_envs=2, eval_freq=128, eval_episodes=2, final_seeds=1, critic_episodes=2, repair_rounds=1,
                     analysis_episodes=4,
                     hyperparams={"n_steps": 64, "batch_size": 64, "n_epochs": 1, "vector_kwargs": {"pool_size": 16}},
                     workers=1, human_feedback=lambda iteration, text: HUMAN, stream=stream)
    assert summary == json.loads((evolved.run_dir / "summary.json").read_text())
    assert client.requests_sent == 0 and stream.getvalue().count("finished before, read back") == 2
    with pytest.raises(ConfigError, match=r"unknown settings \['budgett'\]"):
        evolve("agentenvs/Sokoban-Tiny-v0", TASK, run_dir=tmp_path, budgett=5)


def test_the_analyser_turns_off(evolved, tmp_path):
    """--no-analysis (analysis_episodes=0): no analysis, no file; a negative count is a ConfigError."""
    assert build_parser().parse_args(["evolve", *command(tmp_path, evolved.url, evolved.feedback, "--no-analysis")[2:]]
                                     ).analysis_episodes == 0
    code, _, err = run_main([*command(tmp_path, evolved.url, evolved.feedback), "--analysis-episodes", "-1"])
    assert code == 2 and "--analysis-episodes is too small" in err
    best = json.loads((evolved.run_dir / "iter_00" / "iteration.json").read_text())["best"]
    config = EvolveConfig("agentenvs/Sokoban-Tiny-v0", TASK, analysis_episodes=0)
    client = ChatClient(model="test-model", base_url=evolved.url, cache="only", cache_dir=tmp_path / "llm_cache")
    assert Evolution(config, tmp_path / "off", client).analyse(ProgramScore(**best)) is None
    assert not (tmp_path / "off" / "iter_00" / "analysis.txt").exists()
    with pytest.raises(ConfigError, match="analysis_episodes must be an int >= 0"):
        EvolveConfig("agentenvs/Sokoban-Tiny-v0", TASK, analysis_episodes=-1)
