"""The alpha explorer and its sweep of task weights, on small configurations (a few seconds in all)."""

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from mtl_lessons.data import CLASSIFICATION, MultiTaskData, Split, related_tasks
from mtl_lessons.explorers import AlphaExplorer, alpha_share, sweep_weights, weighted_test_loss
from mtl_lessons.torch import HardSharingNet, evaluate, fit


@pytest.fixture(scope="module")
def data():
    return related_tasks(n_train=64, n_val=16, n_test=128, dim=6, p=0.5, n_sines=0, seed=0)


def small_explorer(**kwargs):
    settings = {"n_train": 40, "dim": 4, "epochs": 10, "shares": (0.0, 0.5, 1.0), "seeds": (0, 1)}
    return AlphaExplorer(**(settings | kwargs))


# --------------------------------------------------------------------------- the share


def test_share_is_the_weight_of_task_1_among_both():
    assert alpha_share(1, 3) == 0.25
    assert alpha_share(2.0, 0.0) == 1.0 and alpha_share(0, 5) == 0.0
    assert alpha_share(1, 2) == 0.3333
    assert alpha_share(10, 10) == alpha_share(1, 1) == AlphaExplorer.share(0.5, 0.5) == 0.5


def test_share_rejects_both_weights_zero_and_bad_values():
    with pytest.raises(ValueError, match="alpha1 and alpha2 are both 0"):
        alpha_share(0, 0)
    with pytest.raises(ValueError, match="alpha1 must be >= 0.0, got -1.0"):
        alpha_share(-1, 1)
    with pytest.raises(TypeError, match="alpha2 must be a number"):
        alpha_share(1, "1")


# --------------------------------------------------------------------------- the sweep


def test_sweep_weights_equals_the_book_training_loop(data):
    alpha = {"task1": 0.3, "task2": 0.7}
    torch.manual_seed(2)
    model = HardSharingNet(data.input_shape, data.output_sizes(), hidden=(3,))
    fit(model, data, epochs=25, batch_size=len(data.train), lr=2e-2, weighting=alpha, progress=False,
        device="cpu")
    expected = evaluate(model, data, "test")
    got = weighted_test_loss(data, alpha, hidden=(3,), epochs=25, seed=2)
    assert got == pytest.approx(expected, rel=1e-4)


def test_copies_are_independent_and_leave_the_random_state_alone(data):
    alphas = [{"task1": 1.0, "task2": 0.0}, {"task1": 0.2, "task2": 0.8}]
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    together = sweep_weights(data, alphas, seeds=(0, 1), hidden=(2,), epochs=15)
    assert torch.rand(1) == before
    assert together.shape == (2, 2, 2)
    for a, alpha in enumerate(alphas):
        for s, seed in enumerate((0, 1)):
            alone = sweep_weights(data, [alpha], seeds=(seed,), hidden=(2,), epochs=15)
            np.testing.assert_allclose(together[a, s], alone[0, 0], rtol=1e-4)


def test_adam_ignores_the_scale_of_the_loss_and_sgd_does_not(data):
    alphas = [{"task1": 1.0, "task2": 1.0}, {"task1": 10.0, "task2": 10.0}]
    adam = sweep_weights(data, alphas, seeds=(0, 1), hidden=(2,), epochs=30)
    np.testing.assert_allclose(adam[0], adam[1], rtol=1e-4)
    sgd = sweep_weights(data, alphas, seeds=(0, 1), hidden=(2,), epochs=30, lr=0.02, optimizer="sgd")
    assert np.abs(sgd[0] - sgd[1]).max() > 1e-2
    # with SGD, weights times 10 are the learning rate times 10
    faster = sweep_weights(data, alphas[:1], seeds=(0, 1), hidden=(2,), epochs=30, lr=0.2, optimizer="sgd")
    np.testing.assert_allclose(faster[0], sgd[1], rtol=1e-4)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"alphas": {"task1": 1.0}}, TypeError, "alphas must be a non-empty list"),
        ({"alphas": []}, TypeError, "alphas must be a non-empty list"),
        ({"alphas": [3.0]}, TypeError, "each weighting must be a dict"),
        ({"alphas": [{"task3": 1.0}]}, ValueError, r"unknown tasks \['task3'\]"),
        ({"alphas": [{"task1": -1.0}]}, ValueError, r"alpha\['task1'\] must be >= 0.0"),
        ({"optimizer": "rmsprop"}, ValueError, "optimizer must be one of 'adam', 'sgd'"),
        ({"seeds": ()}, ValueError, "seeds must list at least one seed"),
        ({"hidden": ()}, ValueError, "hidden must list at least one layer width"),
        ({"epochs": 0}, ValueError, "epochs must be >= 1"),
        ({"lr": 0.0}, ValueError, "lr must be > 0.0"),
    ],
)
def test_sweep_weights_rejects_bad_arguments(data, kwargs, error, message):
    arguments = {"alphas": [{"task1": 1.0}], "epochs": 2} | kwargs
    with pytest.raises(error, match=message):
        sweep_weights(data, **arguments)


