"""Tests of mtl_lessons.concepts: the experiment helpers of the chapter on core concepts."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mtl_lessons.concepts import (
    Score,
    eavesdropping_tasks,
    fit_and_score,
    linear_probe,
    mtl_and_stl,
    relevant_share,
    scale_task,
    seconds_per_step,
    select_tasks,
    sparse_linear_tasks,
    subspace_tasks,
)
from mtl_lessons.data import label_correlation, related_tasks
from mtl_lessons.torch.models import HardSharingNet


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def small():
    return related_tasks(n_train=40, p=0.9, dim=5, n_val=30, n_test=50, seed=1)


def test_fit_and_score_picks_each_tasks_best_validation_epoch(small):
    model = HardSharingNet(small.input_shape, small.output_sizes(), hidden=(8,))
    score = fit_and_score(model, small, epochs=12, lr=1e-2, eval_every=4, seed=0)
    assert isinstance(score, Score)
    assert score.evaluated == [4, 8, 12]
    assert score.curves["val"].shape == (3, 2)
    for k, task in enumerate(small.tasks):
        best = int(np.argmin(score.curves["val"][:, k]))
        assert score.epoch[task] == score.evaluated[best]
        assert score.val[task] == pytest.approx(score.curves["val"][best, k])
        assert score.test[task] == pytest.approx(score.curves["test"][best, k])
    assert not model.training


def test_fit_and_score_is_deterministic(small):
    results = []
    for _ in range(2):
        torch.manual_seed(3)
        model = HardSharingNet(small.input_shape, small.output_sizes(), hidden=(8,))
        results.append(fit_and_score(model, small, epochs=5, seed=3).test)
    assert results[0] == results[1]


def test_fit_and_score_checks_arguments(small):
    model = HardSharingNet(small.input_shape, small.output_sizes(), hidden=(8,))
    with pytest.raises(ValueError, match="epochs"):
        fit_and_score(model, small, epochs=0)
    with pytest.raises(ValueError, match="lr"):
        fit_and_score(model, small, lr=0.0)
    with pytest.raises(TypeError, match="eval_every"):
        fit_and_score(model, small, eval_every=2.5)
    with pytest.raises(ValueError, match="do not match"):
        fit_and_score(HardSharingNet(5, {"task1": 1}, hidden=(4,)), small)


def test_fit_and_score_refuses_classification():
    from mtl_lessons.data import CLASSIFICATION, MultiTaskData, Split

    x = np.zeros((4, 2), dtype=np.float32)
    split = Split(x, {"c": np.array([0, 1, 0, 1])})
    data = MultiTaskData(split, split, split, {"c": CLASSIFICATION}, {"c": 2})
    model = HardSharingNet(2, {"c": 2}, hidden=(3,))
    with pytest.raises(ValueError, match="regression"):
        fit_and_score(model, data)


def test_mtl_and_stl_trains_both_models(small):
    scores = mtl_and_stl(small, hidden=(8,), seed=0, epochs=5)
    assert set(scores) == {"MTL", "STL"}
    assert set(scores["MTL"].test) == set(small.tasks)


def test_independent_networks_ignore_the_other_task(small):
    """With shared_layers=0, task 1's results do not depend on task 2's labels at all."""
    results = []
    for factor in (1.0, 7.0):
        data = scale_task(small, "task2", factor)
        torch.manual_seed(0)
        model = HardSharingNet(data.input_shape, data.output_sizes(), hidden=(8,), shared_layers=0)
        results.append(fit_and_score(model, data, epochs=6, seed=0).test["task1"])
    assert results[0] == pytest.approx(results[1], rel=1e-6)


def test_scale_task_scales_one_task_only(small):
    scaled = scale_task(small, "task2", 3.0)
    for split in ("train", "val", "test"):
        new, old = getattr(scaled, split), getattr(small, split)
        np.testing.assert_allclose(new.y["task2"], 3 * old.y["task2"], rtol=1e-6)
        np.testing.assert_array_equal(new.y["task1"], old.y["task1"])
        np.testing.assert_array_equal(new.x, old.x)
    assert scaled.info["scaled"] == {"task2": 3.0}
    with pytest.raises(ValueError, match="unknown task"):
        scale_task(small, "task9", 2.0)
    with pytest.raises(ValueError, match="factor"):
        scale_task(small, "task1", 0.0)


def test_select_tasks(small):
    one = select_tasks(small, ["task2"])
    assert one.tasks == ("task2",)
    assert set(one.test.y) == {"task2"}
    with pytest.raises(ValueError, match="task3"):
        select_tasks(small, ["task3"])
    with pytest.raises(ValueError, match="tasks must name"):
        select_tasks(small, [])


def test_eavesdropping_tasks_reference_levels():
    data = eavesdropping_tasks(n_train=10, n_test=20000, hidden_weight=0.7, noise_std=1.0, seed=0)
    x, y = data.test.x.astype(float), data.test.y
    g = x[:, 0] * x[:, 1]
    assert np.var(g) == pytest.approx(1.0, abs=0.05)
    assert np.mean((y["main"] - 0.7 * g) ** 2) == pytest.approx(1.0, abs=0.05)  # knows G: floor
    assert np.var(y["main"]) == pytest.approx(1.49, abs=0.06)  # ignores G
    assert np.std(y["helper"] - g) == pytest.approx(0.1, abs=0.01)
    assert data.input_shape == (5,)


def test_subspace_tasks_live_in_one_subspace():
    data = subspace_tasks(n_train=50, n_tasks=4, rank=2, dim=8, noise_std=0.0, n_test=10, seed=0)
    directions = data.info["directions"]
    assert directions.shape == (8, 4)
    np.testing.assert_allclose(np.linalg.norm(directions, axis=0), 1.0, rtol=1e-6)
    singular = np.linalg.svd(directions, compute_uv=False)
    assert singular[2] < 1e-8 * singular[0]  # four directions, rank 2
    z = data.train.x.astype(float) @ directions
    for k, task in enumerate(data.tasks):
        np.testing.assert_allclose(data.train.y[task], z[:, k] + np.sin(2 * z[:, k]), atol=1e-4)
    with pytest.raises(ValueError, match="rank"):
        subspace_tasks(rank=11, dim=10)


def test_linear_probe_on_an_identity_trunk_recovers_a_linear_task():
    data = related_tasks(n_train=5, p=0.5, dim=4, n_sines=0, noise_std=0.0, n_val=100, n_test=100, seed=0)
    trunk = torch.nn.Identity()
    trunk.register_parameter("dummy", torch.nn.Parameter(torch.zeros(1)))  # gives it a device
    assert linear_probe(trunk, data, "task1", n_fit=50, ridge=0.0) < 1e-8
    with pytest.raises(ValueError, match="unknown task"):
        linear_probe(trunk, data, "nope")
    with pytest.raises(ValueError, match="n_fit"):
        linear_probe(trunk, data, "task1", n_fit=101)


def test_sparse_linear_tasks_use_only_the_relevant_inputs():
    data = sparse_linear_tasks(n_train=10, n_inputs=20, n_relevant=3, n_tasks=4, seed=0)
    weights = data.info["weights"]
    assert weights.shape == (20, 4)
    assert np.all(weights[3:] == 0) and np.all(weights[:3] != 0)
    assert relevant_share(weights, 3) == 1.0
    assert len(data.train) == 10 and data.input_shape == (20,)


def test_relevant_share():
    coef = np.array([[1.0, 0.0], [1.0, 2.0], [2.0, 2.0]])
    assert relevant_share(coef, 2) == pytest.approx((0.5 + 0.5) / 2)
    assert relevant_share(np.array([3.0, -1.0]), 1) == pytest.approx(0.75)
    assert relevant_share(np.zeros((3, 2)), 1) == 0.0
    with pytest.raises(ValueError, match="n_relevant"):
        relevant_share(coef, 4)
    with pytest.raises(ValueError, match="coef"):
        relevant_share(np.zeros((2, 2, 2)), 1)


def test_seconds_per_step_is_positive_and_small(small):
    model = HardSharingNet(small.input_shape, small.output_sizes(), hidden=(8,))
    seconds = seconds_per_step(model, small, steps=3, repeats=2)
    assert 0 < seconds < 1.0
    with pytest.raises(ValueError, match="steps"):
        seconds_per_step(model, small, steps=0)


def test_label_correlation_follows_p_for_clean_labels():
    """The chapter's claim, at a smaller size: clean labels correlate about as much as p."""
    for p in (0.9, 0.0, -0.5):
        data = related_tasks(n_train=1, n_val=1, n_test=3000, p=p, dim=10, noise_std=0.1, seed=0)
        assert label_correlation(data)[0, 1] == pytest.approx(p, abs=0.15)
