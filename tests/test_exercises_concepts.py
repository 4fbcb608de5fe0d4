"""The checkers of the chapter on core concepts: right, wrong and unfinished answers."""

from __future__ import annotations

import pytest
import torch

from mtl_lessons.exercises.concepts import (
    check_negative_transfer_reading,
    check_parameter_counts,
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
    assert not feedback.ok and "Not attempted yet" in feedback.message
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
    assert not feedback.ok and "Not attempted yet" in feedback.message


def test_masked_mse_checker_accepts_the_right_loss_and_explains_wrong_ones():

    from mtl_lessons.exercises.concepts import check_masked_mse

    def right(prediction, target, mask):
        mask = mask.float()
        return ((prediction - target) ** 2 * mask).sum() / mask.sum().clamp_min(1.0)

    def everyone(prediction, target, mask):
        return ((prediction - target) ** 2).mean()

    def over_n(prediction, target, mask):
        return ((prediction - target) ** 2 * mask.float()).sum() / len(mask)

    def nan_when_empty(prediction, target, mask):
        mask = mask.float()
        return ((prediction - target) ** 2 * mask).sum() / mask.sum()

    def stub(prediction, target, mask):
        raise NotImplementedError

    assert check_masked_mse(right).ok
    assert "every example" in check_masked_mse(everyone).message
    assert "divide by the number of labelled" in check_masked_mse(over_n).message
    assert "not NaN" in check_masked_mse(nan_when_empty).message
    assert "Not attempted yet" in check_masked_mse(stub).message
    assert "scalar tensor" in check_masked_mse(lambda p, t, m: 0.5).message
    assert "no gradient" in check_masked_mse(lambda p, t, m: right(p.detach(), t, m)).message
    assert not check_masked_mse(lambda p, t, m: torch.tensor(3.0)).ok
