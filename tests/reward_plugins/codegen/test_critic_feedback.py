import math
import re

import pytest
import torch

from reward_plugins.codegen import critique, reward_reflection, summarise_failures
from reward_plugins.codegen.feedback import EpisodeLog
from reward_plugins.errors import RewardCodeError

STATES = {"a": torch.tensor([0.0, 1.0, 2.0])}


def returning(total, components=None):
    """A runner that returns fixed outputs, to show the critic each kind of bad output."""
    return lambda source, states: (total, {} if components is None else components)


def test_a_good_output_passes_with_statistics():
    report = critique(returning(torch.tensor([0.0, 1.0, 2.0]), {"a": torch.tensor([0.0, 0.5, 1.0])}), "src", STATES)
    assert report.ok and report.problems == []
    assert report.stats["total"] == {"min": 0.0, "mean": 1.0, "max": 2.0, "std": pytest.approx(math.sqrt(2 / 3))}
    assert report.stats["a"]["max"] == 1.0


@pytest.mark.parametrize("total, components, problem", [
    (torch.tensor([1.0, 1.0, 1.0]), {}, "1 for all 3 states"),
    (torch.tensor([[0.0], [1.0], [2.0]]), {}, r"shape \(3, 1\)"),
    (torch.tensor([0, 1, 2]), {}, "dtype torch.int64"),
    (torch.tensor([0.0, float("nan"), 1.0]), {}, "NaN or infinite in 1 of 3 rows"),
    ([0.0, 1.0, 2.0], {}, "list, not a torch tensor"),
    (torch.tensor([0.0, 1.0, 2.0]), {"b": torch.tensor([1.0, math.inf, 0.0])}, "component 'b' is NaN"),
    (torch.tensor([0.0, 1.0, 2.0]), [1.0], "components is a list"),
])
def test_each_bad_output_is_named(total, components, problem):
    report = critique(returning(total, components), "src", STATES)
    assert not report.ok
    assert any(re.search(problem, p) for p in report.problems), report.problems
    assert report.text().startswith("- ")


def test_a_runner_error_becomes_the_report_and_other_errors_propagate():
    def failing(source, states):
        raise RewardCodeError("line 2: name 'open' is not allowed")

    report = critique(failing, "src", STATES)
    assert not report.ok and "line 2: name 'open' is not allowed" in report.problems[0]

    def broken(source, states):
        raise KeyError("a bug in the runner itself")

    with pytest.raises(KeyError):
        critique(broken, "src", STATES)


def test_reflection_shows_ten_points_and_gives_the_matching_tips():
    components = {"distance": [float(i) for i in range(100)], "alive": [1.0] * 100,
                  "tiny": [1e-3 * i for i in range(100)]}
    text = reward_reflection(components, success=[0.0] * 100)
    line = next(s for s in text.splitlines() if s.startswith("distance:"))
    assert line == "distance: [0, 11, 22, 33, 44, 55, 66, 77, 88, 99], Max: 99, Mean: 49.5, Min: 0"
    assert "rewrite the whole reward function" in text
    assert "constant" in text and "alive" in text.split("constant")[1].split("\n")[0]
    assert "component distance is over 10x larger" in text
    calm = reward_reflection({"a": [0.1, 0.2, 0.3], "b": [0.3, 0.2, 0.1]}, success=[0.1, 0.5, 0.9])
    assert "rewrite" not in calm and "constant" not in calm and "larger" not in calm
    assert "task_score: [0.1, 0.5, 0.9], Max: 0.9, Mean: 0.5, Min: 0.1" in calm


def test_failure_summary_counts_loops_flat_components_and_final_state_gaps():
    won = EpisodeLog(True, {"progress": [0.0, 0.5, 1.0]}, {"boxes_on_targets": 2.0, "steps": 3.0}, ["a", "b", "c"])
    lost = EpisodeLog(False, {"progress": [0.0, 0.0, 0.0, 0.0]}, {"boxes_on_targets": 0.0, "steps": 4.0},
                      ["a", "b", "a", "b"])
    text = summarise_failures([won, lost])
    assert text.splitlines()[0] == "1 of 2 evaluation episodes failed."
    assert "revisited states in 50% of steps" in text
    assert "never changed within a failed episode: progress" in text
    lines = text.splitlines()
    assert lines.index("Final boxes_on_targets: 0 in failed episodes vs 2 in successful ones.") < \
        lines.index("Final steps: 4 in failed episodes vs 3 in successful ones.")
    assert summarise_failures([won]).startswith("0 of 1 evaluation episodes failed.")
    assert summarise_failures([]) == "No evaluation episodes were logged."
