"""Reports: complete runs -> learning curves with confidence bands, rliable aggregates, tables.

- :mod:`baselines.report.runs`: reading run directories (complete runs, curves, final scores).
- :mod:`baselines.report.stats`: bootstrap CIs, curves on a common step grid, rliable metrics.
- :mod:`baselines.report.plots`: the figures; :mod:`baselines.report.tables`: Markdown and LaTeX.
- :mod:`baselines.report.build`: :func:`write_report`, which ties them together.
"""
from __future__ import annotations

from .build import REFERENCES_FILE, Report, load_references, write_report
from .runs import Run, load_runs

__all__ = ["REFERENCES_FILE", "Report", "Run", "load_references", "load_runs", "write_report"]
