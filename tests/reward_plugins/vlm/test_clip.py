"""vlm_clip with a tiny random CLIP saved to a folder and loaded by path (the real loading path, no network)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from reward_plugins import TransitionBatch, make_shaper
from reward_plugins.errors import ModelLoadError, ShaperConfigError
from reward_plugins.testing import check_shaper
from reward_plugins.vlm.clip import VLMClipReward
from reward_plugins.vlm.clip_model import load_clip
from reward_plugins.vlm.loading import clip_image_processor_class

transformers = pytest.importorskip("transformers")
Processor = clip_image_processor_class()
GOALS, BASELINES = ["all boxes on their targets", "a solved level"], ["a sokoban level"]


def no_chained_traceback(error):
    """One message: no exception from inside the hub client is shown with it."""
    return error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)


def frames(n, seed=0, side=40):
    return torch.randint(0, 256, (n, side, side, 3), dtype=torch.uint8, generator=torch.Generator().manual_seed(seed))


def reference_rewards(folder, batch, goals, baselines, alpha):
    """The way most VLM-RM users call it: CLIPImageProcessor, CLIPModel in fp32, VLM-RM's matrix formula."""
    model = transformers.CLIPModel.from_pretrained(folder).eval()
    tokenizer = transformers.AutoTokenizer.from_pretrained(folder)
    processor = Processor.from_pretrained(folder)

    def text(prompts):
        out = model.get_text_features(**tokenizer(prompts, padding=True, return_tensors="pt"))
        return F.normalize(getattr(out, "pooler_output", out), dim=-1)

    with torch.no_grad():
        pixels = processor(images=list(batch.numpy()), return_tensors="pt")["pixel_values"]
        out = model.get_image_features(pixel_values=pixels)
        x = F.normalize(getattr(out, "pooler_output", out), dim=-1)
        target, baseline = text(goals).mean(0), text(baselines).mean(0)
    d = (target - baseline)[None]
    projection = alpha * d.T @ d / d.norm() ** 2 + (1 - alpha) * torch.eye(d.shape[1])
    return 1 - ((x - target) @ projection).norm(dim=-1) ** 2 / 2


@pytest.mark.parametrize("alpha", [0.0, 0.5, 1.0])
def test_rewards_equal_the_reference_pipeline(tiny_clip, alpha):
    batch = frames(5)
    shaper = VLMClipReward(tiny_clip, GOALS, BASELINES, alpha=alpha, device="cpu")
    got = shaper(TransitionBatch(frames=batch, size=5))
    expected = reference_rewards(tiny_clip, batch, GOALS, BASELINES, alpha)
    assert got.dtype == torch.float32 and got.shape == (5,)
    torch.testing.assert_close(got, expected, atol=2e-3, rtol=0)  # preprocessing differs by <= 2 uint8 levels


def test_alpha_zero_is_the_cosine_similarity_of_frame_and_single_goal(tiny_clip):
    shaper = VLMClipReward(tiny_clip, "all boxes on their targets", alpha=0.0, device="cpu")
    batch = frames(4, seed=1)
    x, g = shaper.clip.embed_frames(batch), shaper.clip.embed_text(["all boxes on their targets"])[0]
    torch.testing.assert_close(shaper(TransitionBatch(frames=batch, size=4)), x @ g)


def test_rewards_do_not_depend_on_batch_size_or_chunking(tiny_clip):
    batch = frames(6, seed=2)
    whole = VLMClipReward(tiny_clip, GOALS, BASELINES, device="cpu")(TransitionBatch(frames=batch, size=6))
    chunked = VLMClipReward(tiny_clip, GOALS, BASELINES, chunk_size=4, device="cpu")(
        TransitionBatch(frames=batch, size=6))
    single = VLMClipReward(tiny_clip, GOALS, BASELINES, device="cpu")
    alone = torch.cat([single(TransitionBatch(frames=batch[i:i + 1], size=1)) for i in range(6)])
    torch.testing.assert_close(chunked, whole, atol=1e-5, rtol=0)
    torch.testing.assert_close(alone, whole, atol=1e-5, rtol=0)


def test_goals_from_each_envs_instruction(tiny_clip):
    batch = frames(3, seed=3)
    per_env = VLMClipReward(tiny_clip, baseline_prompts=BASELINES, device="cpu")
    assert per_env.requires == {"frames", "instruction"}
    instructions = ["push the box left", "open the red door", "push the box left"]
    got = per_env(TransitionBatch(frames=batch, instruction=instructions, size=3))
    for i, instruction in enumerate(instructions):
        fixed = VLMClipReward(tiny_clip, instruction, BASELINES, device="cpu")
        torch.testing.assert_close(got[i], fixed(TransitionBatch(frames=batch[i:i + 1], size=1))[0])
    assert per_env._instructions.lookups == 3 and per_env._instructions.hits == 1  # each instruction embedded once


def test_frame_cache_hits_repeated_frames_and_changes_no_reward(tiny_clip):
    distinct = frames(3, seed=4)
    batch = distinct[[0, 1, 0, 2, 1, 0]]
    plain = VLMClipReward(tiny_clip, GOALS, BASELINES, device="cpu")
    cached = VLMClipReward(tiny_clip, GOALS, BASELINES, cache_size=2, device="cpu")
    first = cached(TransitionBatch(frames=batch, size=6))
    assert cached.cache.lookups == 6 and cached.cache.hits == 3  # three frames embedded, three repeats
    torch.testing.assert_close(first, plain(TransitionBatch(frames=batch, size=6)), atol=1e-5, rtol=0)
    again = cached(TransitionBatch(frames=distinct[[2, 1]], size=2))  # the two most recent stay cached
    assert cached.cache.hits == 5 and len(cached.cache.entries) == 2
    torch.testing.assert_close(again, first[[3, 4]], atol=1e-5, rtol=0)


