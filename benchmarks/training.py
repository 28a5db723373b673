"""Throughput of PPO training on agentenvs vector envs, and where the time goes. JSON lines.

For each (vec env kind x shaper) it trains SB3 PPO for ``--steps`` env steps (after one warm-up
rollout) with the hyperparameters ``baselines.train`` would use, and reports env steps per
second and the share of wall time spent in

- ``env``: the vector env's ``step`` (and SB3's VecMonitor), timed around the inner VecEnv;
- ``shaper``: ``ShapedVecEnv`` around it (gathering inputs, shaper forward and update);
- ``learner_inference``: the rest of rollout collection (policy forward, buffer writes);
- ``learner_update``: ``PPO.train`` (gradient updates);
- ``other``: callbacks, logging, the remainder.

``--vec native,dummy`` puts the native vector env (one batched env) beside SB3's DummyVecEnv of
single envs, the usual way SB3 runs custom envs.

    python benchmarks/training.py --env agentenvs/Sokoban-Tiny-v0 --n-envs 64 --shapers none,count,rnd
"""
from __future__ import annotations

import argparse
import json
import platform
import time
from typing import Any

import torch
from stable_baselines3 import PPO
from stable_baselines3.common.vec_env import VecEnv, VecEnvWrapper

from baselines.config import ShaperSpec
from baselines.envs import add_monitor, add_shapers, make_base_vec_env, make_shapers
from baselines.extractors import default_policy, policy_kwargs_for
from baselines.hyperparams import algo_kwargs, resolve_hyperparams


class TimedVecEnv(VecEnvWrapper):
    """Accumulates the seconds spent in the wrapped VecEnv's ``step_async`` + ``step_wait``."""

    def __init__(self, venv: VecEnv) -> None:
        super().__init__(venv)
        self.seconds = 0.0

    def reset(self) -> Any:
        return self.venv.reset()

    def step_async(self, actions: Any) -> None:
        start = time.perf_counter()
        self.venv.step_async(actions)
        self.seconds += time.perf_counter() - start

    def step_wait(self) -> Any:
        start = time.perf_counter()
        out = self.venv.step_wait()
        self.seconds += time.perf_counter() - start
        return out


class TimedPPO(PPO):
    """PPO that accumulates the seconds of rollout collection and of gradient updates."""

    collect_seconds = 0.0
    train_seconds = 0.0

    def collect_rollouts(self, *args: Any, **kwargs: Any) -> bool:
        start = time.perf_counter()
        out = super().collect_rollouts(*args, **kwargs)
        self.collect_seconds += time.perf_counter() - start
        return out

    def train(self) -> None:
        start = time.perf_counter()
        super().train()
        self.train_seconds += time.perf_counter() - start


def bench(env_id: str, n_envs: int, shaper: str, steps: int, native: bool, device: str) -> dict[str, Any]:
    """Train PPO for ``steps`` env steps after a warm-up rollout; timings and shares."""
    hyperparams = resolve_hyperparams("ppo", env_id)
    vector_kwargs = hyperparams.get("vector_kwargs")
    base = make_base_vec_env(env_id, {}, n_envs, seed=0, native=native, vector_kwargs=vector_kwargs)
    inner = TimedVecEnv(add_monitor(base))
    specs = [ShaperSpec(name) for name in shaper.split("+")] if shaper != "none" else []
    outer = TimedVecEnv(add_shapers(inner, make_shapers(specs, device, seed=0), specs))
    hyperparams["policy_kwargs"] = {**policy_kwargs_for(outer.observation_space),
                                    **hyperparams.get("policy_kwargs", {})}
    model = TimedPPO(default_policy(outer.observation_space), outer, seed=0, device=device, verbose=0,
                     **algo_kwargs(hyperparams))
    rollout = model.n_steps * n_envs
    model.learn(rollout)  # warm-up: allocations, first shaper setup
    inner.seconds = outer.seconds = model.collect_seconds = model.train_seconds = 0.0
    start_steps = model.num_timesteps
    start = time.perf_counter()
    model.learn(steps, reset_num_timesteps=False)
    wall = time.perf_counter() - start
    done = model.num_timesteps - start_steps
    outer.close()
    parts = {
        "env": inner.seconds,
        "shaper": outer.seconds - inner.seconds,
        "learner_inference": model.collect_seconds - outer.seconds,
        "learner_update": model.train_seconds,
    }
    parts["other"] = wall - sum(parts.values())
    return {
        "bench": "training",
        "env_id": env_id,
        "vec_env": type(inner.venv.venv.venv).__name__,
        "algo": "ppo",
        "shaper": shaper,
        "n_envs": n_envs,
        "steps": done,
        "wall_s": round(wall, 3),
        "steps_per_s": round(done / wall, 1),
        "seconds": {k: round(v, 3) for k, v in parts.items()},
        "share": {k: round(v / wall, 3) for k, v in parts.items()},
        "n_steps": model.n_steps,
        "n_epochs": model.n_epochs,
        "batch_size": model.batch_size,
        "device": str(model.device),
        "torch_threads": torch.get_num_threads(),
        "cpu": platform.processor() or platform.machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", default="agentenvs/Sokoban-Tiny-v0")
    parser.add_argument("--n-envs", type=int, default=64)
    parser.add_argument("--steps", type=int, default=32_768, help="timed env steps (rounded up to whole rollouts)")
    parser.add_argument("--shapers", default="none,count,rnd", help="comma-separated; '+' combines shapers in one run")
    parser.add_argument("--vec", default="native", help="comma-separated: native, dummy")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    for vec in args.vec.split(","):
        for shaper in args.shapers.split(","):
            row = bench(args.env, args.n_envs, shaper, args.steps, vec == "native", args.device)
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
