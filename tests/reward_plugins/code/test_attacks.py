"""The attack suite: programs that try to escape, each refused by the validator or contained by the worker.

Every case ends the same way: the error is the specific one expected, the parent's torch and environment
are untouched, and the same worker (for contained cases) still runs the next, honest program.
"""
import os

import pytest
import torch

from reward_plugins.code import protocol, validate_program
from reward_plugins.errors import RewardProgramError, RewardSandboxError

STATE = {"x": torch.tensor([1.0, 2.0, 3.0]), "flag": torch.tensor([True, False, True])}
CANARY = "def compute_reward(state):\n    return state['x'] * 2, {'x': state['x']}\n"


def program(body: str) -> str:
    """``body`` (a function body, 4-space indented by us) as a compute_reward program."""
    lines = "\n".join("    " + line for line in body.strip("\n").splitlines())
    return f"def compute_reward(state):\n{lines}\n"


#: (id, source, rule) -- refused before any process sees the program.
REJECTED = [
    ("subclasses walk", program("return ().__class__.__bases__[0].__subclasses__(), {}"), "attribute"),
    ("mro walk", program("return [].__class__.__mro__[1], {}"), "attribute"),
    ("state class", program("return state.__class__, {}"), "attribute"),
    ("format attribute access", program("return '{0.__class__}'.format(state), {}"), "attribute"),
    ("format_map globals", program("return '{f.__globals__}'.format_map({'f': compute_reward}), {}"), "attribute"),
    ("f-string dunder", program("return f'{state.__class__}', {}"), "attribute"),
    ("getattr builtin", program("return getattr(torch, 'load'), {}"), "name"),
    ("eval", program("return eval('1'), {}"), "name"),
    ("exec", program("exec('import os')\nreturn state['x'], {}"), "name"),
    ("compile", program("return compile('1', 's', 'eval'), {}"), "name"),
    ("open environ", program("return open('/proc/self/environ'), {}"), "name"),
    ("parent environ", program("return open('/proc/' + str(1) + '/environ'), {}"), "name"),
    ("dunder import", program("return __import__('os'), {}"), "name"),
    ("globals", program("return globals()['torch'], {}"), "name"),
    ("vars", program("return vars(torch), {}"), "name"),
    ("type construction", program("return type('X', (), {}), {}"), "name"),
    ("breakpoint", program("breakpoint()\nreturn state['x'], {}"), "name"),
    ("print", program("print(state)\nreturn state['x'], {}"), "name"),
    ("import os", "import os\ndef compute_reward(state):\n    return state['x'], {}\n", "import"),
    ("fork bomb", program("import os\nwhile True:\n    os.fork()"), "import"),
    ("socket", program("import socket\nsocket.create_connection(('127.0.0.1', 80))\nreturn state['x'], {}"),
     "import"),
    ("subprocess", program("from subprocess import run\nrun(['id'])\nreturn state['x'], {}"), "import"),
    ("operator attrgetter", program("import operator\nreturn operator.attrgetter('__class__')(state), {}"),
     "import"),
    ("generator frame", program("g = (v for v in [1])\nreturn g.gi_frame.f_back, {}"), "attribute"),
    ("function globals", program("return compute_reward.__globals__, {}"), "attribute"),
    ("lambda code", program("return (lambda: 0).__code__, {}"), "attribute"),
    ("decorator", "def deco(f):\n    return f\n@deco\ndef compute_reward(state):\n    return state['x'], {}\n",
     "decorator"),
    ("class", program("class A:\n    pass\nreturn state['x'], {}"), "class"),
    ("traceback", program("try:\n    1 / 0\nexcept Exception as e:\n    return e.args, {}"), "try"),
    ("global", program("global torch\ntorch = 1\nreturn state['x'], {}"), "global"),
    ("nonlocal", program("y = 1\ndef f():\n    nonlocal y\n    y = 2\nreturn state['x'], {}"), "global"),
    ("torch.load", program("return torch.load('/etc/passwd'), {}"), "attribute"),
    ("torch.hub", program("return torch.hub.load('a', 'b'), {}"), "attribute"),
    ("torch.os", program("torch.os.system('id')\nreturn state['x'], {}"), "attribute"),
    ("torch.utils", program("return torch.utils.data, {}"), "attribute"),
    ("torch.save file write", program("torch.save(state['x'], '/tmp/x')\nreturn state['x'], {}"), "attribute"),
    ("numpy tofile", program("state['x'].numpy().tofile('/tmp/x')\nreturn state['x'], {}"), "attribute"),
    ("data_ptr", program("return state['x'].data_ptr(), {}"), "attribute"),
    ("untyped storage", program("return state['x'].untyped_storage(), {}"), "attribute"),
    ("frombuffer alias", program("return torch.frombuffer(state['x'], dtype=torch.float32), {}"), "attribute"),
    ("from_file", program("return torch.from_file('/etc/passwd'), {}"), "attribute"),
    ("torch.ops", program("return torch.ops.aten, {}"), "attribute"),
    ("environ via torch", program("return torch.os.environ, {}"), "attribute"),
    ("torch.ctypes", program("return torch.ctypes.CDLL(None), {}"), "attribute"),
    ("torch.importlib", program("return torch.importlib.import_module('os'), {}"), "attribute"),
    ("torch.builtins", program("return torch.builtins.open('/etc/passwd'), {}"), "attribute"),
    ("str.format method", program("f = 'x'.format\nreturn f, {}"), "attribute"),
    ("monkeypatch torch", program("torch.clamp = None\nreturn state['x'], {}"), "attribute"),
    ("monkeypatch math", program("math.pi = 3\nreturn state['x'], {}"), "attribute"),
    ("in-place tensor method", program("state['x'].add_(1)\nreturn state['x'], {}"), "attribute"),
    ("long string literal", program(f"s = '{'a' * 2000}'\nreturn state['x'], {{}}"), "literal"),
    ("huge int literal", program(f"n = {10 ** 40}\nreturn state['x'], {{}}"), "literal"),
    ("huge display", program(f"v = [{', '.join(['1'] * 300)}]\nreturn state['x'], {{}}"), "literal"),
    ("bytes literal", program("b = b'x'\nreturn state['x'], {}"), "literal"),
    ("deep nesting", program(f"v = {'-' * 200}1\nreturn state['x'], {{}}"), "nesting"),
    ("yield", program("yield state['x']"), "generator"),
    ("with", program("with open('x') as f:\n    pass\nreturn state['x'], {}"), "with"),
    ("del", program("v = 1\ndel v\nreturn state['x'], {}"), "del"),
    ("underscore name", program("_x = 1\nreturn state['x'], {}"), "name"),
    ("signature with env", "def compute_reward(self, state, env):\n    return state['x'], {}\n", "signature"),
    ("top-level statement", "for i in range(3):\n    pass\ndef compute_reward(state):\n    return state['x'], {}\n",
     "top level"),
]

