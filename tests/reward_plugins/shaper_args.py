"""Constructor arguments for every registered shaper, shared by the tests that build them all
(the conformance check, and shaping a grouped env in tests/agents).
"""
from __future__ import annotations

import json
import zlib

from reward_plugins import available_shapers
from reward_plugins.testing.chat_server import ChatServer
from reward_plugins.vlm.random_clip import save_random_clip

#: The LLM shapers' scripted chat server (real HTTP on 127.0.0.1), up for the session; each reply is
#: a pure function of the request, so two shapers built alike get the same labels.
_CHAT = ChatServer(respond=lambda body: f"<score>{zlib.crc32(json.dumps(body['messages']).encode()) % 11}</score>")
_LLM = {"model": _CHAT.start().model, "base_url": _CHAT.url, "cache": "off"}

#: Constructor arguments for registered shapers that need some (compositions need children) or
#: that run faster with small networks. A new shaper that needs arguments fails the conformance test until it
#: gets a row here.
ARGS = {
    "rnd": {"feature_dim": 8},
    "icm": {"feature_dim": 8},
    "e3b": {"feature_dim": 8},
    "global_episodic": {"global_kwargs": {"feature_dim": 8}, "episodic_kwargs": {"feature_dim": 8}},
    "weighted_sum": {"shapers": ["count", {"name": "rnd", "kwargs": {"feature_dim": 8}}], "weights": [1.0, 0.5]},
    "clip": {"shaper": "count", "low": 0.0, "high": 0.5},
    "running_norm": {"shaper": "episodic_count"},
    "potential": {"potential": "count"},
    "gated": {"shaper": "count", "threshold": 0.0},
    "vlm_judge": {"task": "win", "timeout": None, "client": _LLM},
    "oni": {"task": "win", "timeout": None, "client": _LLM, "min_examples": 2, "buckets": 64},
    "code": {"source": "def compute_reward(state):\n    near = -(state['pos'] - 3).abs().sum(dim=1).float()\n"
                       "    return state['progress'] + 0.1 * near, {'near': near}\n"},
    # a CLIP with random weights saved to a folder (the real loading path); the real MiniLM
    "vlm_clip": lambda tmp: {"model": str(save_random_clip(tmp / "clip")), "goal_prompts": "a red door",
                             "baseline_prompts": "a door", "cache_size": 8},
    "embedding_goal": {"goal_prompts": "pick up the key", "baseline_prompts": "you are in a room"},
}

#: Every registered shaper but the ones test modules register for themselves.
REGISTRY = [name for name in available_shapers() if not name.startswith("test_")]
