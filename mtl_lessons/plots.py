"""Plotting helpers of the book: results over seeds, and schematics of sharing architectures.

Only matplotlib and NumPy are used here, so importing this module never imports torch.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from mtl_lessons._checks import check_choice, check_int

SHARED_COLOUR = "#9aa5b1"
TASK_COLOURS = ("#4c78a8", "#f58518", "#54a24b", "#b279a2")
ARCHITECTURES = ("independent", "hard", "partial", "soft", "gated")

# The chapters' matplotlib style (``plt.style.use(BOOK_STYLE)``): no text smaller than 10 points at
# 100 dots per inch, so that a figure shown at two thirds of its size on a phone or in the text
# column still has letters of at least 9 pixels; the site's tests check that scale.
BOOK_STYLE = {
    "figure.dpi": 100,
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "legend.title_fontsize": 10,
    "figure.titlesize": 12,
}
SMALLEST_FONT_POINTS = 10  # the smallest size BOOK_STYLE sets; a figure should not go below it


def mean_and_spread(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation (``ddof=0``) over the last axis, the seeds."""
    values = np.asarray(values, dtype=float)
    if values.ndim < 1 or values.shape[-1] == 0:
        raise ValueError(f"values must have a non-empty last axis (seeds); got shape {values.shape}")
    return values.mean(axis=-1), values.std(axis=-1)


def plot_mean_spread(
    ax: Axes,
    x: Sequence[float],
    values: np.ndarray,
    label: str | None = None,
    color: str | None = None,
    band: bool = True,
    marker: str = "o",
):
    """Plot the mean over seeds of ``values`` (shape ``(len(x), seeds)``) with its spread.

    ``band=True`` draws a line with a shaded band of one standard deviation; ``band=False`` draws
    error bars and every seed as a faint dot, which suits a handful of seeds. Returns the line.
    """
    x = np.asarray(x, dtype=float)
    values = np.asarray(values, dtype=float)
    if values.ndim != 2 or values.shape[0] != len(x):
        raise ValueError(
            f"values must have shape (len(x), seeds) = ({len(x)}, seeds); got {values.shape}"
        )
    mean, spread = mean_and_spread(values)
    if band:
        (line,) = ax.plot(x, mean, marker=marker, label=label, color=color)
        ax.fill_between(x, mean - spread, mean + spread, color=line.get_color(), alpha=0.2,
                        linewidth=0)
        return line
    bars = ax.errorbar(x, mean, yerr=spread, marker=marker, capsize=4, label=label, color=color)
    line = bars.lines[0]
    for column in values.T:
        ax.plot(x, column, linestyle="none", marker=".", color=line.get_color(), alpha=0.35)
    return line


# ----------------------------------------------------------------------------- schematics


def _box(ax: Axes, x: float, y: float, w: float, h: float, colour: str, text: str = "") -> None:
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.05",
                                facecolor=colour, edgecolor="black", linewidth=0.8))
    if text:
        ax.text(x, y, text, ha="center", va="center", fontsize=SMALLEST_FONT_POINTS)


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], **style) -> None:
    options = {"arrowstyle": "-|>", "mutation_scale": 8, "linewidth": 0.8, "color": "black"}
    options.update(style)
    ax.add_patch(FancyArrowPatch(start, end, shrinkA=0, shrinkB=0, **options))


def draw_architecture(ax: Axes, kind: str, n_tasks: int = 2, title: str | None = None) -> None:
    """Draw a schematic of one way to share between tasks, with matplotlib patches.

    ``kind`` is one of ``"independent"`` (one network per task: single-task learning),
    ``"hard"`` (one shared trunk, one head per task), ``"partial"`` (the first layer shared,
    the rest per task), ``"soft"`` (one network per task, corresponding layers tied by a
    penalty on their difference) or ``"gated"`` (shared experts that each task mixes with its own
    gate: local feature sharing, as in MMoE). Grey boxes are shared, coloured ones belong to a task.
    """
    check_choice("kind", kind, ARCHITECTURES)
    n_tasks = check_int("n_tasks", n_tasks, minimum=1, maximum=len(TASK_COLOURS))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_axis_off()
    xs = np.linspace(0.5 / n_tasks, 1 - 0.5 / n_tasks, n_tasks) if n_tasks > 1 else np.array([0.5])
    width = min(0.6 / n_tasks, 0.3)
    layer_y = (0.32, 0.54)  # two hidden layers
    head_y, out_y = 0.76, 0.93
    _box(ax, 0.5, 0.08, 0.86, 0.09, "white", "input x")

    def column(x: float, colour: str, start_y: float, layers: Sequence[float], k: int) -> None:
        previous = start_y
        for y in layers:
            _box(ax, x, y, width, 0.1, colour, "layer")
            _arrow(ax, (x, previous + 0.05), (x, y - 0.05))
            previous = y
        _box(ax, x, head_y, width, 0.1, colour, "head")
        _arrow(ax, (x, previous + 0.05), (x, head_y - 0.05))
        ax.text(x, out_y, f"$\\hat y_{k + 1}$", ha="center", va="center", fontsize=10)
        _arrow(ax, (x, head_y + 0.05), (x, out_y - 0.04))

    if kind in ("independent", "soft"):
        for k, x in enumerate(xs):
            _arrow(ax, (x, 0.125), (x, layer_y[0] - 0.05))
            column(x, TASK_COLOURS[k], layer_y[0], layer_y[1:], k)
            _box(ax, x, layer_y[0], width, 0.1, TASK_COLOURS[k], "layer")
        if kind == "soft":
            for a, b in zip(xs[:-1], xs[1:], strict=True):
                for y in layer_y:
                    _arrow(ax, (a + width / 2, y), (b - width / 2, y), arrowstyle="<|-|>",
                           linestyle="--", color="#c0392b")
                ax.text((a + b) / 2, sum(layer_y) / 2, "penalty on\ndifference",
                        ha="center", va="center", fontsize=SMALLEST_FONT_POINTS, color="#c0392b")
    elif kind in ("hard", "partial"):
        shared = layer_y if kind == "hard" else layer_y[:1]
        _arrow(ax, (0.5, 0.125), (0.5, shared[0] - 0.05))
        for i, y in enumerate(shared):
            _box(ax, 0.5, y, 0.86, 0.1, SHARED_COLOUR, "shared layer")
            if i:
                _arrow(ax, (0.5, shared[i - 1] + 0.05), (0.5, y - 0.05))
        private = layer_y[len(shared):]
        for k, x in enumerate(xs):
            column(x, TASK_COLOURS[k], shared[-1], private, k)
    else:  # gated: experts shared, each task mixes them with its own gate
        experts = np.linspace(0.2, 0.8, 3)
        for e in experts:
            _arrow(ax, (e, 0.125), (e, layer_y[0] - 0.05))
            _box(ax, e, layer_y[0], 0.16, 0.1, SHARED_COLOUR, "expert")
        for k, x in enumerate(xs):
            colour = TASK_COLOURS[k]
            _box(ax, x, layer_y[1], width * 0.8, 0.08, "white", f"mix {k + 1}")
            for e in experts:
                _arrow(ax, (e, layer_y[0] + 0.05), (x, layer_y[1] - 0.04), color=colour,
                       linewidth=0.8)
            column(x, colour, layer_y[1] - 0.01, (), k)
    if title:
        ax.set_title(title)
