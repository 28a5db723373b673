"""Figures of a report, sized for a paper column pair (6.5 in wide) at 200 dpi."""
from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .stats import curve_band

FIG_WIDTH = 6.5
DPI = 200
#: Characters per line of a figure title (long env_kwargs keys wrap instead of running off the figure).
TITLE_WIDTH = 72
_STYLE: dict[Any, Any] = {"font.size": 8, "axes.titlesize": 9, "axes.labelsize": 8, "legend.fontsize": 7,
                          "xtick.labelsize": 7, "ytick.labelsize": 7}

#: An RGB colour.
Color = tuple[float, float, float]

#: Panels of a learning-curve figure: curve key -> y label.
PANELS = {"success_rate": "success rate", "return_mean": "episode return (extrinsic)"}

Curves = Mapping[str, Sequence[tuple[np.ndarray, np.ndarray]]]  # method -> one (steps, values) per seed


def method_colors(methods: Sequence[str]) -> dict[str, Color]:
    """One colour per method, the same in every figure of a report (colour-blind-safe palette)."""
    import matplotlib

    palette = matplotlib.colormaps["tab10"]
    colors = {}
    for i, method in enumerate(methods):
        red, green, blue, _ = palette(i % palette.N)
        colors[method] = (float(red), float(green), float(blue))
    return colors


def _steps_formatter(value: float, _: int) -> str:
    if abs(value) >= 1e6:
        return f"{value / 1e6:g}M"
    if abs(value) >= 1e3:
        return f"{value / 1e3:g}k"
    return f"{value:g}"


def plot_learning_curves(title: str, curves: Mapping[str, Curves], colors: Mapping[str, Color],
                         path: Path, references: Mapping[str, Any] | None = None) -> Path:
    """Success rate and return vs env steps, one line per method with its 95% bootstrap band across seeds.

    ``curves`` maps a panel key of :data:`PANELS` to the method curves; ``references``
    (``{"random": {...}, "oracle": {...}}``) adds the reference policies' scores as grey lines.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    with plt.rc_context(_STYLE):
        fig, axes = plt.subplots(1, len(PANELS), figsize=(FIG_WIDTH, 3.0), constrained_layout=True)
        handles = {}
        for ax, (key, ylabel) in zip(axes, PANELS.items()):
            panel = curves.get(key, {})
            for method, seeds in panel.items():
                grid, mean, low, high = curve_band(seeds)
                label = f"{method} (n={len(seeds)})"
                (line,) = ax.plot(grid, mean, color=colors[method], lw=1.5, label=label)
                if len(seeds) > 1:
                    ax.fill_between(grid, low, high, color=colors[method], alpha=0.2, lw=0)
                handles[label] = line
            for ref, style in (("random", ":"), ("oracle", "--")):
                value = ((references or {}).get(ref) or {}).get(key)
                if value is not None and panel:
                    handles[f"{ref} policy"] = ax.axhline(value, color="0.45", ls=style, lw=1)
            if not panel:
                ax.text(0.5, 0.5, "not reported by this env", ha="center", va="center", transform=ax.transAxes,
                        color="0.4")
            if key == "success_rate":
                ax.set_ylim(-0.03, 1.03)
            ax.set_xlabel("environment steps")
            ax.set_ylabel(ylabel)
            ax.xaxis.set_major_formatter(FuncFormatter(_steps_formatter))
            ax.grid(alpha=0.3, lw=0.5)
            ax.spines[["top", "right"]].set_visible(False)
        fig.suptitle(textwrap.fill(f"{title}: mean and 95% bootstrap CI over seeds", TITLE_WIDTH),
                     fontsize=9 if len(title) > TITLE_WIDTH // 2 else None)
        if handles:
            fig.legend(handles.values(), handles.keys(), loc="outside lower center", ncol=min(5, len(handles)),
                       frameon=False)
        fig.savefig(path, dpi=DPI)
        plt.close(fig)
    return path


def plot_performance_profile(profiles: Mapping[str, np.ndarray], cis: Mapping[str, np.ndarray], taus: np.ndarray,
                             colors: Mapping[str, Color], path: Path, n_tasks: int) -> Path:
    """Rliable's performance profile: fraction of runs whose normalised score exceeds tau."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from rliable import plot_utils

    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(FIG_WIDTH / 2 + 0.5, 2.8), constrained_layout=True)
        plot_utils.plot_performance_profiles(profiles, taus, performance_profile_cis=cis, colors=dict(colors), ax=ax,
                                             xlabel=r"normalised score $\tau$", ylabel=r"fraction of runs > $\tau$",
                                             labelsize=8, ticklabelsize=7)
        ax.set_title(f"Performance profile ({n_tasks} env{'s' if n_tasks != 1 else ''})", fontsize=9)
        for spine in ax.spines.values():
            spine.set_linewidth(0.8)
            spine.set_position(("outward", 2))
        ax.legend([plt.Line2D([], [], color=colors[m], lw=2) for m in profiles], list(profiles), loc="upper right",
                  frameon=False, fontsize=7)
        fig.savefig(path, dpi=DPI)
        plt.close(fig)
    return path


def plot_aggregates(aggregates: Mapping[str, Mapping[str, tuple[float, float, float]]],
                    colors: Mapping[str, Color], path: Path) -> Path:
    """Point estimates and 95% CIs of each aggregate metric, one panel per metric, methods as rows."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    methods = list(aggregates)
    metrics = list(next(iter(aggregates.values())))
    with plt.rc_context(_STYLE):
        fig, axes = plt.subplots(1, len(metrics), figsize=(FIG_WIDTH, 0.6 + 0.3 * len(methods)), sharey=True,
                                 constrained_layout=True)
        for ax, metric in zip(np.atleast_1d(axes), metrics):
            for row, method in enumerate(methods):
                point, low, high = aggregates[method][metric]
                ax.plot([low, high], [row, row], color=colors[method], lw=6, alpha=0.6, solid_capstyle="butt")
                ax.plot([point], [row], marker="|", color="k", ms=10)
            ax.set_title(metric)
            ax.set_yticks(range(len(methods)), methods)
            ax.set_ylim(len(methods) - 0.4, -0.6)  # first method on top
            ax.tick_params(axis="y", length=0)
            ax.grid(axis="x", alpha=0.3, lw=0.5)
            ax.spines[["top", "right", "left"]].set_visible(False)
        fig.supxlabel("normalised score (95% stratified bootstrap CI)", fontsize=8)
        fig.savefig(path, dpi=DPI)
        plt.close(fig)
    return path
