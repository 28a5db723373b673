"""``vlm_judge``: a multimodal model behind any OpenAI-compatible server scores each frame against the task.

Each frame goes to the model as a PNG data URL with the task in words (a fixed ``task``, or each
env's ``instruction`` when none is given), with a question asking for a score from 0 to
``scale`` (``mode="score"``) or a yes/no on completion (``mode="yes_no"``). Replies are read by
:func:`~reward_plugins.llm.parse.parse_score` (tags, ``Score: 7/10``, percentages, yes/no in
prose), so the reward is in [0, 1]:

- an unparsable reply scores ``fallback`` (default 0) and counts in ``vlm_judge_unparsable``;
- a frame whose label has not arrived within ``timeout`` seconds scores ``pending_reward``
  (default 0) this step and its label once it arrives; ``timeout=None`` waits for every label.

Labels are kept by (frame hash, prompt): a frame seen again (Sokoban and GUI frames repeat a lot)
costs a dictionary lookup, labels survive ``state_dict`` round trips, and the client's on-disk
cache replays them across runs.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from torch import Tensor

from ..base import TransitionBatch
from ..errors import ShaperConfigError
from ..llm.client import ChatClient, Message
from ..llm.images import png_data_url
from ..llm.labeler import stable_key
from ..llm.parse import parse_score
from ..llm.shaper import LabelledShaper

SYSTEM = ("You judge whether an agent has achieved a task, from one image of its environment. Answer exactly in the "
          "format asked.")
QUESTIONS = {
    "score": ("How close is the state shown to achieving the task? Think briefly, then give a score from 0 (not at "
              "all) to {scale:g} (achieved) inside <score></score> tags."),
    "yes_no": "Is the task achieved in the state shown? Answer yes or no inside <answer></answer> tags.",
}


class VLMJudge(LabelledShaper):
    """Reward = a VLM's judgement of each frame, in [0, 1] (see the module docstring).

    Args:
        task: the task in words; ``None`` reads each env's ``instruction`` input.
        client: a :class:`~reward_plugins.llm.ChatClient`, a dict of its arguments, or ``None``
            (the ``AGENTENVS_LLM_*`` environment variables).
        mode: ``"score"`` or ``"yes_no"``.
        scale: the top of the score range asked for in ``"score"`` mode.
        question: replaces the mode's question (``{scale}`` is filled in).
        system: the system message.
        timeout: the longest one step waits for labels, seconds (``None``: until all arrive).
        fallback: the reward of an unparsable reply.
        pending_reward: the reward of a frame still waiting for its label.
        temperature, max_tokens, seed: sampling of each request.
        max_concurrency: requests in flight at once.
        device: where rewards are returned.
    """

    def __init__(
        self,
        task: str | None = None,
        client: ChatClient | Mapping[str, Any] | None = None,
        mode: str = "score",
        scale: float = 10.0,
        question: str | None = None,
        system: str = SYSTEM,
        timeout: float | None = 1.0,
        fallback: float = 0.0,
        pending_reward: float = 0.0,
        temperature: float = 0.0,
        max_tokens: int | None = None,
        seed: int | None = 0,
        max_concurrency: int = 8,
        device: torch.device | str | None = None,
    ) -> None:
        if mode not in QUESTIONS:
            raise ShaperConfigError(f"vlm_judge mode must be one of {sorted(QUESTIONS)}, got {mode!r}")
        if not scale > 0:
            raise ShaperConfigError(f"vlm_judge scale must be > 0, got {scale!r}")
        self.task, self.mode, self.scale, self.system = task, mode, float(scale), system
        self.question = (question or QUESTIONS[mode]).replace("{scale:g}", "{scale}").replace("{scale}", f"{scale:g}")
        self.pending_reward = float(pending_reward)
        self.requires = frozenset({"frames"} if task is not None else {"frames", "instruction"})
        super().__init__(client, self._messages, self._parse, fallback=fallback, timeout=timeout,
                         temperature=temperature, max_tokens=max_tokens, seed=seed, max_concurrency=max_concurrency,
                         device=device)

    def prompt_text(self, task: str) -> str:
        """The text part of the question about one frame."""
        return f"Task: {task}\n\n{self.question}"

    def _messages(self, item: tuple[np.ndarray, str]) -> list[Message]:
        frame, task = item
        return [{"role": "system", "content": self.system},
                {"role": "user", "content": [{"type": "text", "text": self.prompt_text(task)},
                                             {"type": "image_url", "image_url": {"url": png_data_url(frame)}}]}]

    def _parse(self, reply: str) -> float | None:
        return parse_score(reply, scale=self.scale)

    def forward(self, batch: TransitionBatch) -> Tensor:
        frames = self.field(batch, "frames")
        size = batch.batch_size
        tasks = [self.task] * size if self.task is not None else self.field(batch, "instruction")
        rows = self.scored_rows(batch).cpu().tolist()
        pixels = frames.detach().to("cpu").numpy()
        keyed: list[tuple[int, Any] | None] = []
        for i in range(size):
            if not rows[i]:
                keyed.append(None)
                continue
            frame, text = pixels[i], self.system + "\n" + self.prompt_text(str(tasks[i]))
            keyed.append((stable_key(str(frame.shape), frame.tobytes(), text), (frame.copy(), str(tasks[i]))))
        labels = self.labels_of(keyed)
        values = [0.0 if entry is None else (self.pending_reward if label is None else label)
                  for entry, label in zip(keyed, labels)]
        return torch.tensor(values, dtype=torch.float32, device=self.device)

    def extra_repr(self) -> str:
        return f"task={self.task!r}, mode={self.mode!r}, timeout={self.timeout}, {super().extra_repr()}"
