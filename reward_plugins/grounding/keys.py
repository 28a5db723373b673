"""The ``reward_state`` keys the grounding shapers read, and reading them.

Any env whose ``reward_state()`` holds these entries (under these names, or names given to the
shaper) can be shaped; the agentenvs GUI envs and the web family's click task expose them:

====================  ==========================  ===============================================
key                   per env                     meaning
====================  ==========================  ===============================================
``cursor``            float32 ``(2,)``            the pointer (x, y) in pixels after the step
``target_box``        float32 ``(4,)``            the target element's box x1, y1, x2, y2, pixels
``pred_box``          float32 ``(4,)``            a box the agent predicted (box-output tasks)
``screen_size``       float32 ``(2,)``            screen width, height in pixels
``clicked``           0 / 1                       1 on the step that clicked (STOP)
``action_is_valid``   0 / 1                       the action parsed (text actions' format)
``step``              int                         steps taken in the episode
``max_steps``         int                         the episode's step limit
====================  ==========================  ===============================================
"""
from __future__ import annotations

import torch
from torch import Tensor

from ..base import TransitionBatch
from ..errors import RewardStateError, ShaperConfigError

CURSOR = "cursor"
TARGET_BOX = "target_box"
PRED_BOX = "pred_box"
SCREEN_SIZE = "screen_size"
CLICKED = "clicked"
ACTION_IS_VALID = "action_is_valid"
STEP = "step"
MAX_STEPS = "max_steps"


def check_key(value: object, argument: str, owner: str) -> str:
    """``value`` if it is a non-empty string (a ``reward_state`` key), else a :class:`ShaperConfigError`."""
    if not isinstance(value, str) or not value:
        raise ShaperConfigError(f"{owner} {argument} must name a reward_state key (a non-empty string), got {value!r}")
    return value


def read_state(
    batch: TransitionBatch, key: str, *, columns: tuple[int, ...], argument: str, owner: str, device: torch.device
) -> Tensor:
    """``batch.reward_state[key]`` as float32 on ``device``: ``[B, n]`` for ``n`` in ``columns``, or ``[B]``.

    ``columns=(2, 4)`` takes points or boxes; ``columns=()`` takes one number per env (``[B]`` or
    ``[B, 1]``).

    :raises RewardStateError: the key is absent (naming the keys there and ``argument``, the shaper
        argument that renames it) or its shape is not one of those.
    """
    state = batch.reward_state
    if state is None or key not in state:
        have = sorted(state) if state is not None else []
        raise RewardStateError(
            f"{owner} reads reward_state[{key!r}], which this env does not give (its reward_state has {have}); "
            f"pass {argument}='<key>' to read another entry, or expose {key!r} in the env's reward_state()"
        )
    value = state[key]
    b = batch.batch_size
    want = [(b, n) for n in columns] if columns else [(b,), (b, 1)]
    if tuple(value.shape) not in want:
        raise RewardStateError(
            f"{owner} reads reward_state[{key!r}] as shape {' or '.join(map(str, want))} (a batch of {b}), "
            f"got {tuple(value.shape)}"
        )
    out = value.to(device, torch.float32)
    return out if columns else out.reshape(b)
