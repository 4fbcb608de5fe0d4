"""The checkers of the recommendation chapter: right, wrong and unfinished answers each get their feedback."""

from mtl_lessons.exercises import NOT_ANSWERED
from mtl_lessons.exercises.recommendation import (
    AUC_LABELS,
    AUC_SCORES,
    check_auc_by_hand,
    check_rates_from_counts,
    check_selection_bias,
    check_third_task,
)
from mtl_lessons.metrics import auc


def test_rates_from_counts_right_and_typical_mistakes():
    assert check_rates_from_counts(0.04, 0.03, 0.0012).ok
    assert check_rates_from_counts(2000 / 50000, 60 / 2000, 60 / 50000).ok
    assert NOT_ANSWERED.message == check_rates_from_counts(..., ..., ...).message
    assert NOT_ANSWERED.message == check_rates_from_counts(0.04, None, 0.0012).message
    assert "post-click" in check_rates_from_counts(0.04, 0.0012, 0.0012).message
    assert "clicked *and* converts" in check_rates_from_counts(0.04, 0.03, 0.03).message
    assert "percentage" in check_rates_from_counts(4.0, 3.0, 0.12).message
    assert "clicks per exposure" in check_rates_from_counts(0.4, 0.03, 0.0012).message
    assert "should be a number" in check_rates_from_counts(0.04, [1, 2], 0.0012).message


def test_auc_by_hand_right_and_typical_mistakes():
    assert check_auc_by_hand(7.5 / 9).ok and check_auc_by_hand(auc(AUC_LABELS, AUC_SCORES)).ok
    assert check_auc_by_hand(0.8333).ok
    assert NOT_ANSWERED.message == check_auc_by_hand(...).message
    assert "as a loss" in check_auc_by_hand(7 / 9).message
    assert "as a win" in check_auc_by_hand(8 / 9).message
    assert "accuracy" in check_auc_by_hand(4 / 6).message
    assert "Count the pairs" in check_auc_by_hand(0.5).message
    assert "should be a number" in check_auc_by_hand("high").message


def test_selection_bias_accepts_sets_and_strings():
    for right in ({"b", "c"}, "bc", "c, b", ["B", "c"], ("c", "b")):
        assert check_selection_bias(right).ok, right
    assert NOT_ANSWERED.message == check_selection_bias(...).message
    only_b = check_selection_bias({"b"})
    assert not only_b.ok and only_b.message.startswith("(c) is biased too") and "missing not at random" in \
        only_b.message
    with_a = check_selection_bias("abc")
    assert not with_a.ok and with_a.message.startswith("(a) is not selection-biased")
    with_d = check_selection_bias("bcd")
    assert not with_d.ok and "whole space" in with_d.message
    assert "letters" in check_selection_bias("xyz").message
    assert "letters" in check_selection_bias(3).message


def test_third_task_explains_every_choice():
    assert check_third_task("b").ok and check_third_task(" B ").ok
    for wrong in "acd":
        feedback = check_third_task(wrong)
        assert not feedback.ok and feedback.message.startswith(f"({wrong}) does not fit")
    assert "one letter" in check_third_task("e").message
    assert NOT_ANSWERED.message == check_third_task(None).message
