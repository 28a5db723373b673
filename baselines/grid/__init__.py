"""Experiment grids: YAML specs of env x shaper x algorithm x seed, run crash-safely.

Runs go to a local process pool or a Ray cluster, with a live progress display.

- :mod:`baselines.grid.spec`: the spec format, parsing, expansion into ``RunConfig`` s, validation.
- :mod:`baselines.grid.runner`: :func:`run_grid`, per-run locks, the pool and Ray backends.
- :mod:`baselines.grid.progress`: the progress display and its ETA.
"""
from __future__ import annotations

from .runner import GridResult, execute_run, read_result, run_grid, run_lock
from .spec import GridSpec, GridSpecError, ShaperEntry, load_spec, parse_spec, validate_names

__all__ = [
    "GridResult",
    "GridSpec",
    "GridSpecError",
    "ShaperEntry",
    "execute_run",
    "load_spec",
    "parse_spec",
    "read_result",
    "run_grid",
    "run_lock",
    "validate_names",
]
