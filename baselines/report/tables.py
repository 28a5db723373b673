"""Result tables as Markdown and LaTeX (booktabs), from the same rows."""
from __future__ import annotations

import math
from collections.abc import Sequence

Cell = str


def fmt_ci(point: float | None, low: float | None = None, high: float | None = None, digits: int = 2) -> Cell:
    """``0.53 [0.41, 0.66]``; ``-`` when there is no value."""
    if point is None or (isinstance(point, float) and math.isnan(point)):
        return "-"
    if low is None or high is None:
        return f"{point:.{digits}f}"
    return f"{point:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"


def fmt_steps(steps: float) -> Cell:
    """A step count as ``512``, ``65.5k`` or ``1.2M``."""
    return f"{steps / 1e6:.2g}M" if steps >= 1e6 else (f"{steps / 1e3:.3g}k" if steps >= 1e3 else f"{steps:.0f}")


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[Cell]], left: int = 1) -> str:
    """A GitHub Markdown table; the first ``left`` columns left-aligned, the others right-aligned."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join([":---"] * left + ["---:"] * (len(header) - left)) + "|"]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(lines)


_LATEX_ESCAPES = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                  "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def latex_escape(text: str) -> str:
    """``text`` with LaTeX's special characters escaped."""
    return "".join(_LATEX_ESCAPES.get(ch, ch) for ch in text)


def latex_table(header: Sequence[str], rows: Sequence[Sequence[Cell]], caption: str, label: str, left: int = 1) -> str:
    r"""A ``table`` float with a booktabs ``tabular`` (needs ``\usepackage{booktabs}``)."""
    body = [" & ".join(latex_escape(c) for c in row) + r" \\" for row in rows]
    return "\n".join([
        r"\begin{table}[t]",
        r"\centering",
        r"\small",
        rf"\caption{{{latex_escape(caption)}}}",
        rf"\label{{{label}}}",
        r"\begin{tabular}{" + "l" * left + "r" * (len(header) - left) + "}",
        r"\toprule",
        " & ".join(latex_escape(h) for h in header) + r" \\",
        r"\midrule",
        *body,
        r"\bottomrule",
        r"\end{tabular}",
        r"\end{table}",
    ])
