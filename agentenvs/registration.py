"""Every environment id of agentenvs, in one table.

Gymnasium ids register on ``import agentenvs``; PettingZoo envs (which Gymnasium's registry
cannot hold) live in :data:`MULTI_AGENT_ENVS` and are built with :func:`make_multi_agent`.
A row also says which optional dependency group (extra) its id needs, whether it is
deterministic, its time limit where the env has none of its own, and its reference (oracle)
policy; the table is validated on import, so a duplicate id or an unknown extra fails at once.
"""
from __future__ import annotations

import importlib.util
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
from gymnasium.envs.registration import load_env_creator

from .errors import ConfigError

#: Extra -> the top-level modules it installs that its envs import (the rest of pyproject's
#: ``[project.optional-dependencies]`` concerns shapers and baselines, not env ids).
EXTRA_MODULES: dict[str, tuple[str, ...]] = {
    "shapers": ("torch", "pandas"),
    "baselines": ("stable_baselines3",),
    "web": ("selenium", "bm25s", "rapidfuzz"),
    "vlm": ("transformers", "safetensors"),
    "llm": ("openai",),
    "ray": ("ray",),
    "text": ("bm25s", "rapidfuzz"),
    "agents": ("trl", "verifiers"),  # the trainer adapters of agentenvs.agents.adapters
}


@dataclass(frozen=True)
class EnvEntry:
    """One registered id.

    Attributes:
        id: The id, ``"agentenvs/<Name>-v<N>"``.
        entry_point: ``"module:callable"`` building the env.
        description: One line for ``agentenvs list``.
        kwargs: Default constructor arguments.
        vector_entry_point: ``"module:callable"`` of a native vector env, if any.
        family: The env family (``"sokoban"``), one folder of agentenvs.
        extra: The optional dependency group (``pip install 'agentenvs[<extra>]'``) the id
            needs beyond the core install; ``None`` when the core suffices.
        nondeterministic: True when the same seed need not give the same trajectory (a live web
            page, a sampled LLM); determinism checks skip such ids.
        max_episode_steps: Time limit that ``gym.make`` applies with ``TimeLimit``, for envs
            without one of their own (Gymnasium ids only); ``None`` adds no wrapper.
        oracle: ``"module:Class"`` of a reference policy that bounds the score from above
            (``Class(env, seed)`` following ``baselines.reference.ReferencePolicy``), or ``None``.
        llm_facing: True when the env takes text actions an LLM writes: :func:`agentenvs.agents.make`
            serves it with a parser, chat messages and task rows, and the LLM conformance checks
            (:mod:`agentenvs.testing.llm_checks`) run on it.
        max_turns: Turns (model replies) an LLM agent gets per episode through
            :func:`agentenvs.agents.make`; ``None`` leaves only the env's own limit.
    """

    id: str
    entry_point: str
    description: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    vector_entry_point: str | None = None
    family: str = ""
    extra: str | None = None
    nondeterministic: bool = False
    max_episode_steps: int | None = None
    oracle: str | None = None
    llm_facing: bool = False
    max_turns: int | None = None


_SOKOBAN = "agentenvs.sokoban.env:SokobanEnv"
_SOKOBAN_VEC = "agentenvs.sokoban.vector:SokobanVectorEnv"
_SOKOBAN_ORACLE = "agentenvs.sokoban.oracle:SokobanOracle"


def _sokoban(id_: str, description: str, vector: bool = True, max_turns: int | None = None,
             **kwargs: Any) -> EnvEntry:
    """A Sokoban row: its env has its own step limit (``max_steps``), so no ``TimeLimit``.

    ``max_turns`` marks the id LLM-facing (text actions) with that many turns per episode.
    """
    return EnvEntry(id_, _SOKOBAN, description, kwargs, _SOKOBAN_VEC if vector else None, "sokoban",
                    oracle=_SOKOBAN_ORACLE, llm_facing=max_turns is not None, max_turns=max_turns)


_GUI_SMALL: dict[str, Any] = dict(screen_size=(160, 120), obs_size=(84, 84), min_elements=3, max_elements=8)


def _gui(id_: str, entry_point: str, description: str, vector: str | None = None, max_turns: int | None = None,
         **kwargs: Any) -> EnvEntry:
    """A GUI row: the env has its own step limit (``max_steps``); its oracle reads the target box.

    ``max_turns`` marks the id LLM-facing (text actions) with that many turns per episode.
    """
    oracle = "GUIGroundOracle" if "Ground" in entry_point else "GUICursorOracle"
    return EnvEntry(id_, f"agentenvs.gui.{entry_point}", description, kwargs, vector, "gui",
                    oracle=f"agentenvs.gui.oracle:{oracle}", llm_facing=max_turns is not None, max_turns=max_turns)


