"""The Ray backend against a real local Ray instance (started and shut down by ``run_grid``)."""
from __future__ import annotations

import io
import json
import sys

import pytest
import ray  # the set-up installs the ray extra: CI must fail, not skip, without it
from test_grid import CALLS_FILE, SPEC, write_run  # noqa: E402  (tests/baselines is on sys.path)

from baselines.config import RESULT_FILE
from baselines.grid import load_spec, run_grid


@pytest.mark.slow
def test_ray_backend_runs_each_run_once_and_shuts_down(tmp_path):
    assert not ray.is_initialized()
    # Ray workers do not see tests/ on their path: ship this test's run function by value.
    ray.cloudpickle.register_pickle_by_value(sys.modules[write_run.__module__])
    spec = {**SPEC, "algos": ["ppo", {"name": "a2c", "hyperparams": {"fail": True}}], "seeds": 1}
    log = io.StringIO()
    result = run_grid(spec, tmp_path, workers=2, backend="ray", run_fn=write_run, stream=log, tty=False)
    assert not ray.is_initialized()  # the instance run_grid started is shut down
    names = [c.run_name for c in load_spec(spec).runs()]
    ok = [n for n in names if "__ppo__" in n]
    assert sorted(result.states) == sorted(names)
    assert {result.states[n] for n in ok} == {"done"}
    assert sorted(result.failed) == sorted(set(names) - set(ok))
    assert all("planned failure" in result.errors[n] for n in result.failed), result.errors
    for name in ok:
        assert (tmp_path / name / CALLS_FILE).read_text() == "call\n"
        assert json.loads((tmp_path / name / RESULT_FILE).read_text())["run_name"] == name
    status = json.loads((tmp_path / "tiny.grid.json").read_text())
    assert status["backend"] == "ray"
    assert {n: r["state"] for n, r in status["runs"].items()} == result.states
    assert all(status["runs"][n]["steps"] == 400 for n in ok)  # step reports crossed the Ray queue
