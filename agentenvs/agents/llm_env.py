"""LLMEnv: any LLM-facing id behind one parser, one invalid-action policy, turn and time limits.

It is a wrapper, built by :func:`make`, rather than constructor arguments of each env: the raw
envs keep their behaviour (``gym.make`` is unchanged), and every family, the ones registered
later included, gets the same rules from one piece of code.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, cast

import gymnasium as gym
from gymnasium import spaces
from gymnasium.error import ResetNeeded

from ..core.text import TEXT_CHARSET, fit_text, text_space
from ..errors import ConfigError
from ..registration import EnvEntry
from .parsers import Parser, ParseResult, ToolCall, format_instruction, get_parser, snippet
from .profiles import Profile, profile_of
from .tasks import TaskRow, check_row, constructor_kwargs, llm_entry, reset_arguments
from .timeout import StepTimeout, TimedCaller
from .tools import ToolCallError, Toolset

INVALID_ACTION_POLICIES = ("noop", "feedback", "terminate")
COMPLETION_MAX_LENGTH = 1 << 20
"""The action space's nominal length bound; longer completions are still read, never refused."""
FEEDBACK_MAX_LENGTH = 640
"""Characters an ``"Invalid action: ..."`` prefix may add to a text observation."""
LLM_INFO_KEYS = ("action_is_valid", "parsed_action", "action_error", "success", "reward_components")
"""Keys every reset and step ``info`` of an :class:`LLMEnv` carries."""


def _number(name: str, value: Any, low: float, allow_none: bool = False, integer: bool = False) -> Any:
    if value is None and allow_none:
        return None
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not math.isfinite(value) or value < low:
        kind = "an int" if integer else "a finite number"
        raise ConfigError(f"{name} must be {kind} >= {low}{' or None' if allow_none else ''}, got {value!r}")
    return value


