"""The weighting contract: fixed weights, uncertainty weighting, and the gradient-based family."""

from __future__ import annotations

import math

import pytest
import torch

from mtl_lessons.data import related_tasks
from mtl_lessons.torch import (
    DWA,
    FixedWeights,
    GradientWeighting,
    HardSharingNet,
    UncertaintyWeighting,
    evaluate,
    fit,
    task_jacobian,
)
from mtl_lessons.torch.weighting import as_weighting


@pytest.fixture(scope="module")
def data():
    return related_tasks(n_train=48, p=0.5, dim=5, n_val=16, n_test=32, seed=0)


def losses_of(model, data):
    x = torch.as_tensor(data.train.x)
    out = model(x)
    return {t: ((out[t] - torch.as_tensor(data.train.y[t])) ** 2).mean() for t in data.tasks}


def test_fixed_weights_give_the_weighted_sum_and_its_gradients(data):
    torch.manual_seed(0)
    model = HardSharingNet(data.input_shape, data.output_sizes(), (6,))
    losses = losses_of(model, data)
    applied = FixedWeights({"task1": 0.25}).backward(losses, model.shared_parameters())
    assert applied.tolist() == [0.25, 1.0]
    by_hand = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    (0.25 * losses_of(model, data)["task1"] + losses_of(model, data)["task2"]).backward()
    for a, p in zip(by_hand, model.parameters(), strict=True):
        assert torch.allclose(a, p.grad)


@pytest.mark.parametrize("alpha, error", [({"task1": -1.0}, ValueError), ({"task1": math.nan}, ValueError),
                                          ({"task1": math.inf}, ValueError), ({"task1": "1"}, TypeError),
                                          ([1.0, 2.0], TypeError)])
def test_fixed_weights_reject_bad_values(alpha, error):
    with pytest.raises(error, match="alpha"):
        FixedWeights(alpha)


def test_as_weighting_accepts_none_a_dict_or_a_weighting_and_names_unknown_tasks():
    assert isinstance(as_weighting(None, ("a",)), FixedWeights)
    assert as_weighting({"a": 2.0}, ("a",)).alpha == {"a": 2.0}
    weighting = UncertaintyWeighting({"a": "regression"})
    assert as_weighting(weighting, ("a",)) is weighting
    with pytest.raises(ValueError, match=r"unknown tasks \['b'\]"):
        as_weighting({"b": 1.0}, ("a",))
    with pytest.raises(TypeError, match="weighting must be a Weighting"):
        as_weighting(0.5, ("a",))


def test_fit_refuses_fixed_weights_for_tasks_the_data_do_not_have(data):
    model = HardSharingNet(data.input_shape, data.output_sizes(), (4,))
    expected = r"^FixedWeights alpha names unknown tasks \['task_1'\]; the tasks are \['task1', 'task2'\]$"
    with pytest.raises(ValueError, match=expected):
        fit(model, data, epochs=1, weighting=FixedWeights({"task_1": 2.0}), progress=False)
    with pytest.raises(ValueError, match=expected):
        as_weighting(FixedWeights({"task1": 1.0, "task_1": 2.0}), data.tasks)


@pytest.mark.parametrize("weighting", [FixedWeights(), UncertaintyWeighting({"a": "regression"}), DWA()])
def test_loss_weightings_refuse_a_loss_that_is_not_a_scalar(weighting):
    expected = r"^losses\['a'\] must be a scalar, the batch's mean loss; got shape \(2,\)"
    with pytest.raises(ValueError, match=expected):
        weighting.combine({"a": torch.ones(2)})
    with pytest.raises(ValueError, match="^losses must name at least one task"):
        weighting.combine({})


