"""Run the intrinsic-shaper tests on one torch thread.

Their networks are tiny: one thread is as fast when the machine is idle, and on a busy shared
box it avoids OpenMP threads waiting on each other (10-100x slowdowns on two loaded cores).
"""
from collections.abc import Iterator

import pytest
import torch


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
