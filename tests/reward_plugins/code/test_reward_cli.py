"""``agentenvs reward check``: through the real ``agentenvs`` command dispatch, on Sokoban and TextQuest."""
import json

import pytest

from agentenvs.cli import main
from reward_plugins.code.examples import EXAMPLES

pytest.importorskip("matplotlib")


def write(tmp_path, name, source):
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    return path


def test_check_previews_a_sokoban_program_on_random_and_oracle_episodes(tmp_path, capsys):
    path = write(tmp_path, "progress", EXAMPLES["sokoban_progress"].source)
    png = tmp_path / "out" / "preview.png"
    code = main(["reward", "check", str(path), "--env", "agentenvs/Sokoban-Tiny-v0", "--episodes", "2",
                 "--max-steps", "40", "--png", str(png), "--json"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["oracle"] and summary["fields"] == ["boxes_on_target", "num_boxes", "success"]
    oracle, random = summary["stats"]["oracle"], summary["stats"]["random"]
    assert oracle["solved"]["max"] == 10.0 and oracle["progress"]["max"] == 1.0  # the oracle solves its levels
    assert oracle["total"]["steps"] >= 2 and random["total"]["steps"] >= 2
    assert random["progress"]["min"] == 0.0 and set(random) == {"total", "progress", "solved"}
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000


def test_check_prints_tables_for_a_text_env(tmp_path, capsys):
    path = write(tmp_path, "quest", EXAMPLES["quest_late_subgoals"].source)
    code = main(["reward", "check", str(path), "--env", "agentenvs/TextQuest-v0", "--episodes", "1",
                 "--max-steps", "30"])
    out = capsys.readouterr().out
    assert code == 0
    assert "random policy, 1 episodes" in out and "oracle policy, 1 episodes" in out and "weighted" in out
    assert (tmp_path / "quest.png").exists()


def test_constant_components_are_flagged(tmp_path, capsys):
    source = ("def compute_reward(state):\n    flat = torch.zeros_like(state['steps'], dtype=torch.float32) + 0.5\n"
              "    return flat + state['success'].float(), {'flat': flat}\n")
    code = main(["reward", "check", str(write(tmp_path, "flat", source)), "--env", "agentenvs/Sokoban-Tiny-v0",
                 "--episodes", "1", "--max-steps", "10"])
    assert code == 0
    assert "warning: 'flat' is constant" in capsys.readouterr().out


@pytest.mark.parametrize(("source", "status", "message"), [
    ("import os\ndef compute_reward(state):\n    return state['steps'], {}\n", 2, "(import): line 1"),
    ("def compute_reward(state):\n    return state['box_on_target'].float(), {}\n", 2,
     "(field): line 2: state['box_on_target'] is not a field"),
    ("def compute_reward(state):\n    return state['steps'].float() / 0 + torch.ones(1000), {}\n", 1,
     "failed in the sandbox (exception)"),
], ids=["rejected", "unknown field", "fails when run"])
def test_bad_programs_exit_with_one_line(tmp_path, capsys, source, status, message):
    code = main(["reward", "check", str(write(tmp_path, "bad", source)), "--env", "agentenvs/Sokoban-Tiny-v0",
                 "--episodes", "1", "--max-steps", "5"])
    err = capsys.readouterr().err
    assert code == status and message in err and err.startswith("error: ") and err.count("\n") == 1


def test_an_env_without_a_reward_state_is_refused(tmp_path, capsys):
    path = write(tmp_path, "progress", EXAMPLES["sokoban_progress"].source)
    assert main(["reward", "check", str(path), "--env", "CartPole-v1"]) == 2
    assert "CartPole-v1 has no reward_state()" in capsys.readouterr().err