def test_sweep_weights_rejects_classification_tasks():
    split = Split(np.zeros((4, 3), np.float32), {"label": np.array([0, 1, 0, 1])})
    labels = MultiTaskData(split, split, split, {"label": CLASSIFICATION}, {"label": 2})
    with pytest.raises(ValueError, match="every task must be a regression task"):
        sweep_weights(labels, [{"label": 1.0}], epochs=1)


# --------------------------------------------------------------------------- the explorer


def test_explorer_caches_data_sweeps_and_settings():
    explorer = small_explorer()
    assert explorer.data(0.5) is explorer.data(0.5)
    curve = explorer.curve(0.5)
    assert curve.shape == (3, 2, 2) and explorer.trainings == 1
    assert np.array_equal(explorer.curve(0.5), curve) and explorer.trainings == 1
    assert np.array_equal(explorer.point(1.0, 1.0, 0.5), curve[1])  # w = 0.5 is on the sweep
    assert explorer.trainings == 1
    explorer.point(1.0, 3.0, 0.5)  # w = 0.25: one new training
    assert explorer.trainings == 2
    explorer.point(2.0, 6.0, 0.5)  # the same share: cached
    assert explorer.trainings == 2
    explorer.curve(0.0)  # a new p: one training for the whole sweep
    assert explorer.trainings == 3


def test_explorer_checks_its_settings():
    with pytest.raises(ValueError, match="at least two values"):
        small_explorer(shares=(0.5,))
    with pytest.raises(ValueError, match="share must be <= 1.0"):
        small_explorer(shares=(0.0, 1.5))
    with pytest.raises(ValueError, match="seeds must list at least one seed"):
        small_explorer(seeds=())
    with pytest.raises(ValueError, match="p must be <= 1.0"):
        small_explorer().data(1.5)


def test_draw_marks_the_setting_and_survives_extreme_weights():
    explorer = small_explorer()
    figure = plt.figure()
    explorer.draw(figure, 1.0, 3.0, 0.5)
    left, right = figure.axes
    assert left.get_xlabel().startswith("task 1 test MSE") and right.get_yscale() == "log"
    assert any(line.get_label() == "your setting" for line in left.get_lines())
    assert "w = 0.25" in right.get_title()
    plt.close(figure)
    for alpha1, alpha2, message in ((0.0, 0.0, "nothing is trained"), (0.0, 2.0, "task 1 untrained"),
                                    (2.0, 0.0, "task 2 untrained")):
        figure = plt.figure()
        explorer.draw(figure, alpha1, alpha2, 0.5)
        texts = [t.get_text() for t in figure.axes[1].texts] + [figure.axes[1].get_title()]
        assert any(message in t for t in texts)
        plt.close(figure)


def test_widget_builds_and_redraws_on_every_slider():
    explorer = small_explorer()
    box = explorer.widget(p_values=(0.0, 0.5))
    alpha1, alpha2, p = box.controls["alpha1"], box.controls["alpha2"], box.controls["p"]
    assert isinstance(alpha1, widgets.FloatSlider) and p.options == (0.0, 0.5)
    alpha1.value = 0.0
    alpha2.value = 0.0  # both zero: a message, not a crash
    p.value = 0.0
    assert len(box.update_seconds) == 4
    with pytest.raises(ValueError, match="p must be <= 1.0"):
        explorer.widget(p_values=(2.0,))


def test_static_twin_has_one_frame_per_setting():
    explorer = small_explorer()
    twin = explorer.static_twin(p_values=(0.5,), alpha1_values=(0.0, 3.0))
    slider, stack = twin.children
    assert slider.options == ("p = 0.5, α₁ = 0", "p = 0.5, α₁ = 3")
    assert len(stack.children) == 2 and stack.children[0].value != stack.children[1].value
    assert all(bytes(image.value).startswith(b"\x89PNG") for image in stack.children)
    assert explorer.trainings == 1  # the sweep and the twin's extra shares in one batched run
