"""Frames/s of ``vlm_clip`` against the usual VLM-RM call path, and the frame cache on Sokoban-Visual.

A ViT-B/32-sized CLIP with random weights (:func:`reward_plugins.vlm.random_clip.save_random_clip`,
the shape of OpenAI's ``clip-vit-base-patch32``; timing does not care about the weights) is saved
to a temporary folder and loaded by both paths. Prints one JSON object per line:

* ``"bench": "vlm_clip_frames_per_s"``: ``--frames`` uint8 frames at 84x84 and 224x224, scored by
  ``vlm_clip`` (batched torch preprocessing on the device, the model in ``precision``, one call for
  the batch) and by the reference path most VLM-RM users write: ``CLIPImageProcessor`` on the list
  of frames (PIL, per frame), then the same model in fp32, ``get_image_features`` on the batch, and
  the projection. Best of ``--repeats`` timed runs after one warm-up; host-to-device copy included.
  ``speedup_vs_reference`` divides the reference's time by ours on the same device and size.
* ``"bench": "vlm_clip_frame_cache"``: frames of random-policy Sokoban-Visual rollouts
  (``--envs`` envs x ``--steps`` steps), scored one env step at a time as ``ShapedVecEnv`` would,
  with the cache off and on: the cache's hit rate and frames/s.

Usage::

    python benchmarks/vlm.py                     # cpu, and cuda (fp16) when present
    python benchmarks/vlm.py --device cpu --frames 64 --repeats 1
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import agentenvs  # noqa: E402,F401  (registers Sokoban-Visual)
from reward_plugins import TransitionBatch  # noqa: E402
from reward_plugins.vlm.clip import VLMClipReward  # noqa: E402
from reward_plugins.vlm.loading import clip_image_processor_class  # noqa: E402
from reward_plugins.vlm.projection import projected_reward  # noqa: E402
from reward_plugins.vlm.random_clip import save_random_clip  # noqa: E402

GOAL, BASELINE = "all boxes on their targets", "a sokoban level"


def emit(row: dict[str, Any]) -> None:
    print(json.dumps({**row, "load1": round(os.getloadavg()[0], 2)}), flush=True)


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def best_time(run: Callable[[], Any], repeats: int, device: str) -> float:
    """Least wall time of ``repeats`` runs after one warm-up."""
    run()
    sync(device)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        sync(device)
        times.append(time.perf_counter() - start)
    return min(times)


def reference_path(folder: Path, device: str) -> Callable[[np.ndarray], torch.Tensor]:
    """CLIPImageProcessor + CLIPModel (fp32) + the projection: how VLM-RM users usually call CLIP."""
    import transformers

    model: Any = transformers.CLIPModel.from_pretrained(folder)
    model = model.to(torch.device(device)).eval()
    tokenizer = transformers.AutoTokenizer.from_pretrained(folder)
    processor_class = clip_image_processor_class()
    processor = processor_class.from_pretrained(folder)

    def features(out: Any) -> torch.Tensor:
        return F.normalize(getattr(out, "pooler_output", out), dim=-1)

    with torch.no_grad():
        text = features(model.get_text_features(**tokenizer([GOAL, BASELINE], padding=True,
                                                              return_tensors="pt").to(device)))

    @torch.no_grad()
    def score(frames: np.ndarray) -> torch.Tensor:
        pixels = processor(images=list(frames), return_tensors="pt")["pixel_values"].to(device)
        return projected_reward(features(model.get_image_features(pixel_values=pixels)), text[0], text[1], 0.5)

    return score


def bench_speed(folder: Path, device: str, precisions: list[str], frames_n: int, repeats: int) -> None:
    reference = reference_path(folder, device)
    rng = np.random.default_rng(0)
    for side in (84, 224):
        frames = rng.integers(0, 256, (frames_n, side, side, 3), dtype=np.uint8)
        ref_s = best_time(functools.partial(reference, frames), repeats, device)
        emit({"bench": "vlm_clip_frames_per_s", "path": "reference (CLIPImageProcessor + fp32 model)",
              "device": device, "side": side, "frames": frames_n, "frames_per_s": round(frames_n / ref_s, 1)})
        for precision in precisions:
            shaper = VLMClipReward(folder, GOAL, BASELINE, precision=precision, chunk_size=frames_n, device=device)
            batch = TransitionBatch(frames=torch.from_numpy(frames), size=frames_n)
            ours_s = best_time(functools.partial(shaper, batch.to(device)), repeats, device)
            emit({"bench": "vlm_clip_frames_per_s", "path": f"vlm_clip ({precision})", "device": device,
                  "side": side, "frames": frames_n, "frames_per_s": round(frames_n / ours_s, 1),
                  "speedup_vs_reference": round(ref_s / ours_s, 2)})


def sokoban_frames(envs: int, steps: int) -> np.ndarray:
    """``[steps, envs, 160, 160, 3]`` next-observation frames of a seeded random policy on Sokoban-Visual."""
    venv = gym.make_vec("agentenvs/Sokoban-Visual-v0", num_envs=envs, vectorization_mode="sync")
    venv.reset(seed=0)
    venv.action_space.seed(0)
    out = []
    for _ in range(steps):
        obs, *_ = venv.step(venv.action_space.sample())
        out.append(obs.copy())
    venv.close()
    return np.stack(out)


def bench_cache(folder: Path, device: str, precision: str, envs: int, steps: int) -> None:
    frames = torch.from_numpy(sokoban_frames(envs, steps))
    for cache_size in (0, 4096):
        shaper = VLMClipReward(folder, GOAL, BASELINE, precision=precision, cache_size=cache_size, device=device)
        shaper(TransitionBatch(frames=frames[0, :1].to(device), size=1))  # warm-up on one frame
        shaper.cache.clear()
        sync(device)
        start = time.perf_counter()
        for step in frames:
            shaper(TransitionBatch(frames=step.to(device), size=envs))
        sync(device)
        elapsed = time.perf_counter() - start
        emit({"bench": "vlm_clip_frame_cache", "env": "agentenvs/Sokoban-Visual-v0", "policy": "random",
              "device": device, "precision": precision, "envs": envs, "steps": steps, "cache_size": cache_size,
              "hit_rate": round(shaper.cache.hit_rate, 3), "frames_per_s": round(envs * steps / elapsed, 1)})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", action="append", help="cpu and/or cuda (default: cpu, and cuda when present)")
    parser.add_argument("--frames", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--envs", type=int, default=8)
    parser.add_argument("--steps", type=int, default=32)
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    devices = args.device or (["cpu"] + (["cuda"] if torch.cuda.is_available() else []))
    with tempfile.TemporaryDirectory() as tmp:
        folder = save_random_clip(Path(tmp) / "clip-vit-b-32", size="vit-b-32")
        for device in devices:
            precisions = ["fp16", "fp32"] if device.startswith("cuda") else ["fp32", "bf16"]
            bench_speed(folder, device, precisions, args.frames, args.repeats)
            bench_cache(folder, device, precisions[0], args.envs, args.steps)


if __name__ == "__main__":
    main()