GYM_ENVS: tuple[EnvEntry, ...] = (
    _sokoban("agentenvs/Sokoban-Tiny-v0", "Sokoban 6x6 room, 1 box, grid obs", dim_room=(6, 6), num_boxes=1),
    _sokoban("agentenvs/Sokoban-Small-v0", "Sokoban 7x7 room, 2 boxes, grid obs", dim_room=(7, 7), num_boxes=2),
    _sokoban("agentenvs/Sokoban-v0", "Sokoban 10x10 room, 3 boxes, grid obs", dim_room=(10, 10), num_boxes=3),
    _sokoban("agentenvs/Sokoban-Boxoban-v0", "Sokoban 10x10 room, 4 boxes (Boxoban size), grid obs",
             dim_room=(10, 10), num_boxes=4),
    _sokoban("agentenvs/Sokoban-Visual-v0", "Sokoban 10x10, 3 boxes, RGB pixel obs (VisualSokoban)",
             dim_room=(10, 10), num_boxes=3, obs_mode="rgb"),
    _sokoban("agentenvs/Sokoban-Text-v0", "Sokoban 7x7, 2 boxes, text obs and text actions for LLM agents",
             vector=False, max_turns=30, dim_room=(7, 7), num_boxes=2, obs_mode="text"),
    EnvEntry("agentenvs/TextQuest-v0", "agentenvs.text.quest.env:TextQuestEnv",
             "TextWorld-like text quest: 5 rooms, locked doors and keys, a 5-step quest; text obs and commands",
             family="text", oracle="agentenvs.text.quest.oracle:TextQuestOracle", llm_facing=True, max_turns=50),
    EnvEntry("agentenvs/TextQuest-Discrete-v0", "agentenvs.text.discrete:text_quest_discrete",
             "TextQuest for classic RL: pick one of <= 64 admissible commands by index (action_masks()), "
             "hashed bag-of-words obs", family="text", oracle="agentenvs.text.discrete:TextQuestDiscreteOracle"),
    EnvEntry("agentenvs/TextShop-v0", "agentenvs.text.shop_env:TextShopEnv",
             "WebShop-style shopping in text: search and click to buy what the instruction asks, 10,000 products",
             family="text", extra="text", oracle="agentenvs.text.shop_oracle:TextShopOracle", llm_facing=True,
             max_turns=15),
    EnvEntry("agentenvs/TextShop-Discrete-v0", "agentenvs.text.shop_discrete:text_shop_discrete",
             "TextShop for classic RL: actions index the page's commands (3 searches built from the instruction), "
             "hashed bag-of-words obs", family="text", extra="text",
             oracle="agentenvs.text.shop_discrete:TextShopDiscreteOracle"),
    _gui("agentenvs/GUICursor-v0", "cursor_env:GUICursorEnv",
         "GUI-Cursor: move a pointer over a 1280x800 synthetic screen and click the instructed element; "
         "128x80 image + hashed instruction + cursor obs, 17 discrete moves (action_mode: continuous, absolute, text)"),
    _gui("agentenvs/GUICursor-Small-v0", "cursor_env:GUICursorEnv",
         "GUICursor on 160x120 screens with 3-8 elements, 84x84 image obs, 24 steps",
         "agentenvs.gui.vector:GUICursorVectorEnv", max_steps=24, **_GUI_SMALL),
    _gui("agentenvs/GUIGround-v0", "ground_env:GUIGroundEnv",
         "ScreenSpot-style grounding in one step on 1280x800 synthetic screens: point (or box) at the instructed "
         "element in normalised coordinates"),
    _gui("agentenvs/GUIGround-Small-v0", "ground_env:GUIGroundEnv",
         "GUIGround on 160x120 screens with 3-8 elements, 84x84 image obs",
         "agentenvs.gui.vector:GUIGroundVectorEnv", **_GUI_SMALL),
    _gui("agentenvs/GUICursor-Text-v0", "cursor_env:GUICursorEnv",
         "GUICursor for LLM/VLM agents: the full 1280x800 screenshot with the pointer, the instruction as text, "
         "text actions (x, y), MOVE(dx, dy), STOP", max_turns=40, obs_size=None, action_mode="text",
         instruction_mode="text"),
)

_WEB_TASKS: dict[str, str] = {
    "click-button": "click the button the utterance names among 2-6 buttons",
    "click-link": "click the named link in a paragraph of words and links",
    "click-checkboxes": "tick exactly the named checkboxes and submit",
    "click-tab": "switch tabs to find and click the named link",
    "click-dialog": "click the named dialog button (OK, Cancel or the x)",
    "enter-text": "type the given word into a text field and submit",
    "enter-password": "type the password into both fields and submit",
    "login-user": "type username and password and press login",
    "select-option": "choose the named option from a drop-down and submit",
    "fill-form": "fill name, email, country and a checkbox, then submit",
    "search-and-click": "search a list and click the matching result",
    "click-xy": "click a circle drawn on a canvas by its coordinates",
    "web-shop": "the shop catalogue as a site: search, results, product options, buy (TextShop's score)",
}


def _web(task: str, description: str) -> EnvEntry:
    """A web row: real headless Chromium (extra ``web``); the env has its own step limit.

    The text-command ids are LLM-facing, with as many turns as the longest task's step limit.
    """
    return EnvEntry(f"agentenvs/Web-{task}-v0", "agentenvs.web.env:WebEnv", f"Web {task}: {description}",
                    {"task": task}, family="web", extra="web", oracle="agentenvs.web.oracle:WebOracle",
                    llm_facing=True, max_turns=20)


