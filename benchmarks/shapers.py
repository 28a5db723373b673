"""Throughput of the intrinsic shapers, with rllte-core side by side, and the wrapper overhead.

Prints one JSON object per line:

* ``"bench": "shaper_throughput"``: transitions/s of one ``forward`` + one ``update`` on a batch
  of ``--batch`` transitions (one per env), 3x84x84 uint8 images and 7x7 uint8 Sokoban-like grids,
  host-to-device copy included, for ``rnd``, ``icm``, ``e3b`` and ``count``; the same for
  rllte-core's RND / ICM / E3B ``compute`` (reward + update), run by subprocess in its own
  venv (``bash benchmarks/peers/setup_rllte.sh``). Both use 128-d features, the Nature-CNN trunk
  on images and orthogonal init. rllte updates in minibatches of 256; ours run both with
  minibatches of 256 and with our default, one whole-batch step that reuses ``forward``'s graph
  (``--minibatch``), in fp32 and with bf16 encoders (``--precision``; rllte has fp32 only).
* ``"bench": "fp32_work_bound"``: the largest fp32 speedup over rllte the encoder work allows
  (RND, ICM, E3B on images): one Nature-CNN forward and backward on the batch, timed, times the
  passes each implementation makes per batch (``ENCODER_PASSES``) gives the least time either
  can take; ``max_speedup_vs_rllte_measured`` divides rllte's measured time by our least time.
* ``"bench": "wrapper_overhead"``: step time of the native Sokoban vector env with
  ``--wrapper-envs`` envs, unshaped vs wrapped in ``ShapedVectorEnv`` with the ``count`` shaper
  (and with a shaper returning zeros, ``"shaper": "zero"``: the wrapper's own cost).

Memory: ``maxrss_mb`` is the process peak resident set so far (it never decreases);
``cuda_max_memory_allocated_mb`` is the peak of that row alone.

Usage::

    python benchmarks/shapers.py                 # cpu, and cuda when present
    python benchmarks/shapers.py --device cuda --quick
    python benchmarks/shapers.py --no-peers --shapers rnd,e3b --obs image
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reward_plugins import RewardShaper, TransitionBatch, make_shaper  # noqa: E402

PEER_PYTHON = ROOT / "benchmarks" / ".peers" / "rllte" / "bin" / "python"
PEER_SCRIPT = ROOT / "benchmarks" / "peers" / "rllte_bench.py"
OBS_SPACES = {
    "image": gym.spaces.Box(0, 255, (3, 84, 84), np.uint8),
    "grid": gym.spaces.Box(0, 6, (7, 7), np.uint8),
}
ACTIONS = gym.spaces.Discrete(4)
LEARNED = ("rnd", "icm", "e3b")


class ZeroShaper(RewardShaper):
    """Reads next_obs and returns zeros: measures the wrapper's own cost."""

    requires = frozenset({"next_obs"})

    def forward(self, batch: TransitionBatch) -> torch.Tensor:
        return torch.zeros(batch.batch_size, device=self.device)


