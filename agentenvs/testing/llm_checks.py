"""Checks of the LLM-agent contract, run on every ``llm_facing`` id of the registry.

- :func:`check_llm_completions`: any completion (empty, malformed, 100 kB, binary, not UTF-8,
  a message dict, not text at all) gives a Gymnasium 5-tuple without raising, with
  :data:`~agentenvs.agents.LLM_INFO_KEYS` in ``info`` and a terminal ``score`` in [0, 1].
- :func:`check_llm_task_rows`: rows are JSON data, splits are disjoint, ``reset(options=row)``
  replays the same episode, and a row of another split rebuilds the env for it.
- :func:`check_llm_seed_purity`: the same rows give byte-identical observations and rewards in
  two fresh processes with different ``PYTHONHASHSEED`` after arbitrary global ``random`` and
  ``numpy.random`` calls, and an episode leaves both global generators as it found them.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import random
import subprocess
import sys
from collections.abc import Callable
from itertools import combinations
from typing import Any

import numpy as np

from .common import ConformanceError, require

COMPLETIONS: tuple[Any, ...] = (
    "", " ", "\n\n", "<answer></answer>", "<answer>", "</answer><answer>", "<think>unfinished",
    "<answer>definitely not an action</answer>", "\\boxed{", "[[[", "<tool_call>{not json}</tool_call>",
    '<tool_call>{"name": "nope", "arguments": {"x": 1}}</tool_call>', "{" * 5000, "[" * 100_000,
    "x" * 100_000, "<answer>" + "a" * 100_000 + "</answer>", "\x00\x01\x02\x7f\x1b[31m", "\ud800 lone surrogate",
    "héllo wörld ☃ 🙂", b"", b"<answer>up</answer>", bytes(range(256)), b"\xff\xfe\xfa", bytearray(b"\x80"),
    {"role": "assistant", "content": None}, {"role": "assistant", "content": "<answer>look</answer>"},
    {"role": "assistant", "tool_calls": "not a list"}, {"content": 12}, None, 42, 3.5, ["<answer>up</answer>"],
)
"""Completions a model (or a broken pipeline) may send; none may raise."""

SCRIPT_TURNS = 12


def scripted_completion(env: Any, info: dict[str, Any], turn: int) -> str:
    """A deterministic completion for ``turn``.

    An admissible command when the env lists them, else the profile's example, a move or junk, in a fixed cycle.
    """
    commands = info.get("admissible_commands")
    if isinstance(commands, list) and commands and turn % 3 != 2:
        command = commands[(7 * turn) % len(commands)]
        if "<query>" in command:
            command = "search[red shirt]"
        return f"<answer>{command}</answer>"
    cycle = (f"<answer>{env.profile.example}</answer>", "<answer>up</answer>", "no tags here",
             "<answer>left</answer>", "<answer>right</answer>", "<answer>down</answer>")
    return cycle[turn % len(cycle)]


def _rollout(env: Any, row: dict[str, Any]) -> list[Any]:
    """Observations, rewards and flags of a scripted episode of ``row`` (at most :data:`SCRIPT_TURNS` turns)."""
    obs, info = env.reset(options=row)
    trace: list[Any] = [obs]
    for turn in range(SCRIPT_TURNS):
        obs, reward, terminated, truncated, info = env.step(scripted_completion(env, info, turn))
        trace += [obs, reward, terminated, truncated, info["action_is_valid"]]
        if terminated or truncated:
            break
    return trace


def digest(trace: list[Any]) -> str:
    """SHA-256 of a trace (observations as bytes, rewards as their float repr)."""
    hasher = hashlib.sha256()
    for item in trace:
        data = item.tobytes() if isinstance(item, np.ndarray) else repr(item).encode("utf-8", "surrogatepass")
        hasher.update(len(data).to_bytes(8, "little") + data)
    return hasher.hexdigest()


def _rows(env_id: str, split: str, n: int) -> list[dict[str, Any]]:
    from ..agents.tasks import tasks

    return [dict(row) for row in tasks(env_id, split, n)]


def check_llm_completions(env_id: str, **make_options: Any) -> None:
    """Every completion of :data:`COMPLETIONS`, under each invalid-action policy, gives a well-formed step.

    ``make_options`` (``action_format``, ``format_options``, ...) check a configuration of your own.
    """
    from ..agents import INVALID_ACTION_POLICIES, LLM_INFO_KEYS, make

    for policy in INVALID_ACTION_POLICIES:
        options = {"max_invalid": len(COMPLETIONS) + 1, **make_options, "invalid_action": policy}
        env = make(env_id, **options)
        try:
            env.reset(seed=0)
            for completion in COMPLETIONS:
                shown = repr(completion)[:40]
                try:
                    result = env.step(completion)
                except Exception as err:
                    raise ConformanceError(f"{env_id} (invalid_action={policy!r}): step({shown}) raised "
                                           f"{type(err).__name__}: {err}") from err
                require(isinstance(result, tuple) and len(result) == 5,
                        f"{env_id}: step({shown}) returned {type(result).__name__}, not a 5-tuple")
                _, reward, terminated, truncated, info = result
                require(isinstance(reward, float) and math.isfinite(reward),
                        f"{env_id}: step({shown}) gave reward {reward!r}, not a finite float")
                require(type(terminated) is bool and type(truncated) is bool,
                        f"{env_id}: step({shown}) gave terminated/truncated {terminated!r}/{truncated!r}, not bool")
                missing = [key for key in LLM_INFO_KEYS if key not in info]
                require(not missing, f"{env_id}: step({shown}) info lacks {missing}")
                require(info["action_is_valid"] or isinstance(info["action_error"], str),
                        f"{env_id}: step({shown}) was invalid without an action_error")
                if terminated or truncated:
                    score = info.get("score")
                    require(isinstance(score, float) and 0.0 <= score <= 1.0,
                            f"{env_id}: the last step after {shown} has score {score!r}, not a float in [0, 1]")
                    require(not truncated or isinstance(info.get("truncation_reason"), str),
                            f"{env_id}: a truncation after {shown} has no truncation_reason")
                    env.reset(seed=0)
        finally:
            env.close()


def check_llm_task_rows(env_id: str, n: int = 3) -> None:
    """Rows are JSON data from disjoint splits, ``reset(options=row)`` replays them, other splits rebuild."""
    from ..agents import SPLITS, make
    from ..agents.tasks import split_range

    ranges = {split: split_range(env_id, split) for split in SPLITS}
    for (a, (first_a, count_a)), (b, (first_b, count_b)) in combinations(ranges.items(), 2):
        require(first_a + count_a <= first_b or first_b + count_b <= first_a,
                f"{env_id}: the task ids of splits {a!r} and {b!r} overlap: {ranges[a]} and {ranges[b]}")
    rows = {split: _rows(env_id, split, n) for split in SPLITS}
    for split, split_rows in rows.items():
        require(json.loads(json.dumps(split_rows)) == split_rows, f"{env_id}: {split} rows are not JSON data")
        require(split_rows == _rows(env_id, split, n), f"{env_id}: tasks({split!r}) changed between two calls")
    env, fresh = make(env_id), make(env_id)
    try:
        for split in SPLITS:
            row = rows[split][-1]
            first = _rollout(env, row)
            require(digest(_rollout(env, row)) == digest(first),
                    f"{env_id}: reset(options=row) of {row} twice on one env gave different episodes")
            require(digest(_rollout(fresh, row)) == digest(first),
                    f"{env_id}: {row} on a fresh env gave a different episode")
            require(env.split == split, f"{env_id}: a {split} row left the env on split {env.split!r}")
    finally:
        env.close()
        fresh.close()


_PURITY_SCRIPT = """
import json, random, sys
import numpy as np
random.seed(int(sys.argv[2])); np.random.seed(int(sys.argv[2]))
for _ in range(int(sys.argv[2]) % 7 + 1):
    random.random(); np.random.rand(3)
