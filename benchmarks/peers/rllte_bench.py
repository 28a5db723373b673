"""Time rllte-core's intrinsic rewards (RND, ICM, E3B) on the batches benchmarks/shapers.py uses.

Runs inside the rllte venv (``benchmarks/peers/setup_rllte.sh``), never in the project venv:
``benchmarks/shapers.py`` starts it by subprocess and relays its JSON lines. Imports nothing
from this repository.

Each timed iteration is one ``compute(samples)`` with ``sync=True`` (rllte's reward plus its
update), on ``n_steps=1`` x ``n_envs=batch`` transitions, rllte's defaults otherwise
(latent_dim 128, Nature-CNN "mnih" encoder, orthogonal init, minibatches of 256).
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import traceback

import gymnasium as gym
import numpy as np
import torch


class SpacesOnly(gym.vector.VectorEnv):
    """The spaces and size of a vector env: all rllte's constructors read."""

    def __init__(self, observation_space: gym.Space, action_space: gym.Space, num_envs: int) -> None:
        self.num_envs = num_envs
        self.single_observation_space = observation_space
        self.single_action_space = action_space
        self.observation_space = gym.vector.utils.batch_space(observation_space, num_envs)
        self.action_space = gym.vector.utils.batch_space(action_space, num_envs)


def observation_space(kind: str) -> gym.Space:
    if kind == "image":
        return gym.spaces.Box(0, 255, (3, 84, 84), np.uint8)
    return gym.spaces.Box(0, 6, (7, 7), np.uint8)


def samples(kind: str, batch: int, seed: int) -> dict[str, torch.Tensor]:
    rng = np.random.default_rng(seed)
    high = 256 if kind == "image" else 7
    shape = observation_space(kind).shape
    obs = torch.as_tensor(rng.integers(0, high, (1, batch, *shape), dtype=np.uint8)).float()
    return {
        "observations": obs,
        "actions": torch.as_tensor(rng.integers(0, 4, (1, batch))),
        "rewards": torch.zeros(1, batch),
        "terminateds": torch.zeros(1, batch),
        "truncateds": torch.zeros(1, batch),
        "next_observations": torch.roll(obs, 1, dims=1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shapers", default="rnd,icm,e3b")
    parser.add_argument("--obs", default="image,grid")
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--iters", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    from importlib.metadata import version as package_version

    from rllte.common.prototype import BaseReward
    from rllte.xplore.reward import E3B, ICM, RND

    # rllte's RMS observation normalisation first plays 2560 random steps in the env; the
    # statistics are then updated by every compute() call, which is what we time.
    BaseReward.init_normalization = lambda self: None  # type: ignore[method-assign]
    classes = {"rnd": RND, "icm": ICM, "e3b": E3B}
    version = package_version("rllte-core")
    for kind in args.obs.split(","):
        for name in args.shapers.split(","):
            row = {"bench": "shaper_throughput", "impl": f"rllte-core {version}", "shaper": name, "obs": kind,
                   "batch": args.batch, "device": args.device, "torch": torch.__version__}
            try:
                envs = SpacesOnly(observation_space(kind), gym.spaces.Discrete(4), args.batch)
                module = classes[name](envs, device=args.device)
                data = samples(kind, args.batch, seed=0)
                for _ in range(args.warmup):
                    module.compute(data)
                if args.device.startswith("cuda"):
                    torch.cuda.synchronize()
                    torch.cuda.reset_peak_memory_stats()
                start = time.perf_counter()
                for _ in range(args.iters):
                    module.compute(data)
                if args.device.startswith("cuda"):
                    torch.cuda.synchronize()
                    row["cuda_max_memory_allocated_mb"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
                seconds = time.perf_counter() - start
                row.update(transitions_per_s=round(args.batch * args.iters / seconds, 1),
                           ms_per_batch=round(1000 * seconds / args.iters, 2), iters=args.iters)
            except Exception as exc:  # a peer failing on an input is a result, not a crash
                row["error"] = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
                row["where"] = traceback.extract_tb(exc.__traceback__)[-1].name
            row["maxrss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    sys.exit(main())