def maxrss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def synchronize(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def host_batch(kind: str, batch: int, seed: int) -> TransitionBatch:
    """A batch on the host, as a wrapper would hold it before moving it to the device."""
    rng = np.random.default_rng(seed)
    space = OBS_SPACES[kind]
    obs = torch.as_tensor(rng.integers(0, int(space.high.max()) + 1, (batch, *space.shape), dtype=np.uint8))
    return TransitionBatch(
        obs=obs,
        next_obs=torch.roll(obs, 1, dims=0),
        action=torch.as_tensor(rng.integers(0, ACTIONS.n, batch)),
        reward=torch.zeros(batch),
        done=torch.zeros(batch, dtype=torch.bool),
    )


def shaper_row(name: str, kind: str, device: str, minibatch: int, precision: str,
               args: argparse.Namespace) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"device": device}
    if name in LEARNED:
        kwargs.update(feature_dim=128, minibatch_size=minibatch or None, precision=precision)
    shaper = make_shaper(name, **kwargs)
    shaper.setup(OBS_SPACES[kind], ACTIONS, args.batch)
    batches = [host_batch(kind, args.batch, seed) for seed in range(2)]
    row: dict[str, Any] = {"bench": "shaper_throughput", "impl": "reward_plugins", "shaper": name, "obs": kind,
                           "batch": args.batch, "device": device, "torch": torch.__version__,
                           "minibatch": (minibatch or args.batch) if name in LEARNED else None,
                           "precision": precision if name in LEARNED else None}
    if name == "count":
        row["hash"] = shaper.hash_kind
    for i in range(args.warmup):
        on = batches[i % 2].to(device)
        shaper(on)
        shaper.update(on)
    synchronize(device)
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    for i in range(args.iters):
        on = batches[i % 2].to(device)
        shaper(on)
        shaper.update(on)
    synchronize(device)
    seconds = time.perf_counter() - start
    row.update(transitions_per_s=round(args.batch * args.iters / seconds, 1),
               ms_per_batch=round(1000 * seconds / args.iters, 2), iters=args.iters)
    if device.startswith("cuda"):
        row["cuda_max_memory_allocated_mb"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
    row["maxrss_mb"] = maxrss_mb()
    return row


def precisions(names: str, device: str) -> list[str]:
    """The ``--precision`` entries that run on ``device`` (fp16 needs a GPU)."""
    return [p for p in names.split(",") if p != "fp16" or device.startswith("cuda")]


def peer_rows(device: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    """rllte-core's rows, or one row saying why there are none."""
    shapers = ",".join(s for s in args.shapers.split(",") if s in LEARNED)
    if not shapers:
        return []
    python = args.peer_python or str(PEER_PYTHON)
    if not args.peer_python and not PEER_PYTHON.exists():
        return [{"bench": "shaper_throughput", "impl": "rllte-core", "device": device,
                 "skipped": f"no peer venv at {PEER_PYTHON}; run: bash benchmarks/peers/setup_rllte.sh"}]
    command = [python, str(PEER_SCRIPT), "--shapers", shapers, "--obs", args.obs, "--batch",
               str(args.batch), "--iters", str(args.peer_iters), "--warmup", "1", "--device", device,
               "--threads", str(torch.get_num_threads())]
    done = subprocess.run(command, capture_output=True, text=True, timeout=args.peer_timeout, check=False)
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not rows:
        rows.append({"bench": "shaper_throughput", "impl": "rllte-core", "device": device,
                     "error": f"peer exited {done.returncode}: {done.stderr.strip()[-300:]}"})
    return rows


def speedups(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Ours / rllte transitions/s for each (shaper, obs, device) that both ran."""
    out = []
    for peer in rows:
        if not peer.get("impl", "").startswith("rllte") or "transitions_per_s" not in peer:
            continue
        for ours in rows:
            if (ours.get("impl") == "reward_plugins" and "transitions_per_s" in ours
                    and all(ours.get(k) == peer.get(k) for k in ("shaper", "obs", "device"))):
                out.append({"bench": "speedup_vs_rllte", "shaper": ours["shaper"], "obs": ours["obs"],
                            "device": ours["device"], "minibatch": ours["minibatch"], "precision": ours["precision"],
                            "speedup": round(ours["transitions_per_s"] / peer["transitions_per_s"], 2)})
    return out


#: Encoder passes per batch of 1024 images in compute + update, read from both codes (default
#: settings): (forwards, backwards through one encoder whose input needs no gradient). Ours reuse
#: ``forward``'s graph in ``update``; rllte encodes again for its update (and its ICM encodes one
#: env at a time in ``compute``, which this count does not charge it for).
ENCODER_PASSES = {
    "rnd": {"reward_plugins": (2, 1), "rllte-core": (4, 1)},
    "icm": {"reward_plugins": (2, 2), "rllte-core": (4, 2)},
    "e3b": {"reward_plugins": (2, 2), "rllte-core": (3, 2)},
}


def work_bound_rows(args: argparse.Namespace, measured: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The best fp32 speedup over rllte that the encoder work allows: both sides run the same
    Nature-CNN on the same images, each pass timed here on one encoder (forward without a graph;
    backward of one forward). Ours cannot take less than its passes; rllte's ``measured`` rows
    (when the peer ran) give its actual time."""
    from reward_plugins.intrinsic.encoders import make_encoder, obs_to_tensor

    rows = []
    space = OBS_SPACES["image"]
    for device in args.devices:
        encoder = make_encoder(space, 128, "fp32").to(device)
        images = host_batch("image", args.batch, seed=0).next_obs
        x = obs_to_tensor(space, images, torch.device(device))

        def timed(step: Any, device: str = device) -> float:
            """Best of several runs: the least time the pass takes here."""
            step()  # warm-up
            best = float("inf")
            for _ in range(max(args.iters, 3)):
                synchronize(device)
                start = time.perf_counter()
                step()
                synchronize(device)
                best = min(best, time.perf_counter() - start)
            return best

        def forward(encoder: Any = encoder, x: Any = x) -> None:
            with torch.no_grad():
                encoder(x)

        def forward_backward(encoder: Any = encoder, x: Any = x) -> None:
            encoder.zero_grad(set_to_none=True)
            encoder(x).float().square().mean().backward()

        f = timed(forward)
        b = max(timed(forward_backward) - f, 0.0)
        for name in (s for s in args.shapers.split(",") if s in ENCODER_PASSES):
            ms = {impl: 1000 * (nf * f + nb * b) for impl, (nf, nb) in ENCODER_PASSES[name].items()}
            rows.append({"bench": "fp32_work_bound", "shaper": name, "obs": "image", "batch": args.batch,
                         "device": device, "forward_ms": round(1000 * f, 1), "backward_ms": round(1000 * b, 1),
                         "passes": {impl: {"forward": nf, "backward": nb}
                                    for impl, (nf, nb) in ENCODER_PASSES[name].items()},
                         "ours_min_ms": round(ms["reward_plugins"], 1), "rllte_min_ms": round(ms["rllte-core"], 1),
                         "max_speedup_same_passes": round(ms["rllte-core"] / ms["reward_plugins"], 2)})
            peer = [r for r in measured if r.get("impl", "").startswith("rllte") and "ms_per_batch" in r
                    and (r.get("shaper"), r.get("obs"), r.get("device")) == (name, "image", device)]
            if peer:
                rows[-1]["rllte_measured_ms"] = peer[0]["ms_per_batch"]
                rows[-1]["max_speedup_vs_rllte_measured"] = round(peer[0]["ms_per_batch"] / ms["reward_plugins"], 2)
    return rows


def wrapper_rows(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Native Sokoban vector env: seconds per step unshaped vs wrapped with ``count``."""
    try:
        import agentenvs  # noqa: F401  (registers the ids)
        from reward_plugins.wrappers import ShapedVectorEnv
    except ImportError as exc:
        return [{"bench": "wrapper_overhead", "skipped": f"{type(exc).__name__}: {exc}"}]
    rows = []
    for device in args.devices:
        def make() -> Any:
            return gym.make_vec(args.wrapper_env, num_envs=args.wrapper_envs, vectorization_mode="vector_entry_point")

        def time_steps(env: Any, repeat: int, device: str = device) -> float:
            # a new seed and new actions each repeat: counts keep meeting new states, as in real use
            env.reset(seed=repeat)
            rng = np.random.default_rng(repeat)
            actions = [rng.integers(0, env.single_action_space.n, args.wrapper_envs) for _ in range(args.wrapper_steps)]
            for a in actions[: args.warmup]:
                env.step(a)
            synchronize(device)
            start = time.perf_counter()
            for a in actions:
                env.step(a)
            synchronize(device)
            return (time.perf_counter() - start) / len(actions)

        plain = make()
        wrapped = {"zero": ShapedVectorEnv(make(), [ZeroShaper(device=device)]),
                   "count": ShapedVectorEnv(make(), [make_shaper("count", device=device)]),
                   "count_state_key": ShapedVectorEnv(make(), [make_shaper("count", device=device, input="state_key")])}
        # interleaved, best of repeats: shared machines are noisy
        times: dict[str, list[float]] = {"unshaped": [], **{k: [] for k in wrapped}}
        for repeat in range(args.wrapper_repeats):
            times["unshaped"].append(time_steps(plain, repeat))
            for label, env in wrapped.items():
                times[label].append(time_steps(env, repeat))
        t0 = min(times["unshaped"])
        for label, env in wrapped.items():
            t1 = min(times[label])
            rows.append({"bench": "wrapper_overhead", "env": args.wrapper_env, "num_envs": args.wrapper_envs,
                         "shaper": label, "device": device, "steps": args.wrapper_steps,
                         "unshaped_ms_per_step": round(1000 * t0, 3), "wrapped_ms_per_step": round(1000 * t1, 3),
                         "overhead_pct": round(100 * (t1 / t0 - 1), 1),
                         "env_steps_per_s_unshaped": round(args.wrapper_envs / t0),
                         "env_steps_per_s_wrapped": round(args.wrapper_envs / t1), "maxrss_mb": maxrss_mb()})
            env.close()
        plain.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="auto", help="cpu, cuda, or auto (cpu, plus cuda when present)")
    parser.add_argument("--shapers", default="rnd,icm,e3b,count")
    parser.add_argument("--obs", default="image,grid")
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--minibatch", default="0,256",
                        help="update minibatch sizes of rnd/icm/e3b to run, comma-separated (0: whole batch, "
                             "one step that reuses forward's graph); rllte uses 256")
    parser.add_argument("--precision", default="fp32,bf16",
                        help="encoder precisions of rnd/icm/e3b to run, comma-separated (fp16 runs on cuda only); "
                             "rllte runs in fp32")
    parser.add_argument("--iters", type=int, default=10)
    parser.add_argument("--peer-iters", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--no-peers", action="store_true", help="skip rllte-core")
    parser.add_argument("--no-wrapper", action="store_true", help="skip the wrapper overhead")
    parser.add_argument("--wrapper-env", default="agentenvs/Sokoban-v0")
    parser.add_argument("--wrapper-envs", type=int, default=1024)
    parser.add_argument("--wrapper-steps", type=int, default=50)
    parser.add_argument("--wrapper-repeats", type=int, default=3)
    parser.add_argument("--peer-timeout", type=float, default=1800)
    parser.add_argument("--peer-python", default="",
                        help="interpreter with rllte-core importable (default: the venv of setup_rllte.sh)")
    parser.add_argument("--quick", action="store_true", help="few iterations, for a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.iters, args.peer_iters, args.warmup = 3, 1, 1
        args.wrapper_steps, args.wrapper_repeats = 10, 2
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.device == "auto":
        args.devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    else:
        args.devices = [args.device]

    gpu = torch.cuda.get_device_name() if torch.cuda.is_available() else None
    print(json.dumps({"bench": "environment", "cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(),
                      "torch": torch.__version__, "cuda": gpu, "quick": args.quick}), flush=True)
    rows: list[dict[str, Any]] = []
    for device in args.devices:
        for kind in args.obs.split(","):
            for name in args.shapers.split(","):
                for minibatch in [int(m) for m in args.minibatch.split(",")] if name in LEARNED else [0]:
                    for precision in precisions(args.precision, device) if name in LEARNED else ["fp32"]:
                        row = shaper_row(name, kind, device, minibatch, precision, args)
                        rows.append(row)
                        print(json.dumps(row), flush=True)
        if not args.no_peers:
            for row in peer_rows(device, args):
                rows.append(row)
                print(json.dumps(row), flush=True)
    for row in speedups(rows):
        print(json.dumps(row), flush=True)
    if "image" in args.obs.split(",") and "fp32" in args.precision.split(","):
        for row in work_bound_rows(args, rows):
            print(json.dumps(row), flush=True)
    if not args.no_wrapper:
        for row in wrapper_rows(args):
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
