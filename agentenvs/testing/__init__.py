"""Conformance checkers that ship with agentenvs, as PettingZoo ships ``pettingzoo.test``.

Run them on any registered id (ours or yours)::

    from agentenvs.testing import check_env_id
    check_env_id("agentenvs/Sokoban-v0")   # raises ConformanceError listing every failed check

or one at a time (``checks_for(env_id)`` maps names to checks), or the instance-level
checks on an env object (``check_reward_state(env)``, ``check_copies(make, name)``, ...).
SB3 and PettingZoo are imported only by the checks that need them.
"""
from __future__ import annotations

from .common import ConformanceError, equal, rollout
from .copies import check_copies, check_multi_agent_copies
from .gymnasium_checks import (
    check_determinism,
    check_gymnasium_api,
    check_make_vec,
    check_render_modes,
    check_state_key,
    check_success_flag,
    check_vector_determinism,
    offers_state_key,
)
from .llm_checks import check_llm_completions, check_llm_seed_purity, check_llm_task_rows
from .pettingzoo_checks import check_pettingzoo
from .reward_state import (
    check_instruction,
    check_multi_agent_reward_state,
    check_reward_state,
    check_reward_state_space,
    check_reward_state_value,
    check_vector_reward_state,
)
from .sb3_checks import check_sb3_api, check_sb3_env, sb3_accepts
from .suite import check_env_id, checks_for, skipped_checks

__all__ = [
    "ConformanceError",
    "check_copies",
    "check_determinism",
    "check_env_id",
    "check_gymnasium_api",
    "check_instruction",
    "check_llm_completions",
    "check_llm_seed_purity",
    "check_llm_task_rows",
    "check_make_vec",
    "check_multi_agent_copies",
    "check_multi_agent_reward_state",
    "check_pettingzoo",
    "check_render_modes",
    "check_reward_state",
    "check_reward_state_space",
    "check_reward_state_value",
    "check_sb3_api",
    "check_sb3_env",
    "check_state_key",
    "check_success_flag",
    "check_vector_determinism",
    "check_vector_reward_state",
    "checks_for",
    "equal",
    "offers_state_key",
    "rollout",
    "sb3_accepts",
    "skipped_checks",
]