class LLMEnv(gym.Wrapper):
    """An LLM-facing env that takes model completions as actions.

    ## Action
    A completion: ``str``, UTF-8 ``bytes`` or an OpenAI assistant message dict. The parser
    (``action_format``, :mod:`.parsers`) reads the action(s); each is stepped on the raw env in
    order until one ends the episode or is refused. A completion the format refuses steps
    nothing. Nothing a model writes raises.

    ## Invalid actions
    An action is invalid when the format refuses it, a tool call does not fit a tool, or the
    raw env refuses it (its ``info["action_is_valid"]``). It costs ``format_penalty`` (added
    to the reward, ``reward_components["format"]``) and, by ``invalid_action``:

    - ``"noop"``: nothing else; the observation is the env's (unchanged after a refused format);
    - ``"feedback"``: ``info["feedback"]`` is ``"Invalid action: <why>"``, and a text observation
      starts with it (:class:`ChatHistory` puts it before the content parts of other observations);
    - ``"terminate"``: the episode ends (``terminated=True``, ``info["termination_reason"]="invalid_action"``).

    ``max_invalid`` invalid actions in an episode end it too (``termination_reason="max_invalid"``).

    ## Info
    Every ``info`` (reset and step) has the raw env's keys plus ``action_is_valid``,
    ``parsed_action`` (the action(s) read, ``None`` when the format refused the completion),
    ``action_error`` (why invalid, else ``None``), ``success`` (the raw env's ``is_success``),
    ``reward_components`` (``{"env": ..., "format": ...}``, summing to the reward), ``turn``,
    ``invalid_actions`` and, when the raw env has ``state_key()`` and ``state_keys`` is on, ``state_key``
    (GiGPO's anchor; ``state_keys=False`` saves its cost in loops that do not read it).
    The raw env's own ``reward_components`` move to ``env_reward_components``. The last step of
    an episode adds ``score`` in [0, 1] (the env's score, else its progress, else success).
    Reset info has ``task`` (the row played, or ``None``).

    ## Episode end
    Termination: the raw env's, or the invalid-action rules above. Truncation (with
    ``info["truncation_reason"]``): ``"max_turns"`` after ``max_turns`` completions;
    ``"env_limit"`` when the raw env truncates; ``"step_timeout"`` when a raw step runs past
    ``step_timeout`` seconds; ``"env_error"`` when the raw env raises or truncates on a crash it caught
    itself (its ``info["env_error"]`` or, from the web envs, ``info["browser_error"]``), the message in
    ``info["env_error"]``.
    After a timeout or an error the next reset builds a fresh raw env.

    ## Tasks
    ``reset(options=row)`` with a row of :func:`agentenvs.agents.tasks` plays that task (seed
    from the row unless ``seed`` is given); a row of another split or config rebuilds the raw env.
    Other options go to the raw env's reset unchanged.
    """

    def __init__(self, env_id: str, *, action_format: str | Parser = "answer_tag",
                 format_options: Mapping[str, Any] | None = None, invalid_action: str = "feedback",
                 format_penalty: float = -0.1, max_invalid: int | None = None, max_turns: int | None = None,
                 step_timeout: float | None = None, split: str = "train", config: Mapping[str, Any] | None = None,
                 state_keys: bool = True):
        entry = llm_entry(env_id)
        if invalid_action not in INVALID_ACTION_POLICIES:
            raise ConfigError(f"invalid_action must be one of {INVALID_ACTION_POLICIES}, got {invalid_action!r}")
        if isinstance(format_penalty, bool) or not isinstance(format_penalty, (int, float)) \
                or not math.isfinite(format_penalty):
            raise ConfigError(f"format_penalty must be a finite number, got {format_penalty!r}")
        self.entry: EnvEntry = entry
        self.profile: Profile = profile_of(entry)
        self.toolset: Toolset = self.profile.toolset()
        options = dict(format_options or {})
        if callable(action_format):
            self.parser, self.action_format = action_format, getattr(action_format, "__name__", "custom")
        else:
            self.parser, self.action_format = get_parser(action_format, **options), action_format
        self.format_options = options
        self.invalid_action = invalid_action
        self.format_penalty = float(format_penalty)
        self.max_invalid = _number("max_invalid", max_invalid, 1, allow_none=True, integer=True)
        self.max_turns = _number("max_turns", entry.max_turns if max_turns is None else max_turns, 1,
                                 allow_none=True, integer=True)
        timeout = _number("step_timeout", step_timeout, 0, allow_none=True)
        self._caller = TimedCaller(timeout) if timeout else None
        self._built: tuple[str, str] | None = None
        self.state_keys = bool(state_keys)
        super().__init__(self._build(split, dict(config or {})))
        self.action_space = text_space(COMPLETION_MAX_LENGTH)
        self._broken = False
        self._turn = self._invalid = 0
        self._obs: Any = None
        self._info: dict[str, Any] | None = None
        self._done = True
        self._adopt()

    def _adopt(self) -> None:
        """Spaces and capabilities of the (new) raw env: a text observation space widens to hold feedback."""
        raw = self.env.observation_space
        if isinstance(raw, spaces.Text):
            charset = "".join(sorted(set(raw.character_set) | set(TEXT_CHARSET)))
            self.observation_space = text_space(raw.max_length + FEEDBACK_MAX_LENGTH, min_length=raw.min_length,
                                                charset=charset)
        else:
            self.observation_space = raw
        self._has_key = self.state_keys and callable(getattr(self.env.unwrapped, "state_key", None))

    # -- building -------------------------------------------------------------------------
    def _build(self, split: str, config: dict[str, Any]) -> gym.Env:
        """A fresh raw env for ``split`` and ``config``."""
        env = gym.make(self.entry.id, disable_env_checker=True, **constructor_kwargs(self.entry, split, config))
        self._built = (split, repr(sorted(config.items())))
        self.split, self.config = split, config
        return env

    def _rebuild(self, split: str, config: dict[str, Any]) -> None:
        self.env.close()
        self.env = self._build(split, config)
        self._adopt()
        self._broken = False

    # -- prompts ------------------------------------------------------------------------------
    def system_prompt(self) -> str:
        """The env's rules, what an action is, and the format to write it in (the chat's system message)."""
        profile = self.profile
        example = profile.example
        how = (format_instruction(self.action_format, example, **self.format_options)
               if isinstance(self.action_format, str) and self.action_format != "custom" else "")
        return "\n\n".join(part for part in (profile.rules, profile.actions, how) if part)

    def episode_prompt(self) -> str:
        """:meth:`system_prompt` plus the current episode's goal, when the env states one (``instruction()``)."""
        goal = getattr(self.env.unwrapped, "instruction", None)
        return self.system_prompt() + (f"\n\nYour goal: {goal()}" if callable(goal) else "")

    def tool_schemas(self) -> list[dict[str, Any]]:
        """The OpenAI ``tools`` list of the env's tools (:mod:`.tools`)."""
        return self.toolset.schemas()

    # -- episode ------------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
        row: TaskRow | None = None
        raw_seed, raw_options = seed, options
        if isinstance(options, Mapping) and "task_id" in options:
            row = check_row(options, self.entry.id)
            if self._built != (row["split"], repr(sorted(row["config"].items()))) or self._broken:
                self._rebuild(row["split"], dict(row["config"]))
            raw_seed, raw_options = reset_arguments(self.entry, {**row, "seed": row["seed"] if seed is None else seed})
        elif self._broken:
            self._rebuild(self.split, self.config)
        obs, info = self.env.reset(seed=raw_seed, options=raw_options)
        self._turn = self._invalid = 0
        self._done = False
        self._obs = obs
        self._info = info
        out = dict(info)
        out.update(action_is_valid=True, parsed_action=None, action_error=None,
                   success=bool(info.get("is_success", False)), reward_components={}, turn=0, invalid_actions=0,
                   task=dict(row) if row is not None else None)
        self._anchor(out)
        return obs, out

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        if self._done or self._info is None:
            raise ResetNeeded("the episode has ended (or never started); call reset() before step() on LLMEnv")
        self._turn += 1
        try:
            result = self.parser(action)
        except Exception as err:  # a user-supplied parser must not take the episode down either
            result = ParseResult((), False, f"the parser raised {type(err).__name__}: {snippet(str(err))}")
        parsed = result.value
        error = result.error
        actions: list[Any] = list(result.actions)
        if result.valid and actions and isinstance(actions[0], ToolCall):
            try:
                actions = [self.toolset.action(call) for call in actions]
            except ToolCallError as err:
                actions, error = [], str(err)
        valid = result.valid and error is None
        obs, info = self._obs, self._info
        env_reward, terminated, truncated, reason, env_error = 0.0, False, False, None, None
        for text in actions if valid else ():
            try:
                if self._caller is None:
                    obs, reward, terminated, truncated, info = self.env.step(text)
                else:
                    obs, reward, terminated, truncated, info = self._caller(self.env.step, text)
            except StepTimeout as err:
                truncated, reason, env_error, self._broken = True, "step_timeout", str(err), True
                break
            except Exception as err:  # a crashed browser or worker: report it, rebuild at the next reset
                truncated, reason, env_error, self._broken = True, "env_error", f"{type(err).__name__}: {err}", True
                break
            env_reward += float(reward)
            if not info.get("action_is_valid", True):
                valid, error = False, self._refused(text, info)
                break
            if terminated or truncated:
                crash = info.get("env_error") or info.get("browser_error")  # the raw env caught its own crash
                if truncated and not terminated and crash:
                    reason, env_error = "env_error", str(crash)
                reason = reason or ("env_limit" if truncated and not terminated else None)
                break
        self._obs, self._info = obs, info
        out = dict(info)
        if "reward_components" in out:
            out["env_reward_components"] = out.pop("reward_components")
        penalty = 0.0
        if not valid:
            self._invalid += 1
            penalty = self.format_penalty
            if not (terminated or truncated):
                if self.invalid_action == "terminate":
                    terminated, out["termination_reason"] = True, "invalid_action"
                elif self.max_invalid is not None and self._invalid >= self.max_invalid:
                    terminated, out["termination_reason"] = True, "max_invalid"
            if self.invalid_action == "feedback":
                out["feedback"] = feedback = f"Invalid action: {str(error)[:FEEDBACK_MAX_LENGTH - 20]}"
                if isinstance(obs, str):
                    obs = self._feedback(feedback, obs)
        if not (terminated or truncated) and self.max_turns is not None and self._turn >= self.max_turns:
            truncated, reason = True, "max_turns"
        success = bool(info.get("is_success", False))
        out.update(action_is_valid=valid, parsed_action=parsed, action_error=None if valid else error,
                   success=success, reward_components={"env": env_reward, "format": penalty}, turn=self._turn,
                   invalid_actions=self._invalid)
        if truncated:
            out["truncation_reason"] = reason
        if env_error is not None:
            out["env_error"] = env_error
        if terminated or truncated:
            self._done = True
            out["score"] = self._score(info, success)
        if not self._broken:
            self._anchor(out)
        return obs, env_reward + penalty, bool(terminated), bool(truncated), out

    # -- helpers ------------------------------------------------------------------------------
    @staticmethod
    def _refused(action: str, info: Mapping[str, Any]) -> str:
        commands = info.get("admissible_commands")
        hint = f"; valid now: {', '.join(commands[:20])}" if isinstance(commands, list) and commands else ""
        return f"the environment cannot do {snippet(action)} here{hint}"

    def _feedback(self, feedback: str, obs: str) -> str:
        text = f"{feedback}\n\n{obs}"
        space = self.observation_space
        return fit_text(text, space) if isinstance(space, spaces.Text) else text

    def _anchor(self, info: dict[str, Any]) -> None:
        if self._has_key:
            info["state_key"] = int(cast(Any, self.env.unwrapped).state_key())

    def _score(self, info: Mapping[str, Any], success: bool) -> float:
        """The episode's score in [0, 1]: the env's ``score``, else its reward state's progress, else success."""
        value: Any = info.get("score")
        if value is None:
            reward_state = getattr(self.env.unwrapped, "reward_state", None)
            fields = reward_state() if callable(reward_state) and not self._broken else {}
            if "score" in fields:
                value = fields["score"]
            elif "progress" in fields:
                value = fields["progress"]
            elif "boxes_on_target" in fields and "num_boxes" in fields:
                value = float(fields["boxes_on_target"]) / max(float(fields["num_boxes"]), 1.0)
            else:
                value = float(success)
        return min(max(float(value), 0.0), 1.0)

    def close(self) -> None:
        """Close the raw env and stop the timeout worker."""
        if self._caller is not None:
            self._caller.close()
        super().close()


def make(env: str | Mapping[str, Any], **options: Any) -> LLMEnv:
    """An :class:`LLMEnv` of an LLM-facing id, or of the id, split and config of a task row.

    ``options`` are :class:`LLMEnv`'s keyword arguments (``action_format``, ``invalid_action``, ...).
    """
    if isinstance(env, Mapping):
        row = check_row(env)
        options.setdefault("split", row["split"])
        options.setdefault("config", row["config"])
        return LLMEnv(row["env_id"], **options)
    return LLMEnv(env, **options)
