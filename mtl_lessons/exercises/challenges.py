"""Checkers for the exercises of the chapter on challenges and where the field goes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mtl_lessons.exercises import Feedback, checker, multiple_choice


@checker
def check_best_p(best_p: object, p_values: Sequence[float], gain: np.ndarray) -> Feedback:
    """Exercise 1: the p with the largest mean gain of sharing in the chapter's table."""
    means = np.asarray(gain, dtype=float).mean(axis=1)
    expected = float(p_values[int(np.argmax(means))])
    try:
        value = float(best_p)
    except (TypeError, ValueError):
        return Feedback(False, f"Give one of the p values {list(p_values)} as a number; got {best_p!r}.")
    if not any(np.isclose(value, p) for p in p_values):
        return Feedback(False, f"{value} is not one of the p values of the experiment, {list(p_values)}.")
    if np.isclose(value, expected):
        return Feedback(True, f"p = {expected} had the largest mean gain ({means.max():+.3f}); the spread "
                              "over data sets is about as large as the differences, so it need not be best "
                              "in general.")
    worst = float(p_values[int(np.argmin(means))])
    if np.isclose(value, worst):
        return Feedback(False, f"p = {value} had the smallest mean gain, not the largest: take the maximum "
                               "of the row means.")
    mean = means[[float(p) for p in p_values].index(min(p_values, key=lambda p: abs(p - value)))]
    return Feedback(False, f"p = {value} has a mean gain of {mean:+.3f}; another p has a larger one. "
                           "Average the gain over the data sets (the rows) and take the maximum.")


@checker
def check_task_count_cost(jacobian_megabytes: object, backward_passes: object) -> Feedback:
    """Exercise 2: the memory of PCGrad's Jacobian (10 tasks, 2 million float32 parameters) and its passes."""
    try:
        megabytes, passes = float(jacobian_megabytes), float(backward_passes)
    except (TypeError, ValueError):
        return Feedback(False, "Give two numbers: the megabytes of the matrix and the backward passes "
                               "per step.")
    if not np.isclose(megabytes, 80.0, rtol=0.01):
        if np.isclose(megabytes, 20.0, rtol=0.01):
            return Feedback(False, "20 is the number of values in millions; each 32-bit float takes 4 bytes.")
        if np.isclose(megabytes, 8.0, rtol=0.01):
            return Feedback(False, "8 MB is one task's gradient; PCGrad holds one gradient per task (10).")
        return Feedback(False, f"{megabytes:g} MB is not it: 10 tasks x 2e6 parameters x 4 bytes, in "
                               "units of 1e6 bytes.")
    if passes != 10:
        return Feedback(False, f"The matrix is right, but PCGrad needs one backward pass per task, "
                               f"not {passes:g}.")
    return Feedback(True, "80 MB and 10 backward passes per step, against one pass and no matrix for "
                          "the plain sum.")


_NEGATIVE_TRANSFER = {
    "a": "a loss 50 times larger can explain the harm without any unrelatedness (the concepts chapter "
         "measures it), so rescale before concluding the tasks are unrelated.",
    "b": "rescale, tune the ratio on validation data, compare with single-task learning over seeds, "
         "and share less or couple softly if task 1 still loses.",
    "c": "in the adding-tasks experiment more companions did not improve task 1; a third task adds "
         "competition too.",
    "d": "MGDA does not raise a loss within one step, but it need not find a good trade-off, and it did not "
         "beat tuned fixed weights in the balancing chapter.",
}


@checker
def check_negative_transfer_plan(answer: object) -> Feedback:
    """Exercise 3: the plan when a much louder second task makes the first worse."""
    return multiple_choice(answer, "b", _NEGATIVE_TRANSFER)
