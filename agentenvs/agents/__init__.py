"""The LLM-agent interface of agentenvs: task rows, one action parser, chat messages, tools, adapters.

- :func:`make` (:class:`LLMEnv`): an LLM-facing id that takes model completions, with one
  invalid-action policy, ``max_turns``, a step timeout, and the info keys trainers read.
- :func:`tasks`: serialisable rows, ``reset(options=row)`` replays one exactly; disjoint splits.
- :mod:`.parsers`: the named action formats (``answer_tag``, ``boxed``, ``bracket``, ``multi``,
  ``tool_call``, ``plain``).
- :class:`ChatHistory`: OpenAI-format messages of an episode (full, window, state only).
- :mod:`.tools`: tools as typed methods with generated JSON schemas.
- ``agentenvs.agents.adapters``: TRL's ``environment_factory`` and verifiers environments
  (``pip install 'agentenvs[agents]'``).

See docs/agents.md.
"""
from __future__ import annotations

from .chat import ChatHistory
from .grouped import GroupedVectorEnv
from .llm_env import INVALID_ACTION_POLICIES, LLM_INFO_KEYS, LLMEnv, make
from .parsers import FORMATS, ParseResult, ToolCall, get_parser
from .tasks import SPLITS, TaskRow, tasks
from .tools import ToolCallError, Toolset, function_schema

__all__ = [
    "GroupedVectorEnv",
    "ChatHistory",
    "FORMATS",
    "INVALID_ACTION_POLICIES",
    "LLMEnv",
    "LLM_INFO_KEYS",
    "ParseResult",
    "SPLITS",
    "TaskRow",
    "ToolCall",
    "ToolCallError",
    "Toolset",
    "function_schema",
    "get_parser",
    "make",
    "tasks",
]
