"""The checkers of the chapter on task relatedness: right, wrong and unfinished answers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr

from mtl_lessons.exercises.relatedness import (
    check_gradient_cosine,
    check_sharing_prediction,
    check_spearman,
    check_support_scores,
    cosine_case,
    verdict,
)

# ---------------------------------------------------------------- exercise 1: a prediction


def test_verdict():
    assert verdict(0.05, 0.01) == "helps"
    assert verdict(-0.05, 0.01) == "hurts"
    assert verdict(0.01, 0.01) == "no clear difference"
    with pytest.raises(ValueError, match="gain_sem"):
        verdict(0.1, -1.0)


@pytest.mark.parametrize(("prediction", "mean", "sem", "ok"), [
    ("helps", 0.05, 0.01, True), (" Hurts ", -0.05, 0.01, True), ("no clear difference", 0.0, 0.01, True),
    ("helps", -0.05, 0.01, False), ("hurts", 0.001, 0.01, False),
])
def test_sharing_prediction(prediction, mean, sem, ok):
    feedback = check_sharing_prediction(prediction, mean, sem)
    assert feedback.ok is ok
    assert f"{mean:+.3f}" in feedback.message


def test_sharing_prediction_unfinished_and_malformed():
    assert "Not attempted yet" in check_sharing_prediction(..., 0.1, 0.01).message
    assert "one of" in check_sharing_prediction("maybe", 0.1, 0.01).message
    assert "one of" in check_sharing_prediction(1, 0.1, 0.01).message


# ---------------------------------------------------------------- exercise 2: Spearman


def _spearman(a, b):
    ranks = [np.argsort(np.argsort(v)) for v in (a, b)]
    return float(np.corrcoef(*ranks)[0, 1])


def test_spearman_right():
    assert check_spearman(_spearman).ok
    assert check_spearman(lambda a, b: spearmanr(a, b)[0]).ok


def test_spearman_unfinished():
    def stub(a, b):
        raise NotImplementedError

    assert "Not attempted yet" in check_spearman(stub).message


@pytest.mark.parametrize(("function", "hint"), [
    (lambda a, b: np.corrcoef(a, b)[0, 1], "Pearson"),
    (lambda a, b: np.corrcoef(np.argsort(a), np.argsort(b))[0, 1], "argsort of argsort"),
    (lambda a, b: None, "None"),
    (lambda a, b: "x", "one number"),
    (lambda a, b: 0.5, "rank correlation is"),
    (lambda a, b: a[5], "rank correlation is"),
])
def test_spearman_wrong(function, hint):
    feedback = check_spearman(function)
    assert not feedback.ok and hint in feedback.message, feedback.message


# ---------------------------------------------------------------- exercise 3: support recovery


def _support(coef, n_relevant):
    selected = np.abs(np.asarray(coef)) > 1e-8
    chosen = selected.sum(axis=0)
    precision = np.where(chosen > 0, selected[:n_relevant].sum(axis=0) / np.maximum(chosen, 1), 0.0).mean()
    return precision, selected[:n_relevant].mean()


def test_support_scores_right():
    assert check_support_scores(_support).ok


def test_support_scores_unfinished():
    def stub(coef, n_relevant):
        raise NotImplementedError

    assert "Not attempted yet" in check_support_scores(stub).message


def _no_tolerance(coef, n_relevant):
    selected = np.asarray(coef) != 0
    chosen = selected.sum(axis=0)
    precision = np.where(chosen > 0, selected[:n_relevant].sum(axis=0) / np.maximum(chosen, 1), 0.0).mean()
    return precision, selected[:n_relevant].mean()


@pytest.mark.parametrize(("function", "hint"), [
    (lambda c, n: _support(c, n)[::-1], "swapped"),
    (_no_tolerance, "numerically zero"),
    (lambda c, n: (_support(c, n)[0], 1.0), "Recall"),
    (lambda c, n: (0.5, _support(c, n)[1]), "Precision"),
    (lambda c, n: None, "None"),
    (lambda c, n: 3, "pair"),
])
def test_support_scores_wrong(function, hint):
    feedback = check_support_scores(function)
    assert not feedback.ok and hint in feedback.message, feedback.message


# ---------------------------------------------------------------- exercise 4: the gradient cosine


def _cosine_by_hand(model, data):
    import torch

    x = torch.as_tensor(data.train.x)
    outputs = model(x)
    shared = model.shared_parameters()
    grads = []
    for task in data.tasks:
        loss = ((outputs[task] - torch.as_tensor(data.train.y[task])) ** 2).mean()
        grads.append(torch.cat([g.flatten() for g in torch.autograd.grad(loss, shared, retain_graph=True)]))
    a, b = (g.double().numpy() for g in grads)
    return float(a @ b / np.sqrt((a @ a) * (b @ b)))


def test_gradient_cosine_right_and_rng_untouched():
    import torch

    state = torch.random.get_rng_state()
    assert check_gradient_cosine(_cosine_by_hand)
    assert torch.equal(state, torch.random.get_rng_state())


def test_cosine_case_builds_the_stated_network():
    model, data = cosine_case(0.5, 2, (8, 4), seed=1)
    assert data.tasks == ("task1", "task2") and len(data.train) == 40
    assert len(model.shared_parameters()) == 4  # two shared layers: weights and biases


def test_gradient_cosine_unfinished():
    def stub(model, data):
        raise NotImplementedError

    assert "Not attempted yet" in str(check_gradient_cosine(stub))


def _all_parameters(model, data):
    import torch

    x = torch.as_tensor(data.train.x)
    outputs = model(x)
    params = list(model.parameters())
    grads = []
    for task in data.tasks:
        loss = ((outputs[task] - torch.as_tensor(data.train.y[task])) ** 2).mean()
        parts = torch.autograd.grad(loss, params, retain_graph=True, allow_unused=True)
        pairs = zip(params, parts, strict=True)
        grads.append(torch.cat([(torch.zeros_like(q) if g is None else g).flatten() for q, g in pairs]))
    return float(grads[0] @ grads[1] / (grads[0].norm() * grads[1].norm()))


def _dot(model, data):
    import torch

    cosine = _cosine_by_hand(model, data)
    x = torch.as_tensor(data.train.x)
    outputs = model(x)
    norms = []
    for task in data.tasks:
        loss = ((outputs[task] - torch.as_tensor(data.train.y[task])) ** 2).mean()
        norms.append(torch.cat([g.flatten() for g in torch.autograd.grad(loss, model.shared_parameters(),
                                                                       retain_graph=True)]).norm().item())
    return cosine * norms[0] * norms[1]


@pytest.mark.parametrize(("function", "hint"), [
    (_all_parameters, "all* parameters"),
    (_dot, "dot product"),
    (lambda model, data: None, "returned None"),
    (lambda model, data: "0.5", "the cosine is"),
    (lambda model, data: [0.1, 0.2], "should be a number; got [0.1, 0.2]"),
    (lambda model, data: -_cosine_by_hand(model, data), "the cosine is"),
])
def test_gradient_cosine_wrong(function, hint):
    feedback = check_gradient_cosine(function)
    assert not feedback and hint in str(feedback)
