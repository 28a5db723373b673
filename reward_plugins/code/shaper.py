"""The ``code`` shaper: a reward program (LLM-written or not) scored in the sandbox on each batch of reward states."""
from __future__ import annotations

import re

import torch
from torch import Tensor

from ..base import RewardShaper, TransitionBatch
from ..errors import RewardProgramError
from .sandbox import Sandbox, SandboxLimits, default_sandbox
from .validate import RewardProgram, validate_program

_DOC_FIELD = re.compile(r"^ {4}(\w+): ", re.MULTILINE)


def doc_fields(env_doc: str) -> list[str]:
    """The field names a ``reward_state_doc`` lists (one ``    name: ...`` line per field)."""
    return _DOC_FIELD.findall(env_doc)


def check_fields(program: RewardProgram, env_doc: str) -> None:
    """Refuse a program that reads a reward-state field the env's doc does not list (naming its line)."""
    known = set(doc_fields(env_doc))
    if not known or program.fields is None:
        return
    for name, line in program.fields.items():
        if name not in known:
            raise RewardProgramError(
                f"reward program rejected (field): line {line}: state[{name!r}] is not a field of this env's reward "
                f"state; its fields are {sorted(known)}", line=line, rule="field")


class CodeShaper(RewardShaper):
    """Rewards from ``compute_reward(state) -> (total [B], {name: [B]})``, run in a sandbox worker.

    The program is validated when the shaper is built (and against ``env_doc``'s fields when given),
    compiled once per worker and cached by its SHA-256. The worker computes on CPU; rewards come back on
    :attr:`device`. Stateless: the same states always give the same rewards.

    Args:
        source: the program's Python source (see docs/code_rewards.md for the rules).
        env_doc: the env's ``reward_state_doc``; a program reading a field it does not list is refused.
        device: where the rewards are returned (``None``: cuda when present).
        timeout_s: a wall-clock limit per batch for a sandbox of this shaper's own; ``None`` shares the
            process-wide sandbox (10 s).
    """

    requires = frozenset({"reward_state"})

    def __init__(self, source: str, env_doc: str | None = None, device: torch.device | str | None = None,
                 timeout_s: float | None = None) -> None:
        super().__init__(device)
        self.program = validate_program(source)
        if env_doc is not None:
            check_fields(self.program, env_doc)
        self.env_doc = env_doc
        self.sandbox: Sandbox = default_sandbox() if timeout_s is None else Sandbox(SandboxLimits(timeout_s=timeout_s))

    def forward(self, batch: TransitionBatch) -> Tensor:
        result = self.sandbox.run(self.program, self.field(batch, "reward_state"))
        self.last_components = {k: v.to(self.device) for k, v in result.components.items()}
        return result.total.to(self.device)

    def components(self) -> list[str]:
        """The component names of the program's returned dict literal (its own name when they are not literal)."""
        return list(self.program.components) or super().components()

    def extra_repr(self) -> str:
        return f"sha256={self.program.sha256[:12]}, device={self.device}"
