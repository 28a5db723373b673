"""gaussian_point, gaussian_coverage and gaussian_grounding against hand computations."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from reward_plugins import TransitionBatch, make_shaper
from reward_plugins.errors import MissingInputError, RewardStateError, ShaperConfigError


def batch(**state) -> TransitionBatch:
    tensors = {k: torch.tensor(v, dtype=torch.float32) for k, v in state.items()}
    return TransitionBatch(reward_state=tensors, size=len(next(iter(state.values()))))


def test_point_reward_is_the_targets_gaussian_density():
    # target (10, 20)-(30, 60): centre (20, 40), sigma = 0.5 * (20, 40) = (10, 20)
    b = batch(cursor=[[20, 40], [25, 50], [30, 40], [20, 0], [0, 0]], target_box=[[10, 20, 30, 60]] * 5)
    got = make_shaper("gaussian_point", device="cpu")(b)
    want = [1.0, math.exp(-0.5 * (0.5**2 + 0.5**2)), math.exp(-0.5), math.exp(-0.5 * 4), math.exp(-0.5 * (4 + 4))]
    assert got.dtype == torch.float32 and got.tolist() == pytest.approx(want, rel=1e-6)


def test_point_reward_alpha_and_corner_order():
    # alpha 0.25 halves sigma to (5, 10); corners given high-first describe the same box
    b = batch(cursor=[[25, 50]], target_box=[[30, 60, 10, 20]])
    assert make_shaper("gaussian_point", alpha=0.25, device="cpu")(b).item() == pytest.approx(math.exp(-0.5 * 2))


def test_point_reward_scores_a_boxs_centre_like_gui_g2():
    b = batch(pred_box=[[20, 40, 30, 60]], target_box=[[10, 20, 30, 60]])  # centre (25, 50)
    got = make_shaper("gaussian_point", point_key="pred_box", device="cpu")(b)
    assert got.item() == pytest.approx(math.exp(-0.25))


def test_zero_width_boxes_and_far_points_are_finite():
    b = batch(cursor=[[10, 40], [11, 40], [1e9, -1e9], [3e38, 3e38], [10, 40]],
              target_box=[[10, 20, 10, 60], [10, 20, 10, 60], [10, 20, 30, 60], [10, 20, 30, 60], [10, 40, 10, 40]])
    got = make_shaper("gaussian_point", device="cpu")(b)
    assert torch.isfinite(got).all()
    # on the zero-width box's line: only the y term counts; 1 pixel off it, sigma_x = 1e-3: exp(-5e5) = 0
    assert got.tolist() == pytest.approx([1.0, 0.0, 0.0, 0.0, 1.0])


def gui_g2_coverage(pred, target, alpha=0.5, eps=1e-8):
    """GUI-G²'s own computation, with full covariance matrices, inverse and determinants."""
    def gaussian(box):
        x1, y1, x2, y2 = box
        mu = np.array([(x1 + x2) / 2, (y1 + y2) / 2])
        return mu, np.diag([(alpha * (x2 - x1)) ** 2, (alpha * (y2 - y1)) ** 2])

    (m1, c1), (m2, c2) = gaussian(pred), gaussian(target)
    c = (c1 + c2) / 2
    d = m1 - m2
    term1 = d @ np.linalg.inv(c + eps * np.eye(2)) @ d / 8
    term2 = 0.5 * np.log(np.linalg.det(c) / np.sqrt(np.linalg.det(c1) * np.linalg.det(c2) + eps))
    return math.exp(-(term1 + term2))


def test_coverage_reward_hand_cases():
    target = [0, 0, 20, 20]  # sigma 10
    b = batch(pred_box=[target, [10, 0, 30, 20], [5, 5, 15, 15], [10, 10, 30, 30]], target_box=[target] * 4)
    got = make_shaper("gaussian_coverage", device="cpu")(b).tolist()
    # shifted by 10 on x: D_B = 10^2 / 100 / 8; half size, same centre: per axis ln(62.5 / sqrt(25 * 100)) / 2
    want = [1.0, math.exp(-0.125), math.exp(-2 * math.log(62.5 / 50) / 2), math.exp(-200 / 100 / 8)]
    assert got == pytest.approx(want, rel=1e-6)
    assert want[2] == pytest.approx(0.8)


