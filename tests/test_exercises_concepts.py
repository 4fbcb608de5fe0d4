"""The checkers of the chapter on core concepts: right, wrong and unfinished answers."""

from __future__ import annotations

import pytest
import torch

from mtl_lessons.exercises.concepts import (
    check_negative_transfer_reading,
    check_parameter_counts,
    check_soft_penalty,
    count_mlp_parameters,
)
from mtl_lessons.torch.models import HardSharingNet, count_parameters

# ---------------------------------------------------------------- exercise 1: parameter counts


@pytest.mark.parametrize("shared", [0, 1, 2])
def test_count_mlp_parameters_matches_the_model(shared):
    model = HardSharingNet(10, {"a": 1, "b": 1}, hidden=(32, 32), shared_layers=shared)
    assert count_mlp_parameters(10, (32, 32), 2, shared) == count_parameters(model)


def test_count_mlp_parameters_checks_arguments():
    with pytest.raises(ValueError, match="shared_layers"):
        count_mlp_parameters(10, (32, 32), 2, 3)
    with pytest.raises(TypeError, match="in_features"):
        count_mlp_parameters(10.0, (32,), 2, 0)


def test_parameter_counts_right():
    feedback = check_parameter_counts(1474, 2882)
    assert feedback.ok
    assert "1408" in feedback.message  # the saving


def test_parameter_counts_unfinished():
    feedback = check_parameter_counts(..., ...)
    assert not feedback.ok and "No answer yet" in feedback.message
    assert not check_parameter_counts(1474, None).ok


@pytest.mark.parametrize(
    ("hard", "independent", "hint"),
    [
        (1408, 2882, "weights only"),        # hard sharing without biases
        (1474, 2752, "weights only"),        # independent without biases
        (1441, 2882, "single task"),         # one head only
        (1474, 1441, "single task"),         # one network only
        (2882, 2882, "exist once"),          # hard counted like independent
        (1500, 2882, "too many"),
        (1474, 2000, "too few"),
        (1474.0, 2882, "whole number"),
        ("1474", 2882, "whole number"),
        (True, 2882, "whole number"),
    ],
)
def test_parameter_counts_wrong_answers_get_specific_feedback(hard, independent, hint):
    feedback = check_parameter_counts(hard, independent)
    assert not feedback.ok
    assert hint in feedback.message


def test_parameter_counts_other_sizes():
    assert check_parameter_counts(
        count_mlp_parameters(5, (8,), 3, 1), count_mlp_parameters(5, (8,), 3, 0),
        in_features=5, hidden=(8,), n_tasks=3,
    ).ok


# ------------------------------------------------------------------ exercise 2: soft penalty


def good_penalty(params, lam):
    total = torch.zeros(())
    for i in range(len(params)):
        for j in range(i + 1, len(params)):
            for a, b in zip(params[i], params[j], strict=True):
                total = total + ((a - b) ** 2).sum()
    return lam * total


def test_soft_penalty_right():
    feedback = check_soft_penalty(good_penalty)
    assert feedback.ok, feedback


def test_soft_penalty_right_with_another_style():
    def vectorised(params, lam):
        flat = torch.stack([torch.cat([p.reshape(-1) for p in task]) for task in params])
        differences = flat[:, None, :] - flat[None, :, :]
        return lam * (differences**2).sum() / 2

    assert check_soft_penalty(vectorised).ok


def test_soft_penalty_unfinished_stub():
    def stub(params, lam):
        raise NotImplementedError

    feedback = check_soft_penalty(stub)
    assert not feedback.ok and "No answer yet" in feedback.message


@pytest.mark.parametrize(
    ("function", "hint"),
    [
        (lambda params, lam: 2 * good_penalty(params, lam), "twice"),
        (lambda params, lam: good_penalty(params, 1.0), "lam"),
        (lambda params, lam: good_penalty(params, lam).item(), "torch tensor"),
        (lambda params, lam: good_penalty(params, lam).detach(), "no gradient"),
        (lambda params, lam: good_penalty(params, lam).reshape(1, 1).repeat(2, 1), "single number"),
        (lambda params, lam: None, "returned None"),
        (lambda params, lam: good_penalty(params[:2], lam), "first two tasks"),
        (lambda params, lam: lam * sum(torch.linalg.vector_norm(a - b)
                                       for i in range(len(params)) for j in range(i + 1, len(params))
                                       for a, b in zip(params[i], params[j], strict=True)),
         "squared norm"),
        (lambda params, lam: lam * sum((a**2).sum() for task in params for a in task), "pair"),
        (lambda params, lam: good_penalty(params, lam) + (len(params) == 2), "Identical"),
    ],
)
def test_soft_penalty_wrong_answers_get_specific_feedback(function, hint):
    feedback = check_soft_penalty(function)
    assert not feedback.ok
    assert hint in feedback.message, feedback.message


def test_soft_penalty_student_error_is_reported_not_raised():
    def broken(params, lam):
        return params[5]

    feedback = check_soft_penalty(broken)
    assert not feedback.ok and "IndexError" in feedback.message


# ------------------------------------------------------------- exercise 3: interpretation


def test_reading_right():
    assert check_negative_transfer_reading("b").ok
    assert check_negative_transfer_reading(" B ").ok


@pytest.mark.parametrize("answer", ["a", "c", "d"])
def test_reading_wrong_answers_say_why(answer):
    feedback = check_negative_transfer_reading(answer)
    assert not feedback.ok
    assert feedback.message.startswith("No:")


@pytest.mark.parametrize("answer", ["e", 2, "ab"])
def test_reading_invalid_answers(answer):
    feedback = check_negative_transfer_reading(answer)
    assert not feedback.ok and "one letter" in feedback.message


def test_reading_unfinished():
    feedback = check_negative_transfer_reading(...)
    assert not feedback.ok and "No answer yet" in feedback.message