#: (id, source, kind) -- valid programs whose run the worker contains.
CONTAINED = [
    ("huge tensor allocation", program("return torch.zeros(10 ** 11), {}"), "exception"),
    ("huge list allocation", program("return [0] * 10 ** 10, {}"), "exception"),
    ("huge string allocation", program("return 'a' * 10 ** 10, {}"), "exception"),
    ("deep recursion", "def f(n):\n    return f(n + 1)\ndef compute_reward(state):\n    return f(0), {}\n",
     "exception"),
    ("fork without os", program("while True:\n    fork()"), "exception"),
    ("write into the state dict", program("state['x'] = torch.zeros(3)\nreturn state['x'], {}"), "exception"),
    ("monkeypatch namespace by item", program("torch['load'] = 1\nreturn state['x'], {}"), "exception"),
    ("string output", program("return 'hello', {}"), "output"),
    ("three outputs", program("return state['x'], {}, 1"), "output"),
    ("bare tensor output", program("return state['x']"), "output"),
    ("huge output", program("return torch.zeros(10 ** 7), {}"), "output"),
    ("wrong-shape output", program("return state['x'][None].expand(3, 3), {}"), "output"),
    ("too many components", program("return state['x'], {str(i): state['x'] for i in range(1000)}"), "output"),
    ("list component", program("return state['x'], {'a': [1.0, 2.0, 3.0]}"), "output"),
    ("non-string component name", program("return state['x'], {1: state['x']}"), "output"),
]


def parent_untouched(pid_before, sandbox):
    assert torch.load.__module__ == "torch.serialization" and callable(torch.clamp)
    assert "PATH" in os.environ
    if pid_before is not None:
        assert sandbox.pid == pid_before, "a contained program must not cost the worker"
    result = sandbox.run(CANARY, STATE)
    assert torch.equal(result.total, torch.tensor([2.0, 4.0, 6.0]))


def test_the_suite_is_large_enough():
    assert len(REJECTED) + len(CONTAINED) >= 40


@pytest.mark.parametrize(("source", "rule"), [c[1:] for c in REJECTED], ids=[c[0] for c in REJECTED])
def test_rejected_here_and_in_the_worker(sandbox, source, rule):
    with pytest.raises(RewardProgramError) as caught:
        validate_program(source)
    assert caught.value.rule == rule and f"({rule})" in str(caught.value)
    assert caught.value.line >= 1 or rule in ("signature", "size")
    with pytest.raises(RewardProgramError):
        sandbox.run(source, STATE)
    # the worker validates again on its own: send the program past the parent's check, straight down the pipe
    pid = sandbox.run(CANARY, STATE) and sandbox.pid
    tag, payload = sandbox._exchange(protocol.PROG, [source.encode()], "defining the program")
    assert tag == protocol.FAIL and protocol.decode_failure(payload)[0].endswith(f":{rule}")
    parent_untouched(pid, sandbox)


@pytest.mark.parametrize(("source", "kind"), [c[1:] for c in CONTAINED], ids=[c[0] for c in CONTAINED])
def test_contained_by_the_worker(sandbox, source, kind):
    validate_program(source)
    sandbox.run(CANARY, STATE)
    pid = sandbox.pid
    with pytest.raises(RewardSandboxError) as caught:
        sandbox.run(source, STATE)
    assert caught.value.kind == kind
    parent_untouched(pid, sandbox)


def test_writes_to_state_tensors_never_reach_the_parent(sandbox):
    x = torch.tensor([1.0, 2.0, 3.0])
    result = sandbox.run(program("v = state['x']\nv[0] = 1e9\nreturn v, {}"), {"x": x})
    assert result.total.tolist() == [1e9, 2.0, 3.0]
    assert x.tolist() == [1.0, 2.0, 3.0]  # the worker's tensors are built from bytes: no aliasing
    again = sandbox.run(program("return state['x'], {}"), {"x": x})
    assert again.total.tolist() == [1.0, 2.0, 3.0]  # nor do they persist to the next call


def test_a_rejection_names_the_line_and_rule():
    source = "def compute_reward(state):\n    v = state['x']\n    return v.__class__, {}\n"
    with pytest.raises(RewardProgramError, match=r"\(attribute\): line 3: .__class__"):
        validate_program(source)