def test_the_model_is_loaded_once_and_kept_out_of_the_state_dict(tiny_clip):
    a = make_shaper("vlm_clip", model=str(tiny_clip), goal_prompts=GOALS, baseline_prompts=BASELINES, device="cpu")
    b = make_shaper("vlm_clip", model=str(tiny_clip), goal_prompts="x", alpha=0, device="cpu")
    assert a.clip is b.clip and a.state_dict() == {}
    assert all(not p.requires_grad for p in a.clip.model.parameters())


def test_keeps_the_shaper_contract(tiny_clip):
    done = check_shaper("vlm_clip", {"model": str(tiny_clip), "baseline_prompts": BASELINES})
    assert "batch invariance" in done  # stateless: rows scored independently


def test_resize_mode_squash_is_offered(tiny_clip):
    batch = torch.zeros(2, 30, 60, 3, dtype=torch.uint8)
    batch[:, :, :8] = 255  # white only at the left edge: the aspect-preserving crop drops it, squashing keeps it
    squash = VLMClipReward(tiny_clip, GOALS, BASELINES, resize="squash", device="cpu")
    crop = VLMClipReward(tiny_clip, GOALS, BASELINES, device="cpu")
    assert squash.clip.transform.mode == "squash" and squash.clip is not crop.clip
    black = VLMClipReward(tiny_clip, GOALS, BASELINES, device="cpu")(
        TransitionBatch(frames=torch.zeros(1, 30, 30, 3, dtype=torch.uint8), size=1))
    torch.testing.assert_close(crop(TransitionBatch(frames=batch, size=2)), black.expand(2))
    assert not torch.allclose(squash(TransitionBatch(frames=batch, size=2)), black.expand(2))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_on_cuda_weights_are_fp16_and_rewards_stay_on_the_gpu(tiny_clip):
    shaper = VLMClipReward(tiny_clip, GOALS, BASELINES, device="cuda")
    assert next(shaper.clip.model.parameters()).dtype == torch.float16
    assert next(shaper.clip.model.parameters()).device.type == "cuda"
    batch = frames(8, seed=5)
    out = shaper(TransitionBatch(frames=batch.cuda(), size=8))
    assert out.device.type == "cuda" and out.dtype == torch.float32
    cpu = VLMClipReward(tiny_clip, GOALS, BASELINES, device="cpu")(TransitionBatch(frames=batch, size=8))
    torch.testing.assert_close(out.cpu(), cpu, atol=2e-2, rtol=0)
    bf16 = VLMClipReward(tiny_clip, GOALS, BASELINES, precision="bf16", device="cuda")
    assert next(bf16.clip.model.parameters()).dtype == torch.bfloat16


def test_device_placement_on_cpu(tiny_clip):
    shaper = VLMClipReward(tiny_clip, GOALS, BASELINES, device="cpu", precision="bf16")
    assert next(shaper.clip.model.parameters()).dtype == torch.bfloat16
    out = shaper(TransitionBatch(frames=frames(2), size=2))
    assert out.device.type == "cpu" and out.dtype == torch.float32


def test_a_missing_folder_says_how_to_get_the_weights(tmp_path):
    with pytest.raises(ModelLoadError) as info:
        load_clip(tmp_path / "no-such-clip", "cpu")
    message = str(info.value)
    assert "no CLIP model folder" in message and "save_pretrained" in message
    assert no_chained_traceback(info.value)


def test_a_model_id_offline_and_not_cached_says_how_to_get_the_weights(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelLoadError, match="offline mode.*save_pretrained") as info:
        load_clip("someone/clip-that-is-not-cached", "cpu")
    assert no_chained_traceback(info.value)


def test_a_folder_without_weights_is_reported(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ModelLoadError, match="cannot load the CLIP model"):
        load_clip(tmp_path, "cpu")


def test_bad_arguments_are_refused(tiny_clip):
    with pytest.raises(ShaperConfigError, match="baseline_prompts"):
        VLMClipReward(tiny_clip, GOALS, device="cpu")
    with pytest.raises(ShaperConfigError, match="goal_prompts"):
        VLMClipReward(tiny_clip, [], BASELINES, device="cpu")
    with pytest.raises(ShaperConfigError, match="fp16"):
        VLMClipReward(tiny_clip, GOALS, BASELINES, precision="fp16", device="cpu")
    shaper = VLMClipReward(tiny_clip, GOALS, BASELINES, device="cpu")
    with pytest.raises(ShaperConfigError, match="uint8"):
        shaper(TransitionBatch(frames=torch.zeros(2, 8, 8, 3), size=2))


def test_scores_sokoban_visual_frames_through_the_vector_wrapper(tiny_clip):
    import gymnasium as gym

    import agentenvs  # noqa: F401  (registers the envs)
    from reward_plugins import ShapedVectorEnv

    venv = gym.make_vec("agentenvs/Sokoban-Visual-v0", num_envs=2, vectorization_mode="sync")
    shaped = ShapedVectorEnv(venv, [{"name": "vlm_clip", "model": str(tiny_clip), "baseline_prompts": "a sokoban level",
                                     "cache_size": 64, "device": "cpu"}])
    shaped.reset(seed=0)
    rewards = []
    for _ in range(3):
        _, reward, _, _, info = shaped.step(np.array([1, 2]))
        rewards.append(reward)
    assert np.isfinite(rewards).all() and "vlm_clip" in info["reward_components"]
    shaped.close()
