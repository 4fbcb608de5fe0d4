"""Checkers of the challenges chapter: right answers pass, typical mistakes get their own message."""

import numpy as np

from mtl_lessons.exercises.challenges import check_best_p, check_negative_transfer_plan, check_task_count_cost

P = (0.0, 0.5, 1.0)
GAIN = np.array([[-0.1, -0.2], [0.05, 0.0], [0.1, 0.2]])


def test_best_p():
    assert check_best_p(1.0, P, GAIN).ok
    assert "smallest mean gain" in check_best_p(0.0, P, GAIN).message
    assert "another p has a larger one" in check_best_p(0.5, P, GAIN).message
    assert "not one of the p values" in check_best_p(0.7, P, GAIN).message
    assert "as a number" in check_best_p("high", P, GAIN).message
    assert "Not attempted" in str(check_best_p(..., P, GAIN))


def test_task_count_cost():
    assert check_task_count_cost(80, 10).ok
    assert "4 bytes" in check_task_count_cost(20, 10).message
    assert "one gradient per task" in check_task_count_cost(8, 10).message
    assert "one backward pass per task" in check_task_count_cost(80, 1).message
    assert "Not attempted" in str(check_task_count_cost(..., ...))
    assert "two numbers" in check_task_count_cost("a lot", 10).message


def test_negative_transfer_plan():
    assert check_negative_transfer_plan("b").ok
    assert "adding-tasks" in check_negative_transfer_plan("c").message
    assert "one letter" in check_negative_transfer_plan("z").message
    assert "Not attempted" in str(check_negative_transfer_plan(...))
