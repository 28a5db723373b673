"""Throughput of the grounding shapers on batches of screen boxes, on the CPU and on cuda when present.

Prints one JSON object per line, ``"bench": "grounding_shaper"``: transitions/s of ``forward``
on a batch of ``--batch`` transitions (one per env, default 4,096) for ``gaussian_point``,
``gaussian_coverage``, ``gaussian_grounding``, ``gaussian_potential`` and ``gui_cursor``. The
batch starts on the host, as a wrapper holds it, so each timed step includes the host-to-device
copy of the ``reward_state`` (``copy: "included"``); ``copy: "excluded"`` rows time the shaper on
a batch already on the device. ``gui_cursor`` keeps a trajectory per env and pays at episode
ends: ``--episode`` steps per episode, every env ending together on the last one. CPU rows run
on ``--threads`` torch threads (default 1).

Usage::

    python benchmarks/grounding.py                  # cpu, and cuda when present
    python benchmarks/grounding.py --device cpu --batch 1024 --steps 50
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reward_plugins import TransitionBatch, make_shaper  # noqa: E402

SHAPERS = ("gaussian_point", "gaussian_coverage", "gaussian_grounding", "gaussian_potential", "gui_cursor")
SCREEN = np.array([1280.0, 800.0], np.float32)


def host_batches(n: int, episode: int, seed: int) -> list[TransitionBatch]:
    """One episode of ``episode`` steps for ``n`` envs on 1280x800 screens, as host tensors."""
    rng = np.random.default_rng(seed)
    low = rng.random((n, 2), np.float32) * (SCREEN - 200)
    target = np.concatenate([low, low + 4 + rng.random((n, 2), np.float32) * 196], axis=1)
    out = []
    for t in range(episode):
        last = t == episode - 1
        pred = target + rng.normal(0, 20, (n, 4)).astype(np.float32)
        state = {"cursor": rng.random((n, 2), np.float32) * SCREEN, "target_box": target, "pred_box": pred,
                 "screen_size": np.tile(SCREEN, (n, 1)), "clicked": np.full(n, int(last)),
                 "action_is_valid": np.ones(n, np.int64), "step": np.full(n, t + 1),
                 "max_steps": np.full(n, episode)}
        tensors = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items()}
        out.append(TransitionBatch(reward_state=tensors, done=torch.full((n,), last), terminated=torch.full((n,), last),
                                   size=n))
    return out


def synchronize(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def row(name: str, device: str, batches: list[TransitionBatch], steps: int, copy: bool) -> dict[str, object]:
    """Time ``steps`` forwards of shaper ``name`` cycling through ``batches`` (and its reset at episode ends)."""
    shaper = make_shaper(name, device=device)
    n = batches[0].batch_size
    shaper.setup(None, None, n)  # type: ignore[arg-type]  # the grounding shapers read no spaces
    feed = batches if copy else [b.to(device) for b in batches]
    everyone = torch.ones(n, dtype=torch.bool, device=device)
    with torch.no_grad():
        for b in feed:  # warm-up: one episode
            shaper(b.to(device))
        synchronize(device)
        start = time.perf_counter()
        for t in range(steps):
            b = feed[t % len(feed)]
            out = shaper(b.to(device) if copy else b)
            if t % len(feed) == len(feed) - 1:  # every episode ends on the last batch
                shaper.reset(everyone)
        out.cpu()
        synchronize(device)
        seconds = time.perf_counter() - start
    return {"bench": "grounding_shaper", "shaper": name, "device": device, "batch": n, "steps": steps,
            "copy": "included" if copy else "excluded", "ms_per_batch": round(1e3 * seconds / steps, 4),
            "transitions_per_s": round(n * steps / seconds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cpu, and cuda when present)")
    parser.add_argument("--batch", type=int, default=4096)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--episode", type=int, default=20)
    parser.add_argument("--shapers", default=",".join(SHAPERS))
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads (default 1: these ops are small, and extra OpenMP threads "
                        "only wait on each other on a busy machine)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    devices = [args.device] if args.device else ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    batches = host_batches(args.batch, args.episode, seed=0)
    for device in devices:
        for name in args.shapers.split(","):
            for copy in (True, False):
                print(json.dumps({**row(name, device, batches, args.steps, copy),
                                  "torch_threads": torch.get_num_threads()}), flush=True)


if __name__ == "__main__":
    main()
