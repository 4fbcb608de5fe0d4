"""Tests of mtl_lessons.plots: mean ± spread curves and the sharing schematics."""

from __future__ import annotations

import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

from mtl_lessons.plots import (  # noqa: E402
    ARCHITECTURES,
    SHARED_COLOUR,
    draw_architecture,
    mean_and_spread,
    plot_mean_spread,
)


@pytest.fixture
def ax():
    figure, axis = plt.subplots()
    yield axis
    plt.close(figure)


def test_mean_and_spread_over_the_last_axis():
    mean, spread = mean_and_spread(np.array([[1.0, 3.0], [2.0, 2.0]]))
    np.testing.assert_allclose(mean, [2.0, 2.0])
    np.testing.assert_allclose(spread, [1.0, 0.0])
    with pytest.raises(ValueError, match="seeds"):
        mean_and_spread(np.zeros((3, 0)))


def test_plot_mean_spread_band(ax):
    values = np.array([[1.0, 3.0], [2.0, 4.0], [3.0, 3.0]])
    line = plot_mean_spread(ax, [1, 2, 3], values, label="m")
    np.testing.assert_allclose(line.get_ydata(), [2.0, 3.0, 3.0])
    assert line.get_label() == "m"
    assert len(ax.collections) == 1  # the shaded band


def test_plot_mean_spread_error_bars_show_every_seed(ax):
    values = np.array([[1.0, 3.0, 2.0], [2.0, 4.0, 3.0]])
    line = plot_mean_spread(ax, [10, 20], values, band=False, color="C2")
    np.testing.assert_allclose(line.get_ydata(), [2.0, 3.0])
    seed_dots = [dots for dots in ax.lines if dots.get_marker() == "."]
    assert len(seed_dots) == 3
    np.testing.assert_allclose(seed_dots[1].get_ydata(), [3.0, 4.0])


def test_plot_mean_spread_checks_shape(ax):
    with pytest.raises(ValueError, match=r"\(len\(x\), seeds\)"):
        plot_mean_spread(ax, [1, 2], np.zeros((3, 2)))
    with pytest.raises(ValueError, match="shape"):
        plot_mean_spread(ax, [1, 2], np.zeros(2))


@pytest.mark.parametrize("kind", ARCHITECTURES)
def test_every_architecture_draws(ax, kind):
    draw_architecture(ax, kind, n_tasks=2, title=kind)
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert boxes and arrows
    assert ax.get_title() == kind
    ax.figure.canvas.draw()  # renders without error


def _shared_boxes(ax):
    shared = matplotlib.colors.to_rgba(SHARED_COLOUR)
    return [p for p in ax.patches if isinstance(p, FancyBboxPatch) and p.get_facecolor() == shared]


def test_shared_boxes_match_the_kind():
    counts = {}
    for kind in ("independent", "hard", "partial", "soft"):
        figure, axis = plt.subplots()
        draw_architecture(axis, kind)
        counts[kind] = len(_shared_boxes(axis))
        plt.close(figure)
    assert counts == {"independent": 0, "hard": 2, "partial": 1, "soft": 0}


def test_soft_sharing_draws_dashed_couplings(ax):
    draw_architecture(ax, "soft", n_tasks=3)
    dashed = [p for p in ax.patches if isinstance(p, FancyArrowPatch) and p.get_linestyle() == "--"]
    assert len(dashed) == 2 * 2  # two layers, two neighbouring pairs


def test_draw_architecture_checks_arguments(ax):
    with pytest.raises(ValueError, match="kind"):
        draw_architecture(ax, "cross")
    with pytest.raises(ValueError, match="n_tasks"):
        draw_architecture(ax, "hard", n_tasks=9)


def test_importing_plots_does_not_import_torch():
    code = "import sys, mtl_lessons.plots; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
