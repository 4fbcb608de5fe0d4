"""The balancing methods: each one's invariants, and agreement with torchjd on the same Jacobians."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torchjd.aggregation import MGDA as TorchJDMGDA
from torchjd.aggregation import PCGrad as TorchJDPCGrad
from torchjd.aggregation import UPGrad
from torchjd.scalarization import DWA as TorchJDDWA
from torchjd.scalarization import UW, Sum

from mtl_lessons.data import related_tasks, scale_task
from mtl_lessons.torch import (
    DWA,
    MGDA,
    GradNorm,
    HardSharingNet,
    PCGrad,
    UncertaintyWeighting,
    fit,
    from_torchjd,
    task_jacobian,
)
from mtl_lessons.torch.weighting import (
    dwa_weights,
    exact_min_norm,
    frank_wolfe_min_norm,
    min_norm_weights,
    project_conflicts,
    two_task_min_norm,
)


def jacobians(tasks: int, conflict: bool, count: int = 6, seed: int = 0) -> list[torch.Tensor]:
    """Seeded random Jacobians (tasks x 9); without conflict every pair of rows has a positive dot."""
    generator = torch.Generator().manual_seed(seed)
    found = []
    while len(found) < count:
        jacobian = torch.randn(tasks, 9, generator=generator, dtype=torch.float64)
        if not conflict:
            jacobian = jacobian.abs() + 0.1
        gram = jacobian @ jacobian.T
        has_conflict = bool((gram < 0).any())
        if has_conflict == conflict:
            found.append(jacobian)
    return found


@pytest.fixture(scope="module")
def data():
    return related_tasks(n_train=48, p=0.5, dim=5, n_val=16, n_test=32, seed=0)


def train(data, weighting, epochs=6, hidden=(8, 8), schedule="joint"):
    torch.manual_seed(0)
    model = HardSharingNet(data.input_shape, data.output_sizes(), hidden)
    history = fit(model, data, epochs=epochs, batch_size=16, lr=1e-2, weighting=weighting, schedule=schedule,
                  progress=False, device="cpu")
    return model, history


# ---------------------------------------------------------------- MGDA


@pytest.mark.parametrize("tasks", [2, 3, 5])
@pytest.mark.parametrize("conflict", [True, False])
def test_mgda_agrees_with_torchjd(tasks, conflict):
    for jacobian in jacobians(tasks, conflict):
        gram = jacobian @ jacobian.T
        # the same Frank-Wolfe iteration with the same stopping rule: the same point
        ours = min_norm_weights(gram, "frank-wolfe", max_iters=300, tolerance=1e-5) @ jacobian
        theirs = TorchJDMGDA(epsilon=1e-5, max_iters=300)(jacobian)
        assert torch.allclose(ours, theirs, atol=1e-9), (ours, theirs)


def test_two_task_closed_form_is_the_minimum_over_the_segment():
    for jacobian in jacobians(2, True) + jacobians(2, False):
        weights = two_task_min_norm(jacobian @ jacobian.T)
        best = (weights @ jacobian).norm()
        grid = torch.linspace(0, 1, 2001, dtype=torch.float64)
        norms = [(g * jacobian[0] + (1 - g) * jacobian[1]).norm() for g in grid]
        assert best <= min(norms) + 1e-12


def test_two_equal_gradients_split_evenly():
    g = torch.tensor([[1.0, 2.0], [1.0, 2.0]], dtype=torch.float64)
    assert two_task_min_norm(g @ g.T).tolist() == [0.5, 0.5]


@settings(max_examples=20, deadline=None)
@given(tasks=st.integers(2, 6), seed=st.integers(0, 10_000))
def test_mgda_weights_lie_on_the_simplex_and_give_the_minimum_norm_point(tasks, seed):
    jacobian = torch.randn(tasks, 7, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    gram = jacobian @ jacobian.T
    weights = min_norm_weights(gram, "frank-wolfe", max_iters=2000, tolerance=1e-10)
    assert (weights >= -1e-12).all() and math.isclose(float(weights.sum()), 1.0, abs_tol=1e-9)
    u = weights @ jacobian
    # optimality over the convex hull: no gradient has a smaller projection on u than |u|^2
    assert float((jacobian @ u).min()) >= float(u @ u) - 1e-3 * float(gram.diagonal().max())


@st.composite
def many_task_jacobians(draw) -> torch.Tensor:
    """Jacobians of 3 to 8 tasks, some with fewer parameters than tasks, parallel rows, norms from 1e-2
    to 1e2, or no conflict."""
    tasks, parameters = draw(st.integers(3, 8)), draw(st.integers(1, 24))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    jacobian = rng.standard_normal((tasks, parameters))
    if draw(st.booleans()):
        jacobian *= 10 ** rng.uniform(-2, 2, (tasks, 1))
    if draw(st.booleans()):
        jacobian[1] = rng.uniform(0.1, 3) * jacobian[0]  # two parallel gradients: a singular Gramian
    if draw(st.booleans()):
        jacobian = np.abs(jacobian)
    return torch.tensor(jacobian)


def kkt_violation(gramian: torch.Tensor, weights: torch.Tensor) -> float:
    """How far weights on the simplex are from the optimality conditions of min w^T G w, in units of max G_tt.

    They are optimal exactly when ``(G w)_t >= w^T G w`` for every task, with equality where
    ``w_t > 0`` (checked where ``w_t > 1e-6``): computed here with NumPy, independently of the solver.
    """
    gram, w = gramian.double().numpy(), weights.double().numpy()
    products, value = gram @ w, w @ gram @ w
    below = max(0.0, float(value - products.min()))
    active = w > 1e-6
    off = float(np.abs(products[active] - value).max())
    return max(below, off) / float(gram.diagonal().max())


@settings(max_examples=100, deadline=None)
@given(jacobian=many_task_jacobians())
def test_exact_min_norm_meets_the_optimality_conditions(jacobian):
    for gramian, tolerance in ((jacobian @ jacobian.T, 1e-8), ((jacobian @ jacobian.T).float(), 1e-5)):
        weights = exact_min_norm(gramian)
        assert weights.dtype == gramian.dtype
        assert (weights >= 0).all() and math.isclose(float(weights.double().sum()), 1.0, abs_tol=1e-6)
        assert kkt_violation(gramian, weights) <= tolerance, (weights, kkt_violation(gramian, weights))
        assert torch.equal(min_norm_weights(gramian), weights)  # the default solver


@settings(max_examples=100, deadline=None)
@given(jacobian=many_task_jacobians())
def test_frank_wolfe_ends_within_its_stated_tolerance_of_the_exact_minimum(jacobian):
    gramian = jacobian @ jacobian.T
    shortest = exact_min_norm(gramian) @ jacobian
    approached = frank_wolfe_min_norm(gramian) @ jacobian  # the defaults: 250 iterations, tolerance 1e-6
    longest = float(jacobian.norm(dim=1).max())
    assert float(approached.norm() - shortest.norm()) <= 0.05 * longest  # the docstring's 5 %
    assert float((approached - shortest).norm()) <= 0.05 * longest
    assert float(shortest.norm()) <= float(approached.norm()) + 1e-6 * longest  # exact is never longer


def test_frank_wolfe_falls_short_where_the_exact_solver_does_not():
    # five tasks with conflicts: 250 Frank-Wolfe steps leave a weight off by more than 0.02
    jacobian = jacobians(5, True, count=1, seed=2)[0]
    gramian = jacobian @ jacobian.T
    exact, approached = exact_min_norm(gramian), frank_wolfe_min_norm(gramian)
    assert float((exact - approached).abs().max()) > 0.02
    assert kkt_violation(gramian, exact) < 1e-9 and kkt_violation(gramian, approached) > 0.01
    assert (approached @ jacobian).norm() > (exact @ jacobian).norm()


def test_exact_min_norm_agrees_with_the_two_task_closed_form_and_splits_ties_evenly():
    for jacobian in jacobians(2, True) + jacobians(2, False):
        gramian = jacobian @ jacobian.T
        assert torch.allclose(exact_min_norm(gramian), two_task_min_norm(gramian), atol=1e-7)
    g, h = [1.0, 2.0, 0.0], [0.5, 3.0, 1.0]
    twice = torch.tensor([g, g, h], dtype=torch.float64)  # g . h > |g|^2: the shortest vector is g itself
    weights = exact_min_norm(twice @ twice.T)  # any split of 1 between the two g's gives it; the ridge halves
    assert torch.allclose(weights, torch.tensor([0.5, 0.5, 0.0], dtype=torch.float64), atol=1e-6)
    assert exact_min_norm(torch.zeros(4, 4)).tolist() == [0.25] * 4  # no gradient: all weightings tie


def test_mgda_uses_the_exact_solver_unless_told_otherwise():
    jacobian = jacobians(4, True, count=1)[0]
    gramian = jacobian @ jacobian.T
    assert torch.equal(MGDA().aggregate(jacobian)[1], exact_min_norm(gramian))
    assert torch.equal(MGDA(solver="frank-wolfe").aggregate(jacobian)[1], frank_wolfe_min_norm(gramian))
    assert "solver='exact'" in repr(MGDA())
    with pytest.raises(ValueError, match="^solver must be one of 'exact', 'frank-wolfe'; got 'qp'"):
        MGDA(solver="qp")
    with pytest.raises(ValueError, match="^solver must be one of"):
        min_norm_weights(gramian, solver="Frank-Wolfe")
    with pytest.raises(ValueError, match="^gramian must be a square"):
        exact_min_norm(torch.ones(2, 3))


def test_min_norm_refuses_a_non_square_gramian():
    with pytest.raises(ValueError, match="square"):
        min_norm_weights(torch.ones(2, 3))


def test_mgda_names_the_jacobian():
    expected = r"^jacobian must be a \(tasks, parameters\) matrix; got shape \(3,\)$"
    with pytest.raises(ValueError, match=expected):
        MGDA().aggregate(torch.ones(3))


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_gradient_weightings_refuse_a_jacobian_that_is_not_finite(bad):
    jacobian = torch.ones(2, 3, dtype=torch.float64)
    jacobian[1, 2] = bad
    for method in (MGDA(), PCGrad(), from_torchjd(UPGrad())):
        with pytest.raises(ValueError, match="^jacobian holds NaN or infinite values; every entry must be"):
            method.aggregate(jacobian)
    with pytest.raises(ValueError, match="^jacobian holds NaN or infinite values"):
        project_conflicts(jacobian)
    gramian = torch.ones(2, 2, dtype=torch.float64)
    gramian[0, 1] = bad
    for function in (min_norm_weights, two_task_min_norm):
        with pytest.raises(ValueError, match="^gramian holds NaN or infinite values"):
            function(gramian)


def test_the_two_task_closed_form_refuses_other_shapes():
    three = r"^gramian must be the \(2, 2\) matrix of two tasks; got shape \(3, 3\)$"
    with pytest.raises(ValueError, match=three):
        two_task_min_norm(torch.eye(3))
    vector = r"^gramian must be a square \(tasks, tasks\) matrix; got shape \(2,\)$"
    with pytest.raises(ValueError, match=vector):
        two_task_min_norm(torch.ones(2))


def test_mgda_step_lowers_every_loss_to_first_order():
    for jacobian in jacobians(3, True):
        update = MGDA().aggregate(jacobian)[0]
        assert (jacobian @ update >= -1e-9).all()  # a step along -update raises no task's loss


# ---------------------------------------------------------------- PCGrad


@pytest.mark.parametrize("tasks", [2, 3])
@pytest.mark.parametrize("conflict", [True, False])
def test_pcgrad_agrees_with_torchjd(tasks, conflict):
    for k, jacobian in enumerate(jacobians(tasks, conflict)):
        torch.manual_seed(k)  # torchjd draws its random order from the global generator
        theirs = TorchJDPCGrad()(jacobian)
        ours = project_conflicts(jacobian, torch.Generator().manual_seed(k))[0].sum(dim=0)
        assert torch.allclose(ours, theirs, atol=1e-10), (ours, theirs)


def test_pcgrad_is_the_plain_sum_without_conflict():
    for jacobian in jacobians(3, False):
        update, weights = PCGrad().aggregate(jacobian)
        assert torch.allclose(update, jacobian.sum(dim=0)) and weights.tolist() == [1.0, 1.0, 1.0]


def test_pcgrad_removes_the_conflict_of_two_tasks():
    for jacobian in jacobians(2, True):
        projected, weights = project_conflicts(jacobian)
        assert projected[0] @ jacobian[1] > -1e-9 and projected[1] @ jacobian[0] > -1e-9
        assert torch.allclose(weights @ jacobian, projected.sum(dim=0))


def test_pcgrad_is_reproducible_from_its_seed(data):
    first = train(data, PCGrad(seed=3), epochs=3)[1].train_loss
    second = train(data, PCGrad(seed=3), epochs=3)[1].train_loss
    assert first == second


# ---------------------------------------------------------------- DWA


def test_dwa_weights_sum_to_the_number_of_tasks_and_favour_the_slow_task():
    weights = dwa_weights([0.9, 0.5, 0.2], [1.0, 1.0, 1.0])
    assert math.isclose(sum(weights), 3.0) and weights[0] > weights[1] > weights[2]


def test_dwa_agrees_with_torchjd_over_a_loss_history():
    history = np.random.default_rng(0).uniform(0.1, 2.0, size=(7, 3))
    ours, theirs = DWA(), TorchJDDWA(temperature=2.0)
    names = ("a", "b", "c")
    for epoch_losses in history:
        values = torch.tensor(epoch_losses, dtype=torch.float64, requires_grad=True)
        _, weights = ours.combine(dict(zip(names, values, strict=True)))
        (reference,) = torch.autograd.grad(theirs(values), values)
        assert torch.allclose(weights.double(), reference), (weights, reference)
        ours.end_epoch(dict(zip(names, epoch_losses.tolist(), strict=True)))
        theirs.step()


def test_dwa_starts_with_equal_weights_and_refuses_bad_input(data):
    _, history = train(data, DWA(), epochs=4)
    assert [history.weights[t][:2] for t in data.tasks] == [[1.0, 1.0], [1.0, 1.0]]
    assert all(math.isclose(sum(history.weights[t][e] for t in data.tasks), 2.0, rel_tol=1e-6)
               for e in range(4))
    with pytest.raises(ValueError, match="positive"):
        dwa_weights([1.0], [0.0])
    with pytest.raises(ValueError, match="temperature"):
        DWA(temperature=0)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_dwa_weights_refuse_losses_that_are_not_finite(bad):
    with pytest.raises(ValueError, match="^previous holds NaN or infinite values"):
        dwa_weights([bad, 1.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="^before holds NaN or infinite values"):
        dwa_weights([1.0, 1.0], [1.0, bad])


# ---------------------------------------------------------------- GradNorm


def test_gradnorm_weights_stay_positive_and_sum_to_the_number_of_tasks(data):
    weighting = GradNorm(data.tasks)
    _, history = train(data, weighting, epochs=5)
    for epoch in range(5):
        weights = [history.weights[t][epoch] for t in data.tasks]
        assert all(w > 0 for w in weights) and math.isclose(sum(weights), 2.0, rel_tol=1e-5)
    now = weighting.weights_now()
    assert all(w > 0 for w in now.values()) and math.isclose(sum(now.values()), 2.0, rel_tol=1e-6)


def test_gradnorm_lowers_the_weight_of_a_loud_task():
    scaled = scale_task(related_tasks(n_train=64, p=0.9, dim=5, seed=1), "task2", 30.0)
    weighting = GradNorm(scaled.tasks)
    train(scaled, weighting, epochs=30)
    assert weighting.weights_now()["task2"] < weighting.weights_now()["task1"]


def test_gradnorm_refuses_alternating_training_and_models_without_sharing(data):
    with pytest.raises(ValueError, match="joint"):
        train(data, GradNorm(data.tasks), epochs=1, schedule="alternating")
    torch.manual_seed(0)
    separate = HardSharingNet(data.input_shape, data.output_sizes(), (4,), shared_layers=0)
    with pytest.raises(ValueError, match="shares"):
        fit(separate, data, epochs=1, weighting=GradNorm(data.tasks), progress=False, device="cpu")
    with pytest.raises(ValueError, match="tasks"):
        GradNorm("task1")


# ---------------------------------------------------------------- uncertainty weighting


def test_uncertainty_gradient_in_s_vanishes_at_its_optimum():
    weighting = UncertaintyWeighting({"r": "regression", "c": "classification"})
    losses = {"r": torch.tensor(0.3), "c": torch.tensor(1.7)}
    with torch.no_grad():
        weighting.log_vars["r"].fill_(math.log(0.3))  # s = log L for regression (c = 1/2)
        weighting.log_vars["c"].fill_(math.log(2 * 1.7))  # s = log 2L for classification (c = 1)
    total, _ = weighting.combine(losses)
    grads = torch.autograd.grad(total, list(weighting.log_vars.values()))
    assert all(abs(float(g)) < 1e-6 for g in grads)


def test_uncertainty_weighting_equals_torchjd_uw_for_regression():
    ours = UncertaintyWeighting({"a": "regression", "b": "regression"})
    theirs = UW(2)
    with torch.no_grad():
        for k, s in enumerate((0.4, -1.2)):
            ours.log_vars["ab"[k]].fill_(s)
        next(theirs.parameters()).copy_(torch.tensor([0.4, -1.2]))
    losses = torch.tensor([0.7, 2.5])
    total = ours.combine(dict(zip("ab", losses, strict=True)))[0]
    assert math.isclose(float(total.detach()), float(theirs(losses).detach()), rel_tol=1e-6)


# ---------------------------------------------------------------- MGDA-UB and torchjd in fit


def test_mgda_on_features_trains_and_leaves_the_heads_their_own_gradients(data):
    model, history = train(data, MGDA(on="features"), epochs=3)
    weights = [history.weights[t][-1] for t in data.tasks]
    assert all(0 <= w <= 1 for w in weights) and math.isclose(sum(weights), 1.0, rel_tol=1e-5)
    torch.manual_seed(0)
    model = HardSharingNet(data.input_shape, data.output_sizes(), (6,))
    x = torch.as_tensor(data.train.x)
    features = model.trunk(x)
    outputs = {t: model.heads[t](features).squeeze(-1) for t in data.tasks}
    losses = {t: ((outputs[t] - torch.as_tensor(data.train.y[t])) ** 2).mean() for t in data.tasks}
    heads, trunk = list(model.heads.parameters()), list(model.trunk.parameters())
    plain = torch.autograd.grad(sum(losses.values()), heads, retain_graph=True)
    weights = MGDA().aggregate(task_jacobian(losses, [features], retain_graph=True))[1]
    weighted = sum(w * loss for w, loss in zip(weights, losses.values(), strict=True))
    expected = torch.autograd.grad(weighted, trunk, retain_graph=True)
    applied = MGDA(on="features").backward(losses, model.shared_parameters(), features=features)
    assert torch.allclose(applied, weights)
    assert all(torch.allclose(p.grad, g) for p, g in zip(heads, plain, strict=True))
    assert all(torch.allclose(p.grad, g, atol=1e-6) for p, g in zip(trunk, expected, strict=True))


def test_mgda_on_features_needs_a_shared_representation(data):
    torch.manual_seed(0)
    separate = HardSharingNet(data.input_shape, data.output_sizes(), (4,), shared_layers=0)
    with pytest.raises(ValueError, match="shared representation"):
        fit(separate, data, epochs=1, weighting=MGDA(on="features"), progress=False, device="cpu")
    with pytest.raises(ValueError, match="'parameters'"):
        MGDA(on="trunk")


def test_torchjd_methods_train_through_fit(data):
    _, history = train(data, from_torchjd(UPGrad()), epochs=3)
    assert all(np.isfinite(history.train_loss[t]).all() for t in data.tasks)
    _, history = train(data, from_torchjd(Sum()), epochs=2)
    assert all(history.weights[t] == [1.0, 1.0] for t in data.tasks)
    _, history = train(data, from_torchjd(TorchJDDWA()), epochs=4)
    assert history.weights["task1"][:2] == [1.0, 1.0] and history.weights["task1"][3] != 1.0
    with pytest.raises(TypeError, match="aggregator"):
        from_torchjd("UPGrad")