GYM_ENVS += tuple(_web(task, description) for task, description in _WEB_TASKS.items()) + (
    EnvEntry("agentenvs/Web-click-button-Discrete-v0", "agentenvs.web.discrete:web_discrete",
             "Web click-button for classic RL: click one of <= 16 visible actionable elements by index "
             "(action_masks()), per-element role, word-overlap and box features",
             {"task": "click-button"}, family="web", extra="web", oracle="agentenvs.web.discrete:DiscreteWebOracle"),
)

MULTI_AGENT_ENVS: tuple[EnvEntry, ...] = (
    EnvEntry("agentenvs/Sokoban-Multi-v0", "agentenvs.sokoban.multi:parallel_env",
             "Sokoban 8x8, 2 boxes, 2 agents pushing together (PettingZoo parallel; shared team reward)",
             dict(dim_room=(8, 8), num_boxes=2, num_agents=2), None, "sokoban"),
    EnvEntry("agentenvs/Negotiation-v0", "agentenvs.text.negotiation.env:parallel_env",
             "Deal or No Deal: 2 agents split books, hats and balls with private values, 10 turns "
             "(PettingZoo parallel; structured moves, or text moves with text=True)",
             dict(max_turns=10), None, "text"),
)


def validate_entries(entries: Iterable[EnvEntry], extras: Mapping[str, tuple[str, ...]] = EXTRA_MODULES) -> None:
    """Refuse a table with a repeated id, an unknown extra or a non-positive time limit.

    Raises:
        ConfigError: naming the offending ids and what to change.
    """
    entries = tuple(entries)
    repeated = sorted(id_ for id_, n in Counter(e.id for e in entries).items() if n > 1)
    if repeated:
        raise ConfigError(f"env ids registered more than once: {repeated}; every id must appear once "
                          "across GYM_ENVS and MULTI_AGENT_ENVS (bump the -vN suffix for a changed env)")
    for entry in entries:
        if entry.extra is not None and entry.extra not in extras:
            raise ConfigError(f"{entry.id}: unknown extra {entry.extra!r}; known extras: {sorted(extras)} "
                              "(declare a new one in pyproject.toml and EXTRA_MODULES)")
        if entry.max_episode_steps is not None and entry.max_episode_steps < 1:
            raise ConfigError(f"{entry.id}: max_episode_steps must be >= 1 or None, got {entry.max_episode_steps}")
        if entry.max_turns is not None and (entry.max_turns < 1 or not entry.llm_facing):
            raise ConfigError(f"{entry.id}: max_turns must be >= 1 on an llm_facing id, or None; got "
                              f"{entry.max_turns} (llm_facing={entry.llm_facing})")


def installed(module: str) -> bool:
    """Whether ``module`` can be found, without importing it (a finder that refuses it counts as missing)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def missing_extra(entry: EnvEntry, extras: Mapping[str, tuple[str, ...]] = EXTRA_MODULES) -> str | None:
    """The extra ``entry`` needs if one of its modules is not importable, else ``None``.

    Looks modules up without importing them, so asking costs no heavy import.
    """
    if entry.extra is None:
        return None
    return entry.extra if not all(installed(m) for m in extras[entry.extra]) else None


def all_entries() -> tuple[EnvEntry, ...]:
    """Every registered id, single- and multi-agent."""
    return GYM_ENVS + MULTI_AGENT_ENVS


def llm_facing_ids() -> tuple[str, ...]:
    """The Gymnasium ids whose rows are ``llm_facing`` (what the LLM conformance checks run over)."""
    return tuple(entry.id for entry in GYM_ENVS if entry.llm_facing)


def get_entry(env_id: str) -> EnvEntry | None:
    """The row of ``env_id``, or ``None`` for ids agentenvs does not register."""
    return next((entry for entry in all_entries() if entry.id == env_id), None)


def register_all(entries: Iterable[EnvEntry] = GYM_ENVS) -> None:
    """Register Gymnasium ids (idempotent: ids already in Gymnasium's registry are kept)."""
    for entry in entries:
        if entry.id in gym.registry:
            continue
        gym.register(
            id=entry.id,
            entry_point=entry.entry_point,
            vector_entry_point=entry.vector_entry_point,
            kwargs=dict(entry.kwargs),
            nondeterministic=entry.nondeterministic,
            max_episode_steps=entry.max_episode_steps,
        )


def make_multi_agent(env_id: str, aec: bool = False, **kwargs: Any) -> Any:
    """Build a registered PettingZoo env: the parallel version, or its AEC version with ``aec=True``."""
    table = {e.id: e for e in MULTI_AGENT_ENVS}
    if env_id not in table:
        raise ConfigError(f"unknown multi-agent env {env_id!r}; registered: {sorted(table)}")
    entry = table[env_id]
    env = load_env_creator(entry.entry_point)(**{**entry.kwargs, **kwargs})
    if aec:
        from pettingzoo.utils.conversions import parallel_to_aec

        env = parallel_to_aec(env)
    return env


validate_entries(all_entries())
