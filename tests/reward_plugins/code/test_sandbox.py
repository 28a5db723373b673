"""The worker process: what it can reach, how it is confined, killed and replaced, and its byte protocol."""
import hashlib
import os
import signal

import numpy as np
import pytest
import torch

from reward_plugins.code import Sandbox, SandboxLimits, protocol, validate_program
from reward_plugins.errors import RewardSandboxError

STATE = {"x": torch.tensor([1.0, 2.0, 3.0])}
DOUBLE = "def compute_reward(state):\n    return state['x'] * 2, {}\n"
LOOP = "def compute_reward(state):\n    while True:\n        pass\n"
BLAS_LOOP = ("def compute_reward(state):\n    a = torch.ones(1500, 1500) / 1500\n    while True:\n"
             "        a = torch.matmul(a, a)\n")


def limits_of(pid):
    rows = {}
    with open(f"/proc/{pid}/limits") as f:
        for line in f.readlines()[1:]:
            name, soft = line[:26].strip(), line[26:47].strip()
            rows[name] = soft
    return rows


def test_worker_has_no_environment_files_or_spare_descriptors(monkeypatch):
    monkeypatch.setenv("AGENTENVS_LLM_API_KEY", "sk-secret")
    with Sandbox() as box:
        box.run(DOUBLE, STATE)
        pid = box.pid
        with open(f"/proc/{pid}/environ", "rb") as f:
            assert f.read() == b""  # the key in the parent's environment never reached the worker
        assert sorted(os.listdir(f"/proc/{pid}/fd")) == ["0", "1", "2"]
        cwd = os.readlink(f"/proc/{pid}/cwd")
        assert os.listdir(cwd) == [] and cwd != os.getcwd()
        assert os.readlink(f"/proc/{pid}/fd/2") == "/dev/null"
        limits = limits_of(pid)
        assert limits["Max file size"] == "0" and limits["Max core file size"] == "0"
        assert limits["Max processes"] == "0"
        assert int(limits["Max open files"]) <= 16
        assert limits["Max address space"] != "unlimited" and limits["Max cpu time"] != "unlimited"
        with open(f"/proc/{pid}/status") as f:
            parent = next(int(line.split()[1]) for line in f if line.startswith("PPid:"))
        assert parent == os.getpid()
    assert not os.path.exists(f"/proc/{pid}")  # stopped and reaped
    assert not os.path.exists(cwd)


@pytest.mark.parametrize("source", [LOOP, BLAS_LOOP], ids=["python loop", "blas loop"])
def test_watchdog_kills_on_wall_clock_and_the_next_program_runs(source):
    with Sandbox(SandboxLimits(timeout_s=1.5)) as box:
        box.run(DOUBLE, STATE)
        first = box.pid
        with pytest.raises(RewardSandboxError, match="1.5 s wall-clock limit") as caught:
            box.run(source, STATE)
        assert caught.value.kind == "timeout"
        assert not os.path.exists(f"/proc/{first}")  # SIGKILLed and reaped
        assert box.run(DOUBLE, STATE).total.tolist() == [2.0, 4.0, 6.0]
        assert box.pid != first and box.starts == 2


def test_cpu_limit_kills_a_spinning_worker():
    with Sandbox(SandboxLimits(timeout_s=60.0, cpu_s=1.0)) as box:
        with pytest.raises(RewardSandboxError, match="SIGXCPU") as caught:
            box.run(LOOP, STATE)
        assert caught.value.kind == "crash"
        assert box.run(DOUBLE, STATE).total.tolist() == [2.0, 4.0, 6.0]


def test_a_worker_killed_from_outside_is_replaced_and_programs_resent():
    with Sandbox() as box:
        box.run(DOUBLE, STATE)
        pid = box.pid
        os.kill(pid, signal.SIGKILL)
        os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)  # wait until it is gone, leaving it to the sandbox to reap
        assert box.run(DOUBLE, STATE).total.tolist() == [2.0, 4.0, 6.0]
        assert box.starts == 2


def test_programs_compile_once_per_worker_keyed_by_sha256(sandbox, monkeypatch):
    source = "def compute_reward(state):\n    return state['x'] + 1, {}\n"
    program = validate_program(source)
    assert program.sha256 == hashlib.sha256(source.encode()).hexdigest()
    sent = []
    exchange = sandbox._exchange
    monkeypatch.setattr(sandbox, "_exchange", lambda tag, *rest: sent.append(tag) or exchange(tag, *rest))
    for _ in range(3):
        assert sandbox.run(source, STATE).total.tolist() == [2.0, 3.0, 4.0]
    assert sent == [protocol.PROG, protocol.CALL, protocol.CALL, protocol.CALL]


