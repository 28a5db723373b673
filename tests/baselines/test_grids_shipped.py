"""Every grid shipped in baselines/grids/ parses and validates (no training)."""
from __future__ import annotations

from pathlib import Path

import pytest

from baselines.grid import load_spec, validate_names

GRIDS = sorted((Path(__file__).resolve().parents[2] / "baselines" / "grids").glob("*.yaml"))


def test_the_shipped_grids_are_found():
    assert {"demo.yaml", "example.yaml", "text_quest.yaml"} <= {p.name for p in GRIDS}


@pytest.mark.parametrize("path", GRIDS, ids=lambda p: p.stem)
def test_shipped_grid_parses_and_validates(path: Path):
    spec = load_spec(path)
    runs = spec.runs()
    assert len(runs) == len(spec.envs) * len(spec.shapers) * len(spec.algos) * len(spec.seeds) >= 1
    validate_names(runs)  # env ids and kwargs, algorithms, shapers, hyperparameters, device


def test_text_quest_grid_has_a_one_and_a_two_step_quest():
    spec = load_spec(next(p for p in GRIDS if p.stem == "text_quest"))
    assert {kwargs["quest_length"] for _, kwargs in spec.envs} == {1, 2}
    assert {env_id for env_id, _ in spec.envs} == {"agentenvs/TextQuest-Discrete-v0"}
    assert len(spec.seeds) == 3
