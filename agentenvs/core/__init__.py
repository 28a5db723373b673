"""The core every family stands on: rendering, info, text spaces, the reward-state contract, SB3 flattening.

A family module only writes its rules, its world generator and its pictures; what every env
shares (how ``render()`` answers, the keys of ``info``, the reward-state contract and its
vocabulary, Text spaces with a documented charset, and the wrapper that hands Dict/Text envs to
SB3) lives here, as MiniGrid's ``minigrid.core`` serves its envs.
"""
from __future__ import annotations

from .info import INFO_KEYS, make_info, vector_info
from .render import RENDER_MODES, HumanViewer, Renderer, check_render_mode
from .reward_state import (
    TEXT,
    VOCABULARY,
    FieldDoc,
    RewardStateSpecError,
    VocabularyField,
    describe_reward_state,
    vocabulary_mismatches,
)
from .sb3 import FlattenForSB3, decode_text, encode_text, flatten_space
from .text import MAX_TEXT_LENGTH, TEXT_CHARSET, fit_text, text_space

__all__ = [
    "INFO_KEYS",
    "MAX_TEXT_LENGTH",
    "RENDER_MODES",
    "TEXT",
    "TEXT_CHARSET",
    "VOCABULARY",
    "FieldDoc",
    "FlattenForSB3",
    "HumanViewer",
    "Renderer",
    "RewardStateSpecError",
    "VocabularyField",
    "check_render_mode",
    "decode_text",
    "describe_reward_state",
    "encode_text",
    "fit_text",
    "flatten_space",
    "make_info",
    "text_space",
    "vector_info",
    "vocabulary_mismatches",
]
