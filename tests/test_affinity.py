"""Lookahead affinity (Fifty et al., 2021), checked against a step and a training loop written by hand."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mtl_lessons.data import CLASSIFICATION, REGRESSION, MultiTaskData, Split, related_tasks
from mtl_lessons.torch import HardSharingNet, shared_gradients
from mtl_lessons.torch.affinity import lookahead_affinity, task_affinity


def three_tasks() -> MultiTaskData:
    """Two regression tasks and a two-class task (task 1 above its median) on the same inputs."""
    data = related_tasks(n_train=40, p=0.6, n_tasks=2, dim=5, n_val=10, n_test=10, seed=1)

    def split(part: Split) -> Split:
        above = (part.y["task1"] > np.median(part.y["task1"])).astype(np.int64)
        return Split(part.x, {**part.y, "above": above})

    return MultiTaskData(split(data.train), split(data.val), split(data.test),
                         {"task1": REGRESSION, "task2": REGRESSION, "above": CLASSIFICATION}, {"above": 2})


def losses_by_hand(model: HardSharingNet, data: MultiTaskData) -> torch.Tensor:
    x = torch.as_tensor(data.train.x)
    out = model(x)
    values = []
    for task, kind in data.kinds.items():
        target = torch.as_tensor(data.train.y[task])
        loss = F.mse_loss if kind == REGRESSION else F.cross_entropy
        values.append(loss(out[task], target))
    return torch.stack(values)


def affinity_by_hand(model: HardSharingNet, data: MultiTaskData, lr: float) -> np.ndarray:
    """Z[i, j] = 1 - L_j after an SGD step of task i on a copy's trunk / L_j before."""
    before = losses_by_hand(model, data).detach()
    rows = []
    for i in range(len(data.tasks)):
        moved = copy.deepcopy(model)
        moved.zero_grad()
        losses_by_hand(moved, data)[i].backward()
        with torch.no_grad():
            for p in moved.trunk.parameters():
                p -= lr * p.grad
        rows.append((1 - losses_by_hand(moved, data).detach() / before).numpy())
    return np.array(rows)


@pytest.fixture(scope="module")
def data():
    return three_tasks()


def fresh(data, seed=0, hidden=(8, 6), shared=2):
    torch.manual_seed(seed)
    return HardSharingNet(data.input_shape, data.output_sizes(), hidden, shared_layers=shared)


@pytest.mark.parametrize("shared", [1, 2])
def test_the_lookahead_is_a_step_on_the_trunk_alone(data, shared):
    model = fresh(data, shared=shared)
    weights = copy.deepcopy(model.state_dict())
    affinity = lookahead_affinity(model, data, lr=0.3)
    assert affinity.shape == (3, 3)
    assert np.allclose(affinity, affinity_by_hand(model, data, 0.3), atol=1e-5)
    assert all(torch.equal(weights[k], v) for k, v in model.state_dict().items())  # the model is unchanged
    assert np.all(np.diag(affinity) > 0)  # a small step along a task's own gradient lowers its loss


def test_a_small_lookahead_is_the_gradient_dot_product(data):
    """To first order, 1 - L_j(theta - lr g_i) / L_j = lr g_i . g_j / L_j (float32 limits the match)."""
    model = fresh(data, seed=3)
    lr = 1e-3
    grads = shared_gradients(model, data)
    losses = losses_by_hand(model, data).detach()
    expected = np.array([[lr * float(grads[a] @ grads[b]) / float(losses[j])
                          for j, b in enumerate(data.tasks)] for a in data.tasks])
    assert np.allclose(lookahead_affinity(model, data, lr=lr), expected, rtol=0.05, atol=1e-6)


def test_task_affinity_averages_over_a_gradient_descent_run(data):
    model, by_hand = fresh(data, seed=5), fresh(data, seed=5)
    lr = 0.05
    measured = [affinity_by_hand(by_hand, data, lr)]
    step = torch.optim.SGD(by_hand.parameters(), lr=lr)
    for epoch in range(1, 7):
        step.zero_grad()
        losses_by_hand(by_hand, data).sum().backward()
        step.step()
        if epoch % 3 == 0:
            measured.append(affinity_by_hand(by_hand, data, lr))
    averaged = task_affinity(model, data, epochs=6, lr=lr, every=3)
    assert np.allclose(averaged, np.mean(measured, axis=0), atol=1e-5)
    trained = zip(model.parameters(), by_hand.parameters(), strict=True)
    assert all(torch.allclose(p, q, atol=1e-6) for p, q in trained)  # task_affinity trained the model


def test_affinity_checks_its_arguments(data):
    model = fresh(data)
    with pytest.raises(ValueError, match="lr must be > 0.0"):
        lookahead_affinity(model, data, lr=0.0)
    with pytest.raises(ValueError, match="split must be one of"):
        lookahead_affinity(model, data, lr=0.1, split="dev")
    with pytest.raises(ValueError, match="no shared parameters"):
        lookahead_affinity(fresh(data, shared=0), data, lr=0.1)
    with pytest.raises(ValueError, match="every must be <= 4"):
        task_affinity(model, data, epochs=4, every=5)
    with pytest.raises(ValueError, match=r"epochs \(5\) must be a multiple of every \(2\)"):
        task_affinity(model, data, epochs=5, every=2)
    other = related_tasks(n_train=10, n_tasks=2, dim=5, n_val=5, n_test=5)
    with pytest.raises(ValueError):
        lookahead_affinity(model, other, lr=0.1)  # the model's heads are not the data's tasks
