"""The checkers of the chapter on how much to share: right, wrong and unfinished answers."""

from __future__ import annotations

import numpy as np
import pytest

from mtl_lessons.exercises.sharing import (
    check_choose_depth,
    check_cross_stitch_count,
    check_cross_stitch_mix,
    check_off_diagonal_share,
    cross_stitch_parameters,
    stitch_case,
)
from mtl_lessons.torch.models import CrossStitchNet, count_parameters

# ---------------------------------------------------------------- exercise 1: cross-stitch count


@pytest.mark.parametrize(("hidden", "tasks"), [((32, 32, 32), 3), ((8,), 2), ((16, 4), 4)])
def test_cross_stitch_parameters_matches_the_model(hidden, tasks):
    heads = {f"t{k}": 1 for k in range(tasks)}
    assert cross_stitch_parameters(10, hidden, tasks) == count_parameters(CrossStitchNet(10, heads, hidden))


def test_cross_stitch_parameters_checks_arguments():
    with pytest.raises(TypeError, match="in_features"):
        cross_stitch_parameters(10.0, (4,), 2)
    with pytest.raises(ValueError, match="n_tasks"):
        cross_stitch_parameters(10, (4,), 0)


def test_cross_stitch_count_right():
    assert check_cross_stitch_count(7518).ok


def test_cross_stitch_count_unfinished():
    feedback = check_cross_stitch_count(...)
    assert not feedback.ok and "Not attempted yet" in feedback.message


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (7491, "separate networks"),     # no stitches
        (7500, "full"),                  # one number per task per layer
        (7509, "every"),                 # stitches after two layers only
        (9000, "too many"),
        (100, "too few"),
        (7518.0, "whole number"),
        ("7518", "whole number"),
    ],
)
def test_cross_stitch_count_wrong_answers(answer, hint):
    feedback = check_cross_stitch_count(answer)
    assert not feedback.ok and hint in feedback.message


# ---------------------------------------------------------------- exercise 2: off-diagonal share


def _right(stitch):
    a = np.abs(np.asarray(stitch, dtype=float))
    return float((a.sum() - np.trace(a)) / a.sum())


def test_off_diagonal_share_right():
    assert check_off_diagonal_share(_right).ok


def test_off_diagonal_share_unfinished():
    def stub(stitch):
        raise NotImplementedError

    assert "Not attempted yet" in check_off_diagonal_share(stub).message


@pytest.mark.parametrize(
    ("function", "hint"),
    [
        (lambda a: float((a.sum() - np.trace(a)) / a.sum()), "absolute"),
        (lambda a: float(np.abs(a).sum() - np.trace(np.abs(a))), "Divide"),
        (lambda a: None, "None"),
        (lambda a: "x", "one number"),
        (lambda a: 1 / 0, "ZeroDivisionError"),
        (lambda a: 0.3, "identity"),
        (lambda a: float(np.abs(a).min() / np.abs(a).sum()), "share is"),
    ],
)
def test_off_diagonal_share_wrong(function, hint):
    feedback = check_off_diagonal_share(function)
    assert not feedback.ok and hint in feedback.message, feedback.message


# ---------------------------------------------------------------- exercise 3: choosing the depth


def test_choose_depth_right():
    assert check_choose_depth(lambda v: int(np.argmin(np.asarray(v).mean(axis=(1, 2))))).ok


def test_choose_depth_unfinished():
    def stub(val_mse):
        raise NotImplementedError

    assert "Not attempted yet" in check_choose_depth(stub).message


@pytest.mark.parametrize(
    ("function", "hint"),
    [
        (lambda v: int(np.argmax(v.mean(axis=(1, 2)))), "largest"),
        (lambda v: int(np.unravel_index(np.argmin(v), v.shape)[0]), "single best run"),
        (lambda v: 0, "right depth"),
        (lambda v: None, "None"),
        (lambda v: 1.0, "int"),
    ],
)
def test_choose_depth_wrong(function, hint):
    feedback = check_choose_depth(function)
    assert not feedback.ok and hint in feedback.message, feedback.message


# ---------------------------------------------------------------- exercise 4: the cross-stitch unit


def _mix(activations, stitch):
    return np.einsum("ij,jnd->ind", stitch, activations)


def test_cross_stitch_mix_right_and_rng_untouched():
    import torch

    state = torch.random.get_rng_state()
    assert check_cross_stitch_mix(_mix)
    loops = lambda a, s: np.array([sum(s[i, j] * a[j] for j in range(len(a))) for i in range(len(a))])  # noqa: E731
    assert check_cross_stitch_mix(loops)
    assert torch.equal(state, torch.random.get_rng_state())


def test_stitch_case_mixes_like_the_network():
    import torch

    net, x, activations, stitch = stitch_case(3, 4, 5, seed=7)
    assert activations.shape == (3, 4, 5) and stitch.shape == (3, 3) and not np.allclose(stitch, stitch.T)
    with torch.no_grad():
        by_hand = {t: net.outputs[t](torch.as_tensor(_mix(activations, stitch)[i])).squeeze(-1)
                   for i, t in enumerate(net.tasks)}
        assert all(torch.allclose(by_hand[t], net(x)[t]) for t in net.tasks)
    with pytest.raises(ValueError, match="n_tasks"):
        stitch_case(1, 4, 5, seed=0)


def test_cross_stitch_mix_unfinished():
    def stub(activations, stitch):
        raise NotImplementedError

    assert "Not attempted yet" in str(check_cross_stitch_mix(stub))
    assert "Not attempted yet" in str(check_cross_stitch_mix(...))


@pytest.mark.parametrize(("function", "hint"), [
    (lambda a, s: np.einsum("ji,jnd->ind", s, a), "transposed"),
    (lambda a, s: a, "unchanged"),
    (lambda a, s: s.sum(axis=1)[:, None, None] * a, "not rescale its own"),
    (lambda a, s: _mix(a, s)[:, :, :1], "shape"),
    (lambda a, s: None, "returned None"),
    (lambda a, s: "mixed", "Return an array"),
    (lambda a, s: 2 * _mix(a, s), "new column i = sum over j"),
])
def test_cross_stitch_mix_wrong(function, hint):
    feedback = check_cross_stitch_mix(function)
    assert not feedback and hint in str(feedback)
