"""The balancing chapter's tools: the scaled toy, compare_weightings, the timing and the explorer."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import math  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from mtl_lessons.data import scaled_tasks  # noqa: E402
from mtl_lessons.explorers import BalancingExplorer  # noqa: E402
from mtl_lessons.torch import (  # noqa: E402
    MGDA,
    HardSharingNet,
    PCGrad,
    SharingSetting,
    UncertaintyWeighting,
    compare_weightings,
    evaluate,
    seconds_per_step,
    target_variance,
    train_copies,
)

# ---------------------------------------------------------------- scaled_tasks


def test_scaled_tasks_scale_each_task_and_set_its_noise_floor():
    data = scaled_tasks((1.0, 10.0), n_train=3000, noise=(0.0, 0.1), seed=0)
    variance = target_variance(data, "train")
    assert 50 < variance[1] / variance[0] < 200  # about the square of the scale ratio
    again = scaled_tasks((1.0, 10.0), n_train=3000, noise=(0.0, 0.1), seed=0)
    assert np.array_equal(again.train.y["task2"], data.train.y["task2"])
    assert data.info["noise"] == (0.0, 0.1) and data.tasks == ("task1", "task2")


def test_scaled_tasks_refuse_bad_arguments():
    with pytest.raises(TypeError, match="sigmas"):
        scaled_tasks(100.0)
    with pytest.raises(ValueError, match="sigma"):
        scaled_tasks((1.0, 0.0))
    with pytest.raises(ValueError, match="one per task"):
        scaled_tasks((1.0, 2.0), noise=(0.1, 0.1, 0.1))
    with pytest.raises(ValueError, match="noise"):
        scaled_tasks((1.0,), noise=-0.1)


# ---------------------------------------------------------------- compare_weightings


@pytest.fixture(scope="module")
def toy():
    return [scaled_tasks((1.0, 100.0), n_train=64, n_val=32, n_test=64, dim=6, seed=s) for s in (0, 1)]


def test_compare_weightings_trains_every_method_from_the_same_start(toy):
    methods = {"equal": lambda d: None, "uw": lambda d: UncertaintyWeighting(d.kinds),
               "mgda": lambda d: MGDA()}
    runs = compare_weightings(toy, methods, seeds=[0, 1], hidden=(4,), epochs=5, lr=0.05)
    assert list(runs) == ["equal", "uw", "mgda"]
    for result in runs.values():
        assert result.test.shape == result.val.shape == result.train.shape == (2, 2)
        assert result.weights.shape == (2, 5, 2) and result.seconds > 0
    # equal weights through fit equal the batched engine's copies from the same seeds
    batched = [train_copies(d, [SharingSetting(1)], seeds=[s], hidden=(4,), epochs=5, lr=0.05,
                            select="last").test[0, 0, 0] for s, d in zip((0, 1), toy, strict=True)]
    assert np.allclose(runs["equal"].test, np.array(batched), rtol=1e-4)
    assert np.allclose(runs["mgda"].weights.sum(-1), 1.0, atol=1e-5)
    # each run keeps its trained network: evaluated again, it gives the run's test metrics
    assert len(runs["uw"].models) == 2
    for k, data in enumerate(toy):
        again = evaluate(runs["uw"].models[k], data, "test")
        assert np.allclose([again[t] for t in data.tasks], runs["uw"].test[k], rtol=1e-6)


def test_compare_weightings_refuses_bad_arguments(toy):
    with pytest.raises(ValueError, match="one per seed"):
        compare_weightings(toy, {"equal": lambda d: None}, seeds=[0, 1, 2])
    with pytest.raises(TypeError, match="function of the data"):
        compare_weightings(toy[0], {"pcgrad": PCGrad()}, seeds=[0])
    with pytest.raises(ValueError, match="non-empty"):
        compare_weightings(toy[0], {}, seeds=[0])


def test_seconds_per_step_times_any_weighting(toy):
    for weighting in (None, PCGrad(), MGDA(on="features")):
        torch.manual_seed(0)
        model = HardSharingNet(toy[0].input_shape, toy[0].output_sizes(), (4,))
        seconds = seconds_per_step(model, toy[0], steps=2, repeats=1, weighting=weighting)
        assert 0 < seconds < 5 and math.isfinite(seconds)
    assert not model.trunk._forward_hooks  # the hook that reads the representation is removed


# ---------------------------------------------------------------- the explorer


@pytest.fixture(scope="module")
def explorer():
    return BalancingExplorer(n_train=40, dim=4, hidden=(4,), epochs=6)


def test_explorer_draws_caches_and_survives_extreme_settings(explorer):
    for method, scale, p in (("MGDA", 100.0, 0.5), ("uncertainty", 1000.0, -1.0), ("DWA", 1.0, 1.0)):
        figure = plt.figure()
        explorer.draw(figure, method=method, scale=scale, p=p)
        plt.close(figure)
    trainings = explorer.trainings
    figure = plt.figure()
    explorer.draw(figure, method="MGDA", scale=100.0, p=0.5)
    plt.close(figure)
    assert explorer.trainings == trainings  # everything was cached
    with pytest.raises(ValueError, match="method must be one of"):
        explorer.runs("Adam", 1.0, 0.5)
    with pytest.raises(ValueError, match="scale"):
        explorer.data(0.0, 0.5)


def test_explorer_widget_and_twin(explorer):
    box = explorer.widget(scales=(1.0, 100.0), p_values=(0.5,))
    box.controls["method"].value = "PCGrad"
    box.controls["scale"].value = 1.0
    assert len(box.update_seconds) >= 2
    twin = explorer.static_twin(methods=["MGDA", "GradNorm"], scales=(100.0,))
    assert len(twin.children[1].children) == 2
    with pytest.raises(ValueError, match="method must be one of"):
        explorer.static_twin(methods=["SGD"])
