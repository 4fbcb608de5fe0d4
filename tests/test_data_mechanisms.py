"""The generators that show why MTL works, and the data transforms."""

from __future__ import annotations

import numpy as np
import pytest

from mtl_lessons.analysis import relevant_share
from mtl_lessons.data import (
    eavesdropping_tasks,
    label_correlation,
    related_tasks,
    scale_task,
    select_tasks,
    sparse_linear_tasks,
    subspace_tasks,
)


@pytest.fixture
def small():
    return related_tasks(n_train=40, p=0.9, dim=5, n_val=30, n_test=50, seed=1)


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


def test_sparse_linear_tasks_use_only_the_relevant_inputs():
    data = sparse_linear_tasks(n_train=10, n_inputs=20, n_relevant=3, n_tasks=4, seed=0)
    weights = data.info["weights"]
    assert weights.shape == (20, 4)
    assert np.all(weights[3:] == 0) and np.all(weights[:3] != 0)
    assert relevant_share(weights, 3) == 1.0
    assert len(data.train) == 10 and data.input_shape == (20,)


def test_label_correlation_follows_p_for_clean_labels():
    """The chapter's claim, at a smaller size: clean labels correlate about as much as p."""
    for p in (0.9, 0.0, -0.5):
        data = related_tasks(n_train=1, n_val=1, n_test=3000, p=p, dim=10, noise_std=0.1, seed=0)
        assert label_correlation(data)[0, 1] == pytest.approx(p, abs=0.15)
