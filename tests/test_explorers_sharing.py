"""The batched sharing trainer and the sharing explorer."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from mtl_lessons.concepts import fit_and_score  # noqa: E402
from mtl_lessons.data import digit_pairs, related_tasks  # noqa: E402
from mtl_lessons.explorers_sharing import (  # noqa: E402
    SharingExplorer,
    SharingSetting,
    sharing_explorer_update_seconds,
    train_sharing,
)
from mtl_lessons.torch.models import HardSharingNet  # noqa: E402
from mtl_lessons.torch.relatedness import gradient_cosine  # noqa: E402


@pytest.fixture(scope="module")
def data():
    return related_tasks(n_train=40, p=0.5, dim=6, noise_std=0.3, n_val=30, n_test=50, seed=0)


@pytest.mark.parametrize("depth", [0, 1, 2])
def test_train_sharing_matches_fit_and_score(data, depth):
    torch.manual_seed(3)
    model = HardSharingNet(data.input_shape, data.output_sizes(), (8, 8), shared_layers=depth)
    score = fit_and_score(model, data, epochs=20, lr=1e-2, seed=3)
    result = train_sharing(data, SharingSetting(depth), seeds=[3], hidden=(8, 8), epochs=20)
    assert np.allclose(result.test[0, 0, 0], [score.test[t] for t in data.tasks], rtol=1e-4)
    assert np.allclose(result.val[0, 0, 0], [score.val[t] for t in data.tasks], rtol=1e-4)


def test_gradient_probe_matches_gradient_cosine(data):
    torch.manual_seed(1)
    model = HardSharingNet(data.input_shape, data.output_sizes(), (8, 8), shared_layers=1)
    expected = gradient_cosine(model, data)[0, 1]
    result = train_sharing(data, [SharingSetting(0), SharingSetting(1)], seeds=[1], hidden=(8, 8),
                           epochs=5, probe_epochs=(0, 5))
    assert result.cosine.shape == (1, 2, 1, 2)
    assert np.isnan(result.cosine[0, 0, 0]).all()  # nothing shared: no cosine
    assert abs(result.cosine[0, 1, 0, 0] - expected) < 1e-5
    assert -1 <= result.cosine[0, 1, 0, 1] <= 1


def test_train_sharing_shapes_and_mixed_training_sizes(data):
    small = data.with_train_size(10)
    settings = [SharingSetting(0), SharingSetting(2), SharingSetting(0, 0.1), SharingSetting(1, 0.0, 0.8)]
    result = train_sharing([data, small], settings, seeds=[0, 1], hidden=(8, 8), epochs=10)
    assert result.test.shape == (2, 4, 2, 2) and np.isfinite(result.test).all()
    alone = train_sharing(small, settings[1], seeds=[1], hidden=(8, 8), epochs=10)
    assert np.allclose(alone.test[0, 0, 0], result.test[1, 1, 1], rtol=1e-4)  # padding changes nothing


def test_soft_coupling_acts_only_on_unshared_layers(data):
    settings = [SharingSetting(0), SharingSetting(0, 0.5), SharingSetting(2), SharingSetting(2, 0.5)]
    result = train_sharing(data, settings, seeds=[0], hidden=(8, 8), epochs=20)
    stl, soft, hard, hard_coupled = result.test[0, :, 0]
    assert not np.allclose(stl, soft)  # the penalty changes independent columns
    assert np.allclose(hard, hard_coupled)  # and nothing when every layer is shared


def test_train_sharing_checks_arguments(data):
    with pytest.raises(ValueError, match="depth 3"):
        train_sharing(data, SharingSetting(3), hidden=(8, 8))
    with pytest.raises(TypeError, match="settings"):
        train_sharing(data, [0])
    with pytest.raises(TypeError, match="datasets"):
        train_sharing([], SharingSetting(0))
    with pytest.raises(ValueError, match="two regression"):
        train_sharing(digit_pairs(n_train=10, n_val=5, n_test=5), SharingSetting(0))
    other = related_tasks(n_train=40, p=0.5, dim=6, n_val=31, n_test=50)
    with pytest.raises(ValueError, match="differ"):
        train_sharing([data, other], SharingSetting(0))
    with pytest.raises(ValueError, match="lam"):
        SharingSetting(0, -1.0)
    with pytest.raises(ValueError, match="share"):
        SharingSetting(0, 0.0, 1.5)
    with pytest.raises(ValueError, match="seeds"):
        train_sharing(data, SharingSetting(0), seeds=[])


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
    assert explorer.results([SharingSetting(1)], 0.5, 30).shape == (1, 2, 2)
    with pytest.raises(ValueError, match="n"):
        explorer.data(0.5, 61)
    with pytest.raises(ValueError, match="depth"):
        explorer.setting(3, 0.0)


def test_explorer_widget_links_with_the_alpha_explorer(explorer):
    from mtl_lessons.explorers import AlphaExplorer

    box = explorer.widget(alpha_explorer=AlphaExplorer(n_train=40, epochs=5, seeds=(0,)), p_values=(0.0, 0.5))
    sharing_box, alpha_box = box.children
    mine = dict(zip(["depth", "lam", "p", "n", "alpha1"], sharing_box.children[0].children, strict=True))
    theirs = {c.description: c for c in alpha_box.children[0].children}
    mine["alpha1"].value = 0.5
    assert theirs["α₁"].value == 0.5
    mine["p"].value = 0.0
    assert theirs["task correlation p"].value == 0.0
    assert len(sharing_box.update_seconds) == 3
    plt.close("all")


def test_static_twin_and_update_seconds(explorer):
    twin = explorer.static_twin(depths=(0, 2), p_values=(0.5,), n=30)
    assert len(twin.children[1].children) == 2
    seconds = sharing_explorer_update_seconds(repeats=2, explorer=explorer)
    assert 0 < seconds < 5
    with pytest.raises(TypeError, match="SharingExplorer"):
        sharing_explorer_update_seconds(1, explorer="no")
