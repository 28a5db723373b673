"""Batched torch CLIP preprocessing against transformers' CLIPImageProcessor and hand-made frames."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from reward_plugins.errors import ShaperConfigError
from reward_plugins.vlm.loading import clip_image_processor_class
from reward_plugins.vlm.preprocess import CLIP_MEAN, CLIP_STD, PROCESSOR_TOLERANCE, ImageTransform

transformers = pytest.importorskip("transformers")
#: The processor CLIPImageProcessor is without torchvision (transformers >= 5), and in transformers 4.
Processor = clip_image_processor_class()


@pytest.mark.parametrize("shape", [(84, 84), (160, 160), (224, 224), (300, 200), (120, 250), (480, 640)])
def test_shortest_edge_mode_matches_clip_image_processor(shape):
    rng = np.random.default_rng(sum(shape))
    noise = rng.integers(0, 256, (3, *shape, 3), dtype=np.uint8)
    ramp = np.broadcast_to(np.linspace(0, 255, shape[1]).astype(np.uint8)[None, None, :, None], (1, *shape, 3))
    frames = np.concatenate([noise, ramp])
    expected = Processor()(images=list(frames), return_tensors="pt")["pixel_values"]
    got = ImageTransform()(torch.from_numpy(frames))
    assert got.shape == expected.shape == (4, 3, 224, 224)
    assert (got - expected).abs().max().item() <= PROCESSOR_TOLERANCE
    assert (got - expected).abs().mean().item() < 1e-4  # nearly every value identical


def test_a_constant_frame_normalises_to_the_closed_form_in_both_modes():
    frames = torch.tensor([10, 128, 250], dtype=torch.uint8).expand(2, 90, 60, 3).contiguous()
    expected = (torch.tensor([10, 128, 250]) / 255.0 - torch.tensor(CLIP_MEAN)) / torch.tensor(CLIP_STD)
    for mode in ("shortest_edge", "squash"):
        out = ImageTransform(size=32, crop=32, mode=mode)(frames)
        assert out.shape == (2, 3, 32, 32)
        torch.testing.assert_close(out, expected.view(1, 3, 1, 1).expand_as(out), atol=1e-5, rtol=0)


def test_squash_mode_resizes_both_sides_like_vlmrm_and_crops_nothing():
    frames = torch.randint(0, 256, (2, 50, 100, 3), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    out = ImageTransform(size=40, crop=40, mode="squash")(frames)
    resized = F.interpolate(frames.permute(0, 3, 1, 2).float() / 255, size=(40, 40), mode="bicubic", antialias=True)
    expected = (resized - torch.tensor(CLIP_MEAN).view(1, 3, 1, 1)) / torch.tensor(CLIP_STD).view(1, 3, 1, 1)
    torch.testing.assert_close(out, expected, atol=1e-4, rtol=0)


def test_shortest_edge_keeps_the_aspect_ratio_and_crops_the_centre():
    transform = ImageTransform(size=20, crop=20)
    assert transform.output_size(50, 100) == (20, 40)
    assert transform.output_size(100, 50) == (40, 20)
    frame = torch.zeros(1, 20, 60, 3, dtype=torch.uint8)
    frame[:, :, 20:40] = 255  # a white centre third: the crop keeps exactly it
    out = transform(frame)
    torch.testing.assert_close(out, ((1.0 - torch.tensor(CLIP_MEAN)) / torch.tensor(CLIP_STD)).view(1, 3, 1, 1)
                               .expand_as(out))


def test_the_transform_reads_a_processor_config():
    config = Processor(size={"shortest_edge": 48}, crop_size={"height": 40, "width": 40}).to_dict()
    transform = ImageTransform.from_processor_config(config, "squash")
    assert (transform.size, transform.crop, transform.mode) == (48, 40, "squash")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_preprocessing_runs_on_the_frames_device():
    frames = torch.randint(0, 256, (4, 84, 84, 3), dtype=torch.uint8)
    out = ImageTransform()(frames.cuda())
    assert out.device.type == "cuda"
    torch.testing.assert_close(out.cpu(), ImageTransform()(frames), atol=1e-3, rtol=0)


def test_bad_frames_and_settings_are_refused():
    with pytest.raises(ShaperConfigError, match="uint8"):
        ImageTransform()(torch.zeros(2, 8, 8, 3))
    with pytest.raises(ShaperConfigError, match=r"\[B, H, W, 3\]"):
        ImageTransform()(torch.zeros(2, 3, 8, 8, dtype=torch.uint8))
    with pytest.raises(ShaperConfigError, match="resize mode"):
        ImageTransform(mode="stretch")
    with pytest.raises(ShaperConfigError, match="crop"):
        ImageTransform(size=32, crop=64)