def test_coverage_reward_matches_gui_g2s_matrix_formula():
    rng = np.random.default_rng(0)
    low = rng.uniform(0, 500, (64, 2, 2))
    boxes = np.concatenate([low, low + rng.uniform(2, 200, (64, 2, 2))], axis=2)  # [64, pred/target, 4]
    b = batch(pred_box=boxes[:, 0].tolist(), target_box=boxes[:, 1].tolist())
    got = make_shaper("gaussian_coverage", device="cpu")(b).numpy()
    want = [gui_g2_coverage(p, t) for p, t in boxes]
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-7)


def test_coverage_of_degenerate_and_distant_boxes_is_finite():
    b = batch(pred_box=[[10, 0, 10, 20], [10, 10, 10, 10], [1e30, 1e30, 1e30, 1e30], [0, 0, 20, 20]],
              target_box=[[0, 0, 20, 20], [10, 10, 10, 10], [0, 0, 20, 20], [1e9, 0, 1e9, 0]])
    got = make_shaper("gaussian_coverage", device="cpu")(b)
    assert torch.isfinite(got).all() and ((got >= 0) & (got <= 1)).all()
    # a zero-width box against a 20 x 20 one, same centre: x axis ln(((1e-6 + 100) / 2) / (1e-3 * 10)) / 2
    x_term = math.log((1e-6 + 100) / 2 / (1e-3 * 10)) / 2
    assert got[0].item() == pytest.approx(math.exp(-x_term), rel=1e-4)
    assert got[1].item() == pytest.approx(1.0)  # two identical points
    assert got[2].item() == 0.0 and got[3].item() == 0.0


def test_grounding_sums_point_and_coverage_and_reports_both():
    b = batch(pred_box=[[10, 0, 30, 20], [0, 0, 20, 20]], target_box=[[0, 0, 20, 20]] * 2)
    shaper = make_shaper("gaussian_grounding", point_weight=2.0, coverage_weight=0.5, device="cpu")
    got = shaper(b)
    point = [math.exp(-0.5 * (10 / 10) ** 2), 1.0]
    coverage = [math.exp(-0.125), 1.0]
    assert got.tolist() == pytest.approx([2 * p + 0.5 * c for p, c in zip(point, coverage)], rel=1e-6)
    assert shaper.components() == ["gaussian_point", "gaussian_coverage"]
    assert shaper.last_components["gaussian_coverage"].tolist() == pytest.approx(coverage, rel=1e-6)


def test_keys_are_configurable():
    b = batch(mouse=[[20, 40]], goal=[[10, 20, 30, 60]])
    assert make_shaper("gaussian_point", point_key="mouse", target_key="goal", device="cpu")(b).item() == 1.0


def test_a_missing_key_names_it_the_argument_and_the_keys_there():
    b = batch(pointer=[[1, 2]], target_box=[[0, 0, 4, 4]])
    with pytest.raises(RewardStateError, match=r"reward_state\['cursor'\].*\['pointer', 'target_box'\].*point_key="):
        make_shaper("gaussian_point", device="cpu")(b)
    assert issubclass(RewardStateError, MissingInputError)


def test_a_wrong_shape_is_refused_with_the_shapes_expected():
    b = batch(cursor=[[1, 2, 3]], target_box=[[0, 0, 4, 4]])
    with pytest.raises(RewardStateError, match=r"reward_state\['cursor'\] as shape \(1, 2\) or \(1, 4\).*got \(1, 3\)"):
        make_shaper("gaussian_point", device="cpu")(b)


@pytest.mark.parametrize("name", ["gaussian_point", "gaussian_coverage", "gaussian_grounding", "gaussian_potential"])
@pytest.mark.parametrize("kwargs, detail", [({"alpha": 0.0}, "alpha"), ({"min_sigma": -1.0}, "min_sigma"),
                                            ({"target_key": ""}, "target_key")])
def test_bad_arguments_are_refused(name, kwargs, detail):
    with pytest.raises(ShaperConfigError, match=detail):
        make_shaper(name, device="cpu", **kwargs)
