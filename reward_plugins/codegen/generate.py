"""Ask an LLM for reward programs, check each with the critic, and send failures back for repair.

One request samples ``samples`` programs; each goes through extraction (:mod:`.extract`) and the
critic (:mod:`.critic`); a failing one is returned to the LLM with the critic's report
(:func:`~.prompt.repair_messages`), up to ``repair_rounds`` times. Repairs of one round go out
together. Every prompt, reply, program and report is kept in the returned :class:`Candidate` records so a
run directory can record them; with the client's response cache a rerun replays them exactly.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from ..errors import RewardCodeError
from .critic import CriticReport, ProgramRunner, critique
from .extract import extract_code
from .prompt import Message, build_messages, repair_messages


@dataclass
class Attempt:
    """One reply and what became of it: the program extracted (or why none was) and the critic's report."""

    messages: list[Message]
    reply: str
    source: str | None = None
    report: CriticReport | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.report is not None and self.report.ok

    def problems(self) -> str:
        """What to tell the LLM: the extraction error or the critic's problems."""
        return self.error or (self.report.text() if self.report else "")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready record (messages, reply, program, report)."""
        return {"messages": self.messages, "reply": self.reply, "source": self.source,
                "report": self.report.to_dict() if self.report else None, "error": self.error}


@dataclass
class Candidate:
    """One sampled program and its repairs; :attr:`source` is the accepted program, if any."""

    index: int
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.attempts) and self.attempts[-1].ok

    @property
    def source(self) -> str | None:
        return self.attempts[-1].source if self.ok else None

    @property
    def repairs(self) -> int:
        return max(len(self.attempts) - 1, 0)

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "ok": self.ok, "repairs": self.repairs,
                "attempts": [a.to_dict() for a in self.attempts]}


def _check(messages: list[Message], reply: str, states: Mapping[str, torch.Tensor],
           runner: ProgramRunner) -> Attempt:
    attempt = Attempt(messages, reply)
    try:
        attempt.source = extract_code(reply)
    except RewardCodeError as error:
        attempt.error = str(error)
        return attempt
    attempt.report = critique(runner, attempt.source, states)
    return attempt


def generate_rewards(
    client: Any,
    env_doc: str,
    task: str,
    states: Mapping[str, torch.Tensor],
    runner: ProgramRunner,
    *,
    samples: int = 1,
    repair_rounds: int = 2,
    examples: Sequence[str] = (),
    feedback: str | None = None,
    temperature: float = 1.0,
    seed: int | None = None,
) -> list[Candidate]:
    """``samples`` reward programs for ``task``, each checked and repaired (see the module docstring).

    Args:
        client: a :class:`~reward_plugins.llm.ChatClient` (anything with its ``complete`` and
            ``complete_many``).
        env_doc: the env's ``reward_state_doc``.
        task: the task in words.
        states: a batch of the env's reward states (random and oracle rollouts) for the critic.
        runner: runs a program on ``states`` (the sandbox).
        samples: programs sampled in the first request (``n``).
        repair_rounds: how many times a failing program goes back to the LLM.
        examples: few-shot programs.
        feedback: human or training feedback for the prompt.
        temperature: sampling temperature of every request.
        seed: sampling seed of every request (with the response cache, replays are exact).

    Returns:
        One :class:`Candidate` per sample, accepted or not (``candidate.ok``).

    Raises:
        RewardCodeError: bad arguments. LLM errors (unreachable server, ...) propagate.
    """
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        raise RewardCodeError(f"samples must be an int >= 1, got {samples!r}")
    if isinstance(repair_rounds, bool) or not isinstance(repair_rounds, int) or repair_rounds < 0:
        raise RewardCodeError(f"repair_rounds must be an int >= 0, got {repair_rounds!r}")
    messages = build_messages(env_doc, task, examples=examples, feedback=feedback)
    sampling: dict[str, Any] = {"temperature": temperature, "seed": seed}
    replies = client.complete(messages, n=samples, **sampling)
    candidates = [Candidate(i, [_check(messages, reply, states, runner)]) for i, reply in enumerate(replies)]
    for _ in range(repair_rounds):
        failing = [c for c in candidates if not c.ok]
        if not failing:
            break
        prompts = [repair_messages(c.attempts[-1].messages, c.attempts[-1].reply, c.attempts[-1].problems())
                   for c in failing]
        answers = client.complete_many(prompts, n=1, **sampling)
        for candidate, prompt, answer in zip(failing, prompts, answers):
            candidate.attempts.append(_check(prompt, answer[0], states, runner))
    return candidates
