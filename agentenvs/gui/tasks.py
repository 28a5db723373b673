"""Where a GUI env's tasks come from: the generator (:class:`GeneratedTasks`) or a dataset (ScreenSpot).

A task source is indexable: ``source.task(i)`` is the ``i``-th task (the same every time),
``len(source)`` how many there are, and ``max_size`` / ``max_elements`` bound every task's screen,
so an env's spaces are fixed before its first reset.
"""
from __future__ import annotations

from typing import Protocol

from .constants import SPLIT_SPAN
from .generator import ScreenConfig, generate_task, split_seed
from .screen import Task


class TaskSource(Protocol):
    """An indexable collection of tasks with bounded screens."""

    max_size: tuple[int, int]
    max_elements: int

    def __len__(self) -> int: ...

    def task(self, index: int) -> Task:
        """The ``index``-th task."""


class GeneratedTasks:
    """The generator's tasks of one :class:`~.generator.ScreenConfig`: task ``i`` is screen ``split_seed(split, i)``."""

    def __init__(self, config: ScreenConfig):
        self.config = config
        self.max_size = config.size
        self.max_elements = config.max_elements

    def __len__(self) -> int:
        return SPLIT_SPAN

    def task(self, index: int) -> Task:
        return generate_task(split_seed(self.config.split, index), self.config)
