"""VLM-RM's goal-baseline projection reward against its matrix definition and hand-made cases."""
import pytest
import torch
import torch.nn.functional as F

from reward_plugins.errors import ShaperConfigError
from reward_plugins.vlm.projection import check_alpha, mean_direction, projected_reward


def vlmrm_reward(x, target, baseline, alpha):
    """VLM-RM's reward_model.py, written out: P = alpha d^T d / ||d||^2 + (1 - alpha) I; 1 - ||(x - t) P||^2 / 2."""
    d = (target - baseline)[None]
    projection = alpha * (d.T @ d) / torch.linalg.norm(d) ** 2 + (1 - alpha) * torch.eye(d.shape[1], dtype=d.dtype)
    x = x / torch.linalg.norm(x, dim=-1, keepdim=True)
    return 1 - (torch.linalg.norm((x - target) @ projection, dim=-1) ** 2) / 2


@pytest.mark.parametrize("alpha", [0.0, 0.25, 0.5, 0.9, 1.0])
def test_reward_equals_the_matrix_formula(alpha):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(7, 12, generator=g, dtype=torch.float64)
    target = mean_direction(torch.randn(3, 12, generator=g, dtype=torch.float64)).double()
    baseline = mean_direction(torch.randn(2, 12, generator=g, dtype=torch.float64)).double()
    expected = vlmrm_reward(x, target, baseline, alpha)
    got = projected_reward(x, target, baseline, alpha)
    assert got.dtype == torch.float32 and got.shape == (7,)
    torch.testing.assert_close(got.double(), expected, rtol=0, atol=1e-5)


def test_goal_and_baseline_are_means_of_normalised_prompt_embeddings():
    prompts = torch.tensor([[3.0, 4.0], [0.0, 2.0]])
    torch.testing.assert_close(mean_direction(prompts), torch.tensor([0.3, 0.9]))


def test_alpha_zero_is_plain_cosine_similarity_to_a_single_goal():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(5, 8, generator=g)
    goal = F.normalize(torch.randn(8, generator=g), dim=0)
    torch.testing.assert_close(projected_reward(x, goal, None, 0.0), F.normalize(x, dim=-1) @ goal)


def test_alpha_one_only_sees_progress_along_the_goal_baseline_direction():
    goal, baseline = torch.tensor([0.6, 0.8, 0.0]), torch.tensor([-0.6, 0.8, 0.0])  # d along the first axis
    same_progress = torch.tensor([[0.6, 0.8, 0.0], [0.6, 0.0, 0.8], [0.6, -0.8, 0.0]])
    torch.testing.assert_close(projected_reward(same_progress, goal, baseline, 1.0), torch.ones(3))
    toward_baseline = torch.tensor([[-0.6, 0.8, 0.0]])  # x = b: 1 - (1.2)^2 / 2
    torch.testing.assert_close(projected_reward(toward_baseline, goal, baseline, 1.0), torch.tensor([1 - 0.72]))
    # at alpha = 0.5 the orthogonal difference counts again, with weight (1 - alpha)^2
    half = projected_reward(same_progress, goal, baseline, 0.5)
    torch.testing.assert_close(half, torch.tensor([1.0, 1 - 0.25 * 1.28 / 2, 1 - 0.25 * 2.56 / 2]))


def test_rows_may_have_their_own_goals():
    g = torch.Generator().manual_seed(2)
    x, goals = torch.randn(4, 6, generator=g), F.normalize(torch.randn(4, 6, generator=g), dim=-1)
    baseline = F.normalize(torch.randn(6, generator=g), dim=0)
    rows = projected_reward(x, goals, baseline, 0.5)
    one_by_one = torch.stack([projected_reward(x[i:i + 1], goals[i], baseline, 0.5)[0] for i in range(4)])
    torch.testing.assert_close(rows, one_by_one)


def test_the_goal_itself_scores_the_maximum_of_one():
    goal = F.normalize(torch.tensor([1.0, 2.0, 3.0]), dim=0)
    baseline = F.normalize(torch.tensor([3.0, 1.0, 0.0]), dim=0)
    others = F.normalize(torch.randn(20, 3, generator=torch.Generator().manual_seed(3)), dim=-1)
    for alpha in (0.0, 0.5, 1.0):
        assert projected_reward(goal[None], goal, baseline, alpha).item() == pytest.approx(1.0)
        assert (projected_reward(others, goal, baseline, alpha) <= 1.0 + 1e-6).all()


@pytest.mark.parametrize("alpha", [-0.1, 1.5, "half", None])
def test_alpha_outside_zero_one_is_refused(alpha):
    with pytest.raises(ShaperConfigError, match="alpha"):
        check_alpha(alpha)


def test_alpha_above_zero_without_a_baseline_is_refused():
    with pytest.raises(ShaperConfigError, match="baseline"):
        projected_reward(torch.ones(1, 2), torch.tensor([1.0, 0.0]), None, 0.5)
