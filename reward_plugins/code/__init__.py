"""Reward programs in a sandbox: validate untrusted ``compute_reward(state)`` code and run it batched in a worker.

Two layers, both required. :func:`validate_program` walks the program's AST against allow-lists (no
imports, no underscore names or attributes outside :data:`~reward_plugins.code.rules.SAFE_ATTRIBUTES`,
no ``exec``/``open``/``getattr``..., bounded literals and nesting) and never runs it. :class:`Sandbox`
runs it in a separate worker process with rlimits, an empty environment, no inherited file descriptors
but its pipe and a SIGKILL watchdog; states and rewards cross as raw bytes, never pickles.
``make_shaper("code", source=...)`` (:class:`CodeShaper`) puts both behind the shaper contract.
"""
from .sandbox import RewardResult, Sandbox, SandboxLimits, default_sandbox
from .shaper import CodeShaper, check_fields, doc_fields
from .validate import RewardProgram, validate_program

__all__ = ["CodeShaper", "RewardProgram", "RewardResult", "Sandbox", "SandboxLimits", "check_fields",
           "default_sandbox", "doc_fields", "validate_program"]
