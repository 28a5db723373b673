"""``oni``: intrinsic reward from LLM feedback on observation captions, distilled into a reward model.

After ONI ("Online Intrinsic Rewards for Decision Making Agents from Large Language Model
Feedback", Zheng et al., 2024): an asynchronous annotator sends the captions of observations the
agent meets (text observations as they are, ``input="text"``; other envs through their
``caption()`` method, ``input="caption"``) to an LLM, which labels each one yes (1) or no (0): does
it show progress towards the task, or something new and useful for it? Labels are cached by
(caption, prompt) and distilled into a reward model that scores every observation, labelled or not:

- a hash lookup: a caption with a label gets its label;
- a classifier: logistic regression over hashed word and character-trigram counts
  (:func:`~reward_plugins.intrinsic.encoders.text_features`), trained in ``update`` on every
  label received so far (minibatch SGD on binary cross-entropy), scores the others with its
  probability of "yes" once it has seen ``min_examples`` labels (``pending_reward`` before that).

The env loop never waits for the LLM: ``forward`` queues unlabelled captions and returns at once
(``timeout=0``, the default; ``None`` waits for every label, for exact replays and tests). Labels,
training examples and classifier weights live in ``state_dict``; the client's disk cache replays
labels across runs.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import torch
from torch import Tensor, nn

from ..base import TransitionBatch
from ..errors import ShaperConfigError
from ..intrinsic.encoders import TEXT_BUCKETS, text_features
from ..llm.client import ChatClient, Message
from ..llm.labeler import stable_key
from ..llm.parse import parse_score
from ..llm.shaper import LabelledShaper

SYSTEM = ("You help a reinforcement-learning agent learn a task by labelling what it observes. Answer exactly in the "
          "format asked.")
QUESTION = ("Does this observation show progress towards the task, or something new and useful for it? Answer yes or "
            "no inside <answer></answer> tags.")


class ONIBonus(LabelledShaper):
    """LLM labels of captions, distilled into a hash lookup plus a classifier (see the module docstring).

    Args:
        task: the task in words, given to the LLM with each caption.
        client: a :class:`~reward_plugins.llm.ChatClient`, a dict of its arguments, or ``None``
            (the ``AGENTENVS_LLM_*`` environment variables).
        input: ``"text"`` (text observations) or ``"caption"`` (the env's ``caption()``).
        question, system: the prompt's question and system message.
        timeout: the longest one step waits for labels, seconds (``0``: never; ``None``: until all arrive).
        fallback: the label of an unparsable reply.
        pending_reward: the reward of an unlabelled caption before the classifier has ``min_examples`` labels.
        min_examples: labels needed before the classifier scores unlabelled captions.
        buckets: width of the hashed text features.
        lr, train_steps, batch_size: SGD of the classifier, per ``update`` that has labels to learn from.
        max_examples: the newest labels kept for training.
        temperature, max_tokens, seed: sampling of each request; ``seed`` also seeds minibatches.
        max_concurrency: requests in flight at once.
        device: where features, the classifier and rewards live.
    """

    updates: Tensor

    def __init__(
        self,
        task: str = "",
        client: ChatClient | Mapping[str, Any] | None = None,
        input: str = "text",  # noqa: A002 (the input's name, as other shapers call it)
        question: str = QUESTION,
        system: str = SYSTEM,
        timeout: float | None = 0.0,
        fallback: float = 0.0,
        pending_reward: float = 0.0,
        min_examples: int = 32,
        buckets: int = TEXT_BUCKETS,
        lr: float = 0.5,
        train_steps: int = 4,
        batch_size: int = 256,
        max_examples: int = 100_000,
        temperature: float = 0.0,
        max_tokens: int | None = None,
        seed: int | None = 0,
        max_concurrency: int = 8,
        device: torch.device | str | None = None,
    ) -> None:
        if input not in ("text", "caption"):
            raise ShaperConfigError(f"oni input must be 'text' (text observations) or 'caption' (env.caption()), "
                                    f"got {input!r}")
        positive = {"min_examples": min_examples, "buckets": buckets, "train_steps": train_steps,
                    "batch_size": batch_size, "max_examples": max_examples}
        if any(not isinstance(v, int) or v < 1 for v in positive.values()) or not lr > 0:
            raise ShaperConfigError(f"oni needs positive ints {sorted(positive)} and lr > 0, got {positive}, lr={lr}")
        self.requires = frozenset({input})
        self.input, self.task, self.question, self.system = input, task, question, system
        self.pending_reward, self.min_examples, self.buckets = float(pending_reward), min_examples, buckets
        self.lr, self.train_steps, self.batch_size, self.max_examples = float(lr), train_steps, batch_size, max_examples
        self.seed = 0 if seed is None else int(seed)
        super().__init__(client, self._messages, self._parse, fallback=fallback, timeout=timeout,
                         temperature=temperature, max_tokens=max_tokens, seed=seed, max_concurrency=max_concurrency,
                         device=device)
        self.classifier = nn.Linear(buckets, 1).to(self.device)
        nn.init.zeros_(self.classifier.weight)
        nn.init.zeros_(self.classifier.bias)
        self.optimizer = torch.optim.SGD(self.classifier.parameters(), lr=self.lr)  # plain SGD: no state to save
        self.register_buffer("updates", torch.zeros((), dtype=torch.int64, device=self.device))
        self.examples: list[str] = []
        self.targets: list[float] = []

    def setup(self, observation_space: gym.Space, action_space: gym.Space, num_envs: int) -> None:
        self.to(self.device)

    def _messages(self, caption: str) -> list[Message]:
        return [{"role": "system", "content": self.system},
                {"role": "user", "content": f"Task: {self.task}\n\nObservation:\n{caption}\n\n{self.question}"}]

    def _parse(self, reply: str) -> float | None:
        return parse_score(reply, scale=1.0)

    def features(self, captions: list[str]) -> Tensor:
        """Hashed word and trigram counts, ``log1p``-scaled and L2-normalised, ``[B, buckets]``."""
        x = torch.log1p(text_features(captions, self.device, self.buckets))
        return x / x.norm(dim=1, keepdim=True).clamp_min(1e-6)

    def predict(self, captions: list[str]) -> Tensor:
        """The classifier's probability of "yes" for each caption, ``[B]``."""
        with torch.no_grad():
            return torch.sigmoid(self.classifier(self.features(captions))).squeeze(1)

    def forward(self, batch: TransitionBatch) -> Tensor:
        captions = [str(c) for c in self.field(batch, self.input)]
        rows = self.scored_rows(batch).cpu().tolist()
        prompt = self.system + "\n" + self.task + "\n" + self.question
        keyed = [(stable_key(prompt, caption), caption) if ok else None for caption, ok in zip(captions, rows)]
        labels = self.labels_of(keyed)
        out = torch.zeros(len(captions), dtype=torch.float32, device=self.device)
        missing = [i for i, (entry, label) in enumerate(zip(keyed, labels)) if entry is not None and label is None]
        known = [i for i, label in enumerate(labels) if label is not None]
        if known:
            out[known] = torch.tensor([labels[i] for i in known], dtype=torch.float32, device=self.device)
        if missing:
            if len(self.examples) >= self.min_examples:
                out[missing] = self.predict([captions[i] for i in missing])
            else:
                out[missing] = self.pending_reward
        return out

    def update(self, batch: TransitionBatch) -> dict[str, float]:
        """Learn from the labels received since the last update; the labeler's counts and the loss."""
        for _, caption, label in self.labeler.drain():
            self.examples.append(caption)
            self.targets.append(label)
        del self.examples[:-self.max_examples], self.targets[:-self.max_examples]
        stats = {**self.label_stats(), "oni_examples": float(len(self.examples))}
        if self.examples:
            stats["oni_loss"] = self._train()
        return stats

    def _train(self) -> float:
        """``train_steps`` SGD steps on minibatches of the examples; the mean loss."""
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + int(self.updates))
        self.updates += 1
        targets = torch.tensor(self.targets, dtype=torch.float32, device=self.device)
        losses = []
        for _ in range(self.train_steps):
            rows = torch.randint(len(self.examples), (min(self.batch_size, len(self.examples)),), generator=generator)
            x = self.features([self.examples[i] for i in rows.tolist()])
            logits = self.classifier(x).squeeze(1)
            loss = nn.functional.binary_cross_entropy_with_logits(logits, targets[rows.to(self.device)])
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            losses.append(float(loss.detach()))
        return math.fsum(losses) / len(losses)

    def get_extra_state(self) -> Any:
        return {**super().get_extra_state(), "examples": list(self.examples),
                "targets": torch.tensor(self.targets, dtype=torch.float32)}

    def set_extra_state(self, state: Any) -> None:
        super().set_extra_state(state)
        self.examples, self.targets = list(state["examples"]), state["targets"].tolist()

    def extra_repr(self) -> str:
        return f"input={self.input!r}, task={self.task!r}, timeout={self.timeout}, {super().extra_repr()}"