@pytest.mark.parametrize("kind, factor", [("regression", 0.5), ("classification", 1.0)])
def test_uncertainty_weighting_is_stationary_at_its_optimum(kind, factor):
    """At s = log(2 c L) the derivative in s vanishes and the effective weight is 1 / (2 L)."""
    weighting = UncertaintyWeighting({"t": kind})
    loss = torch.tensor(0.3)
    with torch.no_grad():
        weighting.log_vars["t"].fill_(math.log(2 * factor * 0.3))
    total, weights = weighting.combine({"t": loss})
    (grad,) = torch.autograd.grad(total, [weighting.log_vars["t"]])
    assert abs(grad.item()) < 1e-6
    assert weights.item() == pytest.approx(1 / (2 * 0.3))
    assert weighting.weights_now()["t"] == pytest.approx(1 / (2 * 0.3))
    with pytest.raises(ValueError, match="kind of task 't'"):
        UncertaintyWeighting({"t": "ranking"})


def test_uncertainty_weighting_learns_in_fit_and_lowers_a_noisy_tasks_weight():
    data = related_tasks(n_train=256, dim=6, p=0.5, noise_std=0.1, n_val=32, n_test=32, seed=1)
    noisy = torch.Generator().manual_seed(0)
    data.train.y["task2"] += 2.0 * torch.randn(len(data.train), generator=noisy).numpy()
    torch.manual_seed(0)
    model = HardSharingNet(data.input_shape, data.output_sizes(), (16,))
    weighting = UncertaintyWeighting(data.kinds)
    history = fit(model, data, epochs=30, lr=1e-2, weighting=weighting, progress=False, seed=0)
    assert history.weights["task1"][0] == pytest.approx(0.5, abs=0.02)  # s starts at 0
    assert history.weights["task2"][-1] < 0.5 * history.weights["task1"][-1]
    assert all(p.grad is not None for p in weighting.parameters())  # trained with the model


class Summing(GradientWeighting):
    """The plain sum, computed from the Jacobian: must equal ordinary back-propagation."""

    def aggregate(self, jacobian):
        return jacobian.sum(dim=0), torch.ones(len(jacobian))


class FirstTaskOnly(GradientWeighting):
    def aggregate(self, jacobian):
        return jacobian[0], torch.tensor([1.0, 0.0])


def test_a_gradient_weighting_that_sums_equals_ordinary_backprop(data):
    torch.manual_seed(3)
    reference = HardSharingNet(data.input_shape, data.output_sizes(), (6, 4), shared_layers=1)
    model = HardSharingNet(data.input_shape, data.output_sizes(), (6, 4), shared_layers=1)
    model.load_state_dict(reference.state_dict())
    sum(losses_of(reference, data).values()).backward()
    Summing().backward(losses_of(model, data), model.shared_parameters())
    for a, b in zip(reference.parameters(), model.parameters(), strict=True):
        assert torch.allclose(a.grad, b.grad, atol=1e-7)


def test_a_gradient_weighting_decides_the_shared_update_and_leaves_the_heads_alone(data):
    torch.manual_seed(3)
    model = HardSharingNet(data.input_shape, data.output_sizes(), (6,), shared_layers=1)
    losses = losses_of(model, data)
    jacobian = task_jacobian(losses, model.shared_parameters(), retain_graph=True)
    FirstTaskOnly().backward(losses, model.shared_parameters())
    shared = torch.cat([p.grad.flatten() for p in model.shared_parameters()])
    assert torch.allclose(shared, jacobian[0], atol=1e-7)
    head = model.heads["task2"][0].weight.grad  # task 2's head still learns from task 2's loss
    assert head is not None and head.abs().sum() > 0


def test_fit_trains_with_any_weighting_through_the_same_loop(data):
    results = {}
    for name, weighting in (("sum", None), ("jacobian sum", Summing())):
        torch.manual_seed(5)
        model = HardSharingNet(data.input_shape, data.output_sizes(), (6,))
        fit(model, data, epochs=3, batch_size=16, weighting=weighting, progress=False, seed=5)
        results[name] = evaluate(model, data)
    assert results["sum"] == pytest.approx(results["jacobian sum"], rel=1e-4)
