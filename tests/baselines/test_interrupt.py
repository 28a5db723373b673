"""Ctrl-C during `train`: a checkpoint, one line saying how to resume, exit status 130; the
printed command then finishes the run from that checkpoint."""
from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time

import pytest

from baselines.config import RESULT_FILE

STEPS = 20_096  # whole rollouts (n_steps x n_envs = 128): no rounding notice on stderr


def _train_command(run_dir) -> list[str]:
    return ["train", "--env", "CartPole-v1", "--steps", str(STEPS), "--n-envs", "2", "--eval-freq", "100000",
            "--eval-episodes", "1", "--checkpoint-freq", "100000", "--device", "cpu", "--hp", "n_steps=64",
            "--hp", "batch_size=64", "--hp", "n_epochs=1", "--out", str(run_dir)]


def _cli(args: list[str], **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    return subprocess.Popen([sys.executable, "-m", "baselines.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, **kwargs)


@pytest.mark.slow
def test_sigint_checkpoints_and_the_printed_command_resumes(tmp_path):
    run_dir = tmp_path / "run"
    process = _cli(_train_command(run_dir))
    monitor = run_dir / "monitor.csv"
    deadline = time.monotonic() + 120
    while not (monitor.exists() and len(monitor.read_text().splitlines()) > 12):  # ten episodes: training runs
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)

    assert process.returncode == 130, err
    assert "Traceback" not in err and err.count("\n") == 1, err
    steps = int(err.split("interrupted at step ")[1].split(":")[0])
    assert 0 < steps < STEPS
    assert not (run_dir / RESULT_FILE).exists()
    assert (run_dir / "checkpoints" / f"state_{steps}.json").exists()
    command = shlex.split(err.split("resume with: ")[1])
    assert command[:2] == ["agentenvs-baselines", "train"]

    resumed = _cli(command[1:])
    out, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err
    result = json.loads((run_dir / RESULT_FILE).read_text())
    assert result["resumed_from"] == [steps] and result["timesteps"] >= STEPS


def test_the_interruption_survives_pickling_to_a_grid_driver(tmp_path):
    import pickle

    from baselines.train import TrainingInterrupted

    # a pool worker sends its exception to the driver pickled
    again = pickle.loads(pickle.dumps(TrainingInterrupted(tmp_path, 384)))
    assert isinstance(again, KeyboardInterrupt) and again.run_dir == tmp_path and again.timesteps == 384
    assert str(again) == f"training interrupted at step 384; checkpoint saved in {tmp_path}"
