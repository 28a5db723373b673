"""The messages that ask an LLM for a reward program (Text2Reward's prompt) and for its repair.

The user message carries, in order: the task in words, the env's reward-state documentation
(``reward_state_doc``: every field with its shape, dtype, bounds, meaning and unit), the required
signature and the rules the sandbox enforces, optional few-shot examples, and optional feedback
(human text, or :mod:`.feedback`'s summary of the last training run).
"""
from __future__ import annotations

from collections.abc import Sequence

from ..errors import RewardCodeError

Message = dict[str, str]

SYSTEM_PROMPT = (
    "You write reward functions for reinforcement learning. You answer with one Python code block that "
    "defines the requested function and nothing the rules forbid, then at most a few lines of explanation."
)

REWARD_SIGNATURE = '''def compute_reward(state):
    """Reward for a batch of B transitions.

    state: dict field name -> torch tensor whose first axis is the batch (B rows), fields as documented.
    Returns (total, components): total is a float tensor of shape [B]; components is a dict
    component name -> float tensor of shape [B] (the terms total is made of, for logging).
    """'''

RULES = (
    "Write exactly one function named compute_reward with the signature above; helper functions may be "
    "defined inside it.",
    "Work on whole batches with tensor operations (no Python loops over rows): every field's first axis is "
    "the batch.",
    "Use only the names `torch` and `math` as given (torch.where, torch.clamp, torch.abs, torch.exp, "
    "torch.tanh, torch.sqrt, torch.minimum, torch.maximum, torch.sum, torch.mean, torch.norm, torch.zeros_like, "
    "torch.ones_like, torch.as_tensor, torch.float32 and similar math functions; math.pi, math.exp, ...); "
    "no import statements.",
    "No names or attributes that start with an underscore, no file, network, process or environment access, "
    "no eval/exec/compile/open/getattr/globals: the program runs in a sandbox that rejects them.",
    "Do not modify the input tensors; return new tensors.",
    "Return float tensors of shape [B] that are finite for every valid state (guard divisions and logs).",
    "Name each component after what it rewards and keep components on comparable scales (about -1..1 per step).",
)


def _numbered(lines: Sequence[str]) -> str:
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, 1))


def build_messages(
    env_doc: str,
    task: str,
    *,
    examples: Sequence[str] = (),
    feedback: str | None = None,
    extra_rules: Sequence[str] = (),
) -> list[Message]:
    """The chat messages asking for a reward program for ``task`` on an env documented by ``env_doc``.

    Args:
        env_doc: the env's ``reward_state_doc`` (what each field of the reward state means).
        task: what the policy should learn, in words.
        examples: few-shot reward programs (source code) for other tasks, shown as examples.
        feedback: text to act on: human feedback or a training summary (:mod:`.feedback`).
        extra_rules: further rules appended to :data:`RULES`.

    Raises:
        RewardCodeError: an empty ``env_doc`` or ``task`` (the LLM would have nothing to go on).
    """
    for name, value in (("env_doc", env_doc), ("task", task)):
        if not isinstance(value, str) or not value.strip():
            raise RewardCodeError(f"{name} must be a non-empty string, got {value!r}")
    parts = [
        f"Task: {task.strip()}",
        f"The reward state of the environment, one batch row per transition:\n{env_doc.strip()}",
        f"Write this function:\n```python\n{REWARD_SIGNATURE}\n```",
        f"Rules:\n{_numbered([*RULES, *extra_rules])}",
    ]
    for i, example in enumerate(examples, 1):
        parts.append(f"Example {i} (another task, same signature):\n```python\n{example.strip()}\n```")
    if feedback:
        parts.append(f"Feedback on earlier reward functions for this task:\n{feedback.strip()}")
    parts.append("Answer with the whole function in one ```python code block.")
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": "\n\n".join(parts)}]


def repair_messages(messages: Sequence[Message], reply: str, error: str) -> list[Message]:
    """``messages`` continued with the failed ``reply`` and a request to fix ``error`` (the critic's report)."""
    return [
        *messages,
        {"role": "assistant", "content": reply},
        {"role": "user", "content": (
            f"That reward function failed the checks:\n{error.strip()}\n\n"
            "Fix it and answer with the whole corrected function in one ```python code block."
        )},
    ]
