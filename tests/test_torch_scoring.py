"""Per-task early stopping (fit_and_score), and the other small torch tools of the chapters."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mtl_lessons.data import related_tasks, scale_task
from mtl_lessons.history import Score
from mtl_lessons.torch import HardSharingNet, fit_and_score, linear_probe, mtl_and_stl, seconds_per_step


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
    with pytest.raises(ValueError, match="lr must be > 0.0, got 0.0"):
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


def test_linear_probe_on_an_identity_trunk_recovers_a_linear_task():
    data = related_tasks(n_train=5, p=0.5, dim=4, n_sines=0, noise_std=0.0, n_val=100, n_test=100, seed=0)
    trunk = torch.nn.Identity()
    trunk.register_parameter("dummy", torch.nn.Parameter(torch.zeros(1)))  # gives it a device
    assert linear_probe(trunk, data, "task1", n_fit=50, ridge=0.0) < 1e-8
    with pytest.raises(ValueError, match="unknown task"):
        linear_probe(trunk, data, "nope")
    with pytest.raises(ValueError, match="n_fit"):
        linear_probe(trunk, data, "task1", n_fit=101)


def test_seconds_per_step_is_positive(small):
    model = HardSharingNet(small.input_shape, small.output_sizes(), hidden=(8,))
    seconds = seconds_per_step(model, small, steps=3, repeats=2)
    assert seconds > 0  # its size depends on the machine: `make bench` reports speeds
    with pytest.raises(ValueError, match="steps"):
        seconds_per_step(model, small, steps=0)
