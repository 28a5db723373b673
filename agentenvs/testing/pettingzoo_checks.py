"""PettingZoo's own API, parallel API and seed tests on a parallel env constructor."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any


def check_pettingzoo(make: Callable[[], Any]) -> None:
    """``api_test`` (on the AEC version), ``parallel_api_test``, ``parallel_seed_test`` and ``seed_test``."""
    from pettingzoo.test import api_test, parallel_api_test, parallel_seed_test, seed_test
    from pettingzoo.utils.conversions import parallel_to_aec

    parallel_api_test(make(), num_cycles=300)
    api_test(parallel_to_aec(make()), num_cycles=300)
    parallel_seed_test(make, num_cycles=100)
    seed_test(lambda: parallel_to_aec(make()), num_cycles=100)