from agentenvs.agents import make
from agentenvs.testing.llm_checks import _rollout, digest
rows = json.loads(sys.argv[1])
env = make(rows[0]["env_id"])
print(json.dumps([digest(_rollout(env, row)) for row in rows]))
"""


def _global_rng_state() -> tuple[Any, ...]:
    state: Any = np.random.get_state(legacy=True)
    return random.getstate(), state[0], bytes(np.asarray(state[1]).tobytes()), tuple(state[2:])


def check_llm_seed_purity(env_id: str, n: int = 2) -> None:
    """Same rows, same bytes in two processes with other hash seeds and global RNG use; global RNGs untouched."""
    from ..agents import make

    rows = _rows(env_id, "train", n) + _rows(env_id, "test", 1)
    random.seed(12345)
    np.random.seed(54321)
    before = _global_rng_state()
    env = make(env_id)
    try:
        local = [digest(_rollout(env, row)) for row in rows]
    finally:
        env.close()
    require(_global_rng_state() == before,
            f"{env_id}: making the env and playing {len(rows)} episodes changed the global random/numpy RNG state")
    outputs = []
    for hash_seed, rng_seed in (("1", 3), ("2024", 11)):
        run = subprocess.run([sys.executable, "-c", _PURITY_SCRIPT, json.dumps(rows), str(rng_seed)],
                             capture_output=True, text=True, timeout=300,
                             env={**os.environ, "PYTHONHASHSEED": hash_seed})
        require(run.returncode == 0, f"{env_id}: the seed-purity subprocess failed:\n{run.stderr[-2000:]}")
        outputs.append(json.loads(run.stdout.strip().splitlines()[-1]))
    require(outputs[0] == outputs[1] == local,
            f"{env_id}: the same rows gave different episodes across processes (PYTHONHASHSEED 1 vs 2024, "
            f"other global RNG use): {outputs} vs this process {local}")


LLM_CHECKS: dict[str, Callable[..., None]] = {
    "llm_completions": check_llm_completions,
    "llm_task_rows": check_llm_task_rows,
    "llm_seed_purity": check_llm_seed_purity,
}
"""Check name -> check, run by :func:`agentenvs.testing.checks_for` on every ``llm_facing`` id."""

