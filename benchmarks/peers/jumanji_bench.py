"""Time jumanji's Sokoban (10x10, 4 boxes, ToyGenerator: offline) on CPU; prints JSON lines.

Runs inside benchmarks/.peers/jumanji (see setup_peers.sh), never in the project venv.
Jumanji's default generator downloads Boxoban from the network, so the ToyGenerator is used;
step cost does not depend on the level. Both rates time a jitted ``step`` called from a Python
loop (one call per step, as an agent's rollout loop does), after a warm-up call compiles it,
in ``REPEATS`` chunks: ``steps_per_s`` is the best chunk, ``median_steps_per_s`` the median.
Usage: python jumanji_bench.py [--quick]
"""
from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import time

import jax
import jax.numpy as jnp
from jumanji.environments.routing.sokoban import Sokoban
from jumanji.environments.routing.sokoban.generator import ToyGenerator


REPEATS = 5


def rates(chunks: list[float], steps_per_chunk: int) -> dict[str, float]:
    return {"steps_per_s": round(steps_per_chunk / min(chunks), 1),
            "median_steps_per_s": round(steps_per_chunk / statistics.median(chunks), 1)}


def emit(**fields: object) -> None:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"bench": "sokoban", "impl": "jumanji", **fields, "peak_rss_mb": round(peak, 1),
                      "load1": round(os.getloadavg()[0], 2)}), flush=True)


def main() -> None:
    quick = "--quick" in sys.argv
    env = Sokoban(generator=ToyGenerator())
    key = jax.random.PRNGKey(0)

    reset = jax.jit(env.reset)
    step = jax.jit(env.step)
    state, timestep = reset(key)
    chunk = (2000 if quick else 20000) // REPEATS
    actions = [jnp.int32(a) for a in jax.random.randint(key, (chunk,), 0, 4).tolist()]
    state, timestep = step(state, actions[0])
    jax.block_until_ready(timestep)
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        for action in actions:
            state, timestep = step(state, action)
            jax.block_until_ready(timestep.observation)
        times.append(time.perf_counter() - start)
    emit(what="steps_grid_single", **rates(times, chunk), n=chunk * REPEATS)

    num_envs = 1024
    calls = (50 if quick else 300) // REPEATS
    vreset = jax.jit(jax.vmap(env.reset))
    vstep = jax.jit(jax.vmap(env.step))
    states, timesteps = vreset(jax.random.split(key, num_envs))
    batch_actions = jax.random.randint(key, (calls, num_envs), 0, 4)
    states, timesteps = vstep(states, batch_actions[0])
    jax.block_until_ready(timesteps)
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        for i in range(calls):
            states, timesteps = vstep(states, batch_actions[i])
            jax.block_until_ready(timesteps.observation)
        times.append(time.perf_counter() - start)
    emit(what="steps_grid_vector_1024", **rates(times, calls * num_envs), n=calls * num_envs * REPEATS)


if __name__ == "__main__":
    main()
