"""Checkers of the chapter "The algorithm step by step": right, wrong and unfinished answers."""

import numpy as np
import pytest

from mtl_lessons.exercises.algorithm import (
    EXERCISE_HEADS,
    EXERCISE_HIDDEN,
    EXERCISE_SHARED,
    SUM_PATH,
    WHY_SUM_GAINS,
    check_delta_mtl,
    check_parameter_count,
    check_why_sum_gains,
    delta_mtl,
    hard_sharing_parameters,
    task_path_parameters,
)
from mtl_lessons.torch import HardSharingNet, count_parameters


def stub(*args):
    raise NotImplementedError


@pytest.mark.parametrize("shared", [0, 1, 2])
@pytest.mark.parametrize("hidden", [(32, 16), (64, 64)])
def test_hand_count_matches_the_real_model(shared, hidden):
    heads = {"left": 10, "right": 10, "sum": 19}
    model = HardSharingNet((8, 16), heads, hidden=hidden, shared_layers=shared)
    assert hard_sharing_parameters(128, hidden, heads, shared) == count_parameters(model)


def test_hand_count_rejects_bad_arguments():
    with pytest.raises(ValueError, match="shared_layers"):
        hard_sharing_parameters(128, (32,), {"a": 2}, 2)
    with pytest.raises(ValueError, match="heads"):
        hard_sharing_parameters(128, (32,), {}, 0)
    with pytest.raises(TypeError, match="input_size"):
        hard_sharing_parameters(12.5, (32,), {"a": 2}, 0)


def test_parameter_count_checker():
    model = HardSharingNet((8, 16), EXERCISE_HEADS, EXERCISE_HIDDEN, EXERCISE_SHARED)
    right = count_parameters(model)
    assert check_parameter_count(right) and check_parameter_count(np.int64(right))
    assert check_parameter_count(float(right))
    assert not check_parameter_count(...) and "Not attempted yet" in str(check_parameter_count(None))
    no_bias = hard_sharing_parameters(128, EXERCISE_HIDDEN, EXERCISE_HEADS, EXERCISE_SHARED, biases=False)
    assert "biases" in str(check_parameter_count(no_bias))
    nothing_shared = count_parameters(HardSharingNet((8, 16), EXERCISE_HEADS, EXERCISE_HIDDEN, 0))
    assert "nothing shared" in str(check_parameter_count(nothing_shared))
    ten = hard_sharing_parameters(128, EXERCISE_HIDDEN, {t: 10 for t in EXERCISE_HEADS}, EXERCISE_SHARED)
    assert "19 classes" in str(check_parameter_count(ten))
    assert "too few" in str(check_parameter_count(10))
    assert "whole number" in str(check_parameter_count("6375"))
    assert "whole number" in str(check_parameter_count(right + 0.5))
    assert not check_parameter_count(True)


def test_delta_mtl_reference():
    assert delta_mtl({"a": 0.9, "b": 0.5}, {"a": 0.8, "b": 0.5}) == pytest.approx(6.25)
    # an error that falls is a gain
    assert delta_mtl({"mse": 0.3}, {"mse": 0.4}, ("mse",)) == pytest.approx(25.0)
    with pytest.raises(ValueError, match="same measures"):
        delta_mtl({"a": 1.0}, {"b": 1.0})
    with pytest.raises(ValueError, match="unknown tasks"):
        delta_mtl({"a": 1.0}, {"a": 1.0}, ("b",))
    with pytest.raises(ValueError, match=r"baselines\['a'\] must be > 0"):
        delta_mtl({"a": 1.0}, {"a": 0.0})
    with pytest.raises(TypeError, match="must be a dict"):
        delta_mtl([1.0], [1.0])


def test_delta_mtl_checker():
    assert check_delta_mtl(delta_mtl)
    assert "Not attempted yet" in str(check_delta_mtl(stub))
    assert not check_delta_mtl(...)
    fraction = lambda m, s, low=(): delta_mtl(m, s, low) / 100  # noqa: E731
    assert "fraction" in str(check_delta_mtl(fraction))
    no_sign = lambda m, s, low=(): delta_mtl(m, s, ())  # noqa: E731
    assert "flip the sign" in str(check_delta_mtl(no_sign))
    summed = lambda m, s, low=(): delta_mtl(m, s, low) * len(m)  # noqa: E731
    assert "average over the tasks" in str(check_delta_mtl(summed))
    absolute = lambda m, s, low=(): 100 * sum(m[t] - s[t] for t in m) / len(m)  # noqa: E731
    assert "Divide" in str(check_delta_mtl(absolute))
    assert "forget `return`" in str(check_delta_mtl(lambda m, s, low=(): None))
    assert "return a number" in str(check_delta_mtl(lambda m, s, low=(): "big"))
    assert "ZeroDivisionError" in str(check_delta_mtl(lambda m, s, low=(): 1 / 0))
    assert "Pass your function" in str(check_delta_mtl(3.0))


def test_why_sum_gains_checker():
    assert check_why_sum_gains("B") and check_why_sum_gains(" b ")
    for letter in set(WHY_SUM_GAINS) - {"B"}:
        feedback = check_why_sum_gains(letter)
        assert not feedback and "does not fit" in str(feedback)
    assert "one letter" in str(check_why_sum_gains("E"))
    assert "one letter" in str(check_why_sum_gains(2))
    assert "Not attempted yet" in str(check_why_sum_gains(...))
    assert f"{SUM_PATH:,}" in str(check_why_sum_gains("A"))


def test_the_sum_path_has_the_same_parameters_in_every_model_of_step_5():
    heads = {"left": 10, "right": 10, "sum": 19}
    hard = HardSharingNet((8, 16), heads, (64, 64))
    separate = HardSharingNet((8, 16), heads, (64, 64), shared_layers=0)
    one_task = HardSharingNet((8, 16), {"sum": 19}, (64, 64))
    by_hand = (128 + 1) * 64 + (64 + 1) * 64 + (64 + 1) * 19
    assert SUM_PATH == by_hand == 13_651
    assert count_parameters(hard.trunk) + count_parameters(hard.heads["sum"]) == SUM_PATH
    assert count_parameters(separate.trunk) + count_parameters(separate.heads["sum"]) == SUM_PATH
    assert count_parameters(one_task) == SUM_PATH
    assert task_path_parameters(10, (32,), 1) == (10 + 1) * 32 + 33
