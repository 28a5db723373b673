"""Kill a grid for real (SIGKILL of the driver and its workers) and restart it: every run ends
with exactly one complete result, none is trained twice, no evaluation line is duplicated."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from baselines.config import CHECKPOINT_DIR, EVAL_FILE, RESULT_FILE
from baselines.grid import load_spec, run_grid

TOTAL = 2048
EVAL_FREQ = 512

SPEC = {
    "name": "crash",
    "envs": ["CartPole-v1"],
    "shapers": ["none"],
    "algos": [{"name": "ppo", "hyperparams": {"n_steps": 64, "batch_size": 128, "n_epochs": 1,
                                              "policy_kwargs": {"net_arch": [16]}}}],
    "seeds": 4,
    "budget": {"total_timesteps": TOTAL, "n_envs": 4, "eval_freq": EVAL_FREQ, "eval_episodes": 2,
               "checkpoint_freq": EVAL_FREQ, "device": "cpu"},
}

DRIVER = """
import sys
from baselines.grid import run_grid
run_grid(sys.argv[1], sys.argv[2], workers=2, tty=False)
"""


def _state(run_dir: Path) -> str:
    if (run_dir / RESULT_FILE).exists():
        return "complete"
    if list((run_dir / CHECKPOINT_DIR).glob("state_*.json")):
        return "checkpointed"
    return "other"


def _latest_checkpoint_steps(run_dir: Path) -> int:
    return max(int(p.stem.split("_")[1]) for p in (run_dir / CHECKPOINT_DIR).glob("state_*.json"))


@pytest.mark.slow
def test_sigkill_midway_then_restart_finishes_every_run_once(tmp_path):
    spec_path = tmp_path / "crash.yaml"
    spec_path.write_text(yaml.safe_dump(SPEC))
    runs_dir = tmp_path / "runs"
    run_dirs = [runs_dir / c.run_name for c in load_spec(spec_path).runs()]
    driver = subprocess.Popen([sys.executable, "-c", DRIVER, str(spec_path), str(runs_dir)], start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            states = [_state(d) for d in run_dirs]
            if "complete" in states and "checkpointed" in states:
                break
            assert driver.poll() is None, driver.stderr.read().decode()[-3000:]
            time.sleep(0.1)
        else:
            pytest.fail("the grid never had a complete and a partly trained run at once")
    finally:
        os.killpg(driver.pid, signal.SIGKILL)
        driver.wait()
        driver.stderr.close()
    complete_before = {d: (d / RESULT_FILE).read_text() for d in run_dirs if (d / RESULT_FILE).exists()}
    partial = {d: _latest_checkpoint_steps(d) for d in run_dirs if _state(d) == "checkpointed"}
    assert complete_before and partial and len(complete_before) < len(run_dirs)

    result = run_grid(spec_path, runs_dir, workers=2, tty=False)

    assert result.ok
    for run_dir in run_dirs:
        final = json.loads((run_dir / RESULT_FILE).read_text())
        assert final["complete"] and final["timesteps"] == TOTAL
        steps = [json.loads(line)["timesteps"] for line in (run_dir / EVAL_FILE).read_text().splitlines()]
        assert steps == sorted(set(steps)), f"duplicated or unordered eval lines in {run_dir.name}: {steps}"
        assert steps[0] == 0 and steps[-1] == TOTAL
        assert not list(run_dir.glob("*.tmp"))
    for run_dir, text in complete_before.items():
        assert (run_dir / RESULT_FILE).read_text() == text  # not trained again
        assert result.states[run_dir.name] == "skipped"
    for run_dir, steps in partial.items():
        resumed = json.loads((run_dir / RESULT_FILE).read_text())["resumed_from"]
        assert resumed == [steps]  # continued from its latest checkpoint, not from scratch