def test_only_the_fields_read_are_shipped(sandbox):
    source = "def compute_reward(state):\n    return state['a'].float(), {}\n"
    assert validate_program(source).fields == {"a": 2}
    batch, parts = protocol.encode_call("0" * 64, {"a": torch.ones(2), "big": torch.ones(2, 10_000)}, {"a"})
    assert batch == 2 and sum(memoryview(p).nbytes for p in parts) < 200
    result = sandbox.run(source, {"a": torch.tensor([1, 2]), "unused": ["not", "shipped"]})
    assert result.total.tolist() == [1.0, 2.0]


def test_text_and_every_dtype_cross_the_boundary(sandbox):
    state = {f"f_{i}": torch.ones(2, 3).to(dtype) for i, dtype in enumerate(protocol.DTYPES)}
    state["words"] = ["red key", "blue door"]
    source = ("def compute_reward(state):\n    total = torch.zeros(2)\n    for key in state:\n"
              "        if key != 'words':\n            total = total + state[key].float().sum(dim=1)\n"
              "    hits = torch.tensor([float('key' in w) for w in state['words']])\n"
              "    return total + hits, {'hits': hits}\n")
    result = sandbox.run(source, state)
    assert result.total.tolist() == [3.0 * len(protocol.DTYPES) + 1, 3.0 * len(protocol.DTYPES)]
    assert result.components["hits"].dtype == torch.float32


def test_bad_states_are_refused_before_the_worker(sandbox):
    with pytest.raises(RewardSandboxError, match="disagree on the batch size") as caught:
        sandbox.run("def compute_reward(state):\n    return state['a'] + state['b'], {}\n",
                    {"a": torch.ones(2), "b": torch.ones(3)})
    assert caught.value.kind == "input"
    with pytest.raises(RewardSandboxError, match="dtype"):
        sandbox.run(DOUBLE, {"x": torch.ones(2, dtype=torch.complex64)})


def test_forged_frames_are_answered_not_obeyed(sandbox):
    pid = sandbox.run(DOUBLE, STATE) and sandbox.pid
    tag, payload = sandbox._exchange(protocol.CALL, [b"0" * 64 + b"\x05\x00"], "computing rewards")
    assert tag == protocol.FAIL and protocol.decode_failure(payload)[0] == "input"
    assert sandbox.pid == pid and sandbox.run(DOUBLE, STATE).total.tolist() == [2.0, 4.0, 6.0]


def test_result_frames_round_trip_as_raw_float32():
    total = np.array([1.5, -2.0], dtype=np.float32)
    payload = bytearray(b"".join(bytes(p) for p in protocol.encode_result(total, {"a": total * 2})))
    assert len(payload) == 8 + 8 + (2 + 1 + 8)  # header counts, totals, one named component: no pickle
    got, parts = protocol.decode_result(payload)
    assert got.tolist() == [1.5, -2.0] and parts["a"].tolist() == [3.0, -4.0]
    with pytest.raises(protocol.WireError, match="truncated"):
        protocol.decode_result(payload[:-3])


def test_integer_fields_cross_narrowed_but_lossless(sandbox):
    values = {"small": torch.tensor([[-1, 5], [127, -128]]),
              "mid": torch.tensor([[300, -1], [0, 2]], dtype=torch.int32),
              "big": torch.tensor([[2**40, -1], [0, -(2**62)]])}
    _, parts = protocol.encode_call("0" * 64, values)
    payload = bytearray(b"".join(bytes(p) for p in parts))
    _, _, state = protocol.decode_call(payload)
    for key, value in values.items():
        assert state[key].dtype == value.dtype and torch.equal(state[key], value)
    assert len(payload) < 72 + 3 * 40 + 4 * 1 + 4 * 2 + 4 * 8  # int8, int16 and int64 bodies
    source = ("def compute_reward(state):\n    s = state['small'].sum(dim=1) + state['big'].sum(dim=1) // 2 ** 40\n"
              "    return s.float(), {'is_int64': torch.tensor([float(state['small'].dtype == torch.int64)] * 2)}\n")
    result = sandbox.run(source, values)
    assert result.total.tolist() == [4.0 + 1 - 1, -1.0 + (-(2**62)) // 2**40]
    assert result.components["is_int64"].tolist() == [1.0, 1.0]


def test_programs_evicted_from_the_worker_cache_are_sent_again(sandbox):
    from reward_plugins.code.worker import CACHE_SIZE

    sources = [f"def compute_reward(state):\n    return state['x'] + {i}, {{}}\n" for i in range(CACHE_SIZE + 2)]
    for i, source in enumerate(sources):
        assert sandbox.run(source, STATE).total.tolist() == [1.0 + i, 2.0 + i, 3.0 + i]
    assert sandbox.run(sources[0], STATE).total.tolist() == [1.0, 2.0, 3.0]  # evicted there, resent by the parent
