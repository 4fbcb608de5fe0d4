"""The checkers of the chapter on task relatedness: right, wrong and unfinished answers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr

from mtl_lessons.exercises.relatedness import (
    check_sharing_prediction,
    check_spearman,
    check_support_scores,
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
