"""The sharing explorer: cached results, the live widget linked with the alpha explorer, the static twin."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from mtl_lessons.explorers import AlphaExplorer, SharingExplorer  # noqa: E402


@pytest.fixture(scope="module")
def explorer():
    return SharingExplorer(hidden=(8, 8), n_max=60, epochs=10, seeds=(0, 1))


def test_explorer_draws_and_caches(explorer):
    figure = plt.figure()
    explorer.draw(figure, depth=2, lam=0.0, p=0.5, n=30, alpha1=1.0)
    plt.close(figure)
    trainings = explorer.trainings
    figure = plt.figure()
    explorer.draw(figure, depth=1, lam=0.0, p=0.5, n=30, alpha1=1.0)  # in the cached depth sweep
    plt.close(figure)
    assert explorer.trainings == trainings
    assert explorer.results([explorer.setting(1, 0.0)], 0.5, 30).shape == (1, 2, 2)
    with pytest.raises(ValueError, match="n must be <= 60, got 61"):
        explorer.data(0.5, 61)
    with pytest.raises(ValueError, match="depth must be <= 2, got 3"):
        explorer.setting(3, 0.0)


def test_explorer_widget_links_with_the_alpha_explorer(explorer):
    box = explorer.widget(alpha_explorer=AlphaExplorer(n_train=40, epochs=5, seeds=(0,)), p_values=(0.0, 0.5))
    sharing_box, alpha_box = box.children
    mine, theirs = sharing_box.controls, alpha_box.controls
    assert list(mine) == ["depth", "lam", "p", "n", "alpha1"]
    mine["alpha1"].value = 0.5
    assert theirs["alpha1"].value == 0.5
    mine["p"].value = 0.0
    assert theirs["p"].value == 0.0
    assert len(sharing_box.update_seconds) == 3
    plt.close("all")


def test_static_twin_has_one_frame_per_setting(explorer):
    twin = explorer.static_twin(depths=(0, 2), p_values=(0.5,), n=30)
    slider, stack = twin.children
    assert slider.options == ("p = 0.5, depth 0", "p = 0.5, depth 2")
    assert len(stack.children) == 2 and stack.children[0].value != stack.children[1].value
