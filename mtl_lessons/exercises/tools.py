"""Checkers for the exercises of the chapter on tools and resources.

Each returns a :class:`~mtl_lessons.exercises.Feedback` that says what is wrong, never crashes on
an unfinished stub, and accepts every correct answer. Importing this module is cheap: PyTorch and
torchjd are imported only inside the checker that runs a student's training step.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from mtl_lessons.exercises import NOT_ANSWERED, Feedback, checker, unanswered

# Exercise 14.1: which tool for which need ---------------------------------------------------------

TOOLS = {
    "a": "MultiOutputRegressor(LassoCV()) from scikit-learn",
    "b": "MultiTaskLassoCV from scikit-learn",
    "c": "torchjd: mtl_backward and an aggregator such as UPGrad",
    "d": "a Keras functional model with loss={...} and loss_weights={...}",
    "e": "LibMTL 1.1.5 from PyPI",
}
TOOL_ANSWERS = {"sensors": "b", "conflict": "c", "tensorflow": "d"}

_TOOL_FEEDBACK = {
    ("sensors", "a"): "MultiOutputRegressor fits one LassoCV per quality measure, independently: each picks "
                      "its own sensors, and nothing makes the twelve agree on which sensors matter.",
    ("sensors", "c"): "a linear model that names its sensors needs no network and no gradient aggregation; "
                      "with 80 machines and 300 sensors a sparse linear model is the natural first step.",
    ("sensors", "d"): "a neural network does not name a handful of sensors, and 80 examples are few for one.",
    ("sensors", "e"): "LibMTL trains deep networks (and its PyPI release needs a GPU); the need here is a "
                      "sparse linear model.",
    ("conflict", "a"): "MultiOutputRegressor shares nothing, so there is no shared layer whose gradients "
                       "could conflict; it does not train the team's network.",
    ("conflict", "b"): "MultiTaskLasso is a linear model; it does not train a PyTorch network.",
    ("conflict", "d"): "Keras's loss_weights only scale the losses; combining the task gradients would have "
                       "to be written by hand in a custom training step.",
    ("conflict", "e"): "LibMTL has PCGrad and MGDA, but its PyPI release 1.1.5 puts the model on 'cuda:0' "
                       "and fails on a CPU machine (and with current PyTorch) unless patched.",
    ("tensorflow", "a"): "scikit-learn's wrapper fits independent models and does not produce a TensorFlow "
                         "model; nothing is shared between click and purchase.",
    ("tensorflow", "b"): "MultiTaskLasso is for regression with a linear model; click and purchase are "
                         "classification tasks for a network that TensorFlow must serve.",
    ("tensorflow", "c"): "torchjd works on PyTorch's autograd; the serving stack is TensorFlow.",
    ("tensorflow", "e"): "LibMTL is a PyTorch library; the serving stack is TensorFlow.",
}


@checker
def check_tool_choices(choices: object) -> Feedback:
    """Exercise 14.1: ``{"sensors": letter, "conflict": letter, "tensorflow": letter}``."""
    if not isinstance(choices, dict):
        return Feedback(False, "Give a dict with one letter per need, such as "
                               "{'sensors': 'a', 'conflict': 'a', 'tensorflow': 'a'}; got "
                               f"{type(choices).__name__}.")
    missing = sorted(set(TOOL_ANSWERS) - set(choices))
    extra = sorted(set(choices) - set(TOOL_ANSWERS))
    if missing or extra:
        return Feedback(False, f"The keys must be {sorted(TOOL_ANSWERS)}; missing {missing}, "
                               f"unexpected {extra}.")
    if all(unanswered(choices[need]) for need in TOOL_ANSWERS):
        return NOT_ANSWERED
    for need, right in TOOL_ANSWERS.items():
        letter = choices[need]
        if unanswered(letter):
            return Feedback(False, f"{need!r} has no letter yet: replace its `...` with one.")
        if not isinstance(letter, str) or letter.strip().lower() not in TOOLS:
            return Feedback(False, f"Answer {need!r} with one letter out of {', '.join(TOOLS)}; "
                                   f"got {letter!r}.")
        letter = letter.strip().lower()
        if letter != right:
            return Feedback(False, f"{need!r}: ({letter}) does not fit: {_TOOL_FEEDBACK[need, letter]}")
    return Feedback(True, "MultiTaskLassoCV for the sensors (one joint choice of inputs), torchjd for the "
                          "conflicting gradients (it changes the backward pass of the existing network), "
                          "and a Keras model with loss_weights for the TensorFlow stack.")


# Exercise 14.2: Keras's loss_weights for losses in units of each target's variance ---------------

LOSS_WEIGHT_VARIANCES = {"rating": 1.2, "watch_minutes": 900.0}


def _numbers(answer: dict) -> dict[str, float] | Feedback:
    values = {}
    for key, value in answer.items():
        if isinstance(value, bool):
            return Feedback(False, f"The weight of {key!r} should be a number; got {value!r}.")
        try:
            values[key] = float(value)
        except (TypeError, ValueError):
            return Feedback(False, f"The weight of {key!r} should be a number; got {value!r}.")
    return values


@checker
def check_loss_weights(loss_weights: object) -> Feedback:
    """Exercise 14.2: ``loss_weights`` that divide each output's MSE by the variance of its targets."""
    expected = {name: 1.0 / variance for name, variance in LOSS_WEIGHT_VARIANCES.items()}
    if isinstance(loss_weights, (list, tuple)):
        return Feedback(False, "Keras also accepts a list in the order of the model's outputs, but a "
                               "dict keyed by output name cannot be matched to the wrong output: give "
                               "a dict.")
    if not isinstance(loss_weights, dict):
        return Feedback(False, f"Give a dict {{output name: weight}}; got {type(loss_weights).__name__}.")
    if set(loss_weights) != set(expected):
        return Feedback(False, f"The keys must be the names of the model's outputs, {sorted(expected)}, "
                               f"as in loss={{...}}; got {sorted(map(str, loss_weights))}.")
    values = _numbers(loss_weights)
    if isinstance(values, Feedback):
        return values
    if any(not math.isfinite(v) or v <= 0 for v in values.values()):
        return Feedback(False, f"Weights must be positive finite numbers; got {values}.")

    def matches(target: dict[str, float]) -> bool:
        return all(math.isclose(values[k], target[k], rel_tol=1e-3) for k in target)

    if matches(expected):
        shown = {k: round(v, 6) for k, v in expected.items()}
        return Feedback(True, f"{shown}: each task's MSE is now in units of its own target variance, so a "
                              "model that predicts the mean scores 1 on both.")
    if matches(LOSS_WEIGHT_VARIANCES):
        return Feedback(False, "You multiplied by the variance; divide by it: the weight is 1 / variance, so "
                               "that the task with the larger targets gets the smaller weight.")
    if matches({k: 1 / math.sqrt(v) for k, v in LOSS_WEIGHT_VARIANCES.items()}):
        return Feedback(False, "You divided by the standard deviation. A squared error is in squared "
                               "units (minutes squared), so divide by the variance, the square of the "
                               "standard deviation.")
    swapped = dict(zip(expected, reversed(list(expected.values())), strict=True))
    if matches(swapped):
        return Feedback(False, "The two weights are swapped: 'rating' has the small variance (1.2), so "
                               "it gets the large weight.")
    ratio = values["rating"] / values["watch_minutes"]
    if math.isclose(ratio, expected["rating"] / expected["watch_minutes"], rel_tol=1e-3):
        return Feedback(False, "The ratio of your weights is right, but the exercise asks for 1 / variance "
                               "itself (the overall scale acts like a change of learning rate).")
    return Feedback(False, f"Got {values}. Each weight should be 1 / (variance of that output's targets).")


# Exercise 14.3: how many inputs do the tasks select, together and each? --------------------------

_SUPPORT_CASES = [  # scikit-learn's layout: (tasks, inputs), as in MultiTaskLasso.coef_
    [[1.0, 0.0, -2.0, 0.0, 0.5, -1.0],
     [0.3, 0.0, 0.0, 0.0, -0.1, -1.0],
     [2.0, 0.0, 1.0, 0.0, 0.0, -0.5]],
    [[0.0, 0.7, 0.0, -0.2, 0.0, 0.0, 0.4],
     [0.0, -0.3, 0.9, -0.1, 0.0, 0.0, 0.0]],
]


def support_counts_reference(coef) -> tuple[int, int]:
    """(inputs selected by at least one task, inputs selected by every task) of a (tasks, inputs) array."""
    import numpy as np

    selected = np.asarray(coef, dtype=float) != 0
    return int(selected.any(axis=0).sum()), int(selected.all(axis=0).sum())


def _pair(value: object) -> tuple[int, int] | None:
    try:
        first, second = value  # type: ignore[misc]
        pair = (int(first), int(second))
    except (TypeError, ValueError):
        return None
    if pair != (float(first), float(second)):
        return None
    return pair


@checker
def check_support_counts(function: Callable) -> Feedback:
    """Exercise 14.3: ``function(coef)`` returns ``(n_any, n_all)`` for a ``(tasks, inputs)`` array."""
    import numpy as np

    for case in _SUPPORT_CASES:
        coef = np.array(case)
        returned = function(coef.copy())
        pair = _pair(returned)
        if pair is None:
            return Feedback(False, f"Return two whole numbers (n_any, n_all); got {returned!r}.")
        expected = support_counts_reference(coef)
        if pair == expected:
            continue
        if pair == expected[::-1]:
            return Feedback(False, "The two counts are swapped: return (n_any, n_all), the inputs used by at "
                                   "least one task first.")
        selected = coef != 0
        if pair == (int(selected.any(axis=1).sum()), int(selected.all(axis=1).sum())):
            return Feedback(False, "You counted along the wrong axis: scikit-learn's coef_ has one row "
                                   "per task and one column per input, so ask, for each column, whether "
                                   "any or all rows are non-zero.")
        positive = coef > 0
        if pair == (int(positive.any(axis=0).sum()), int(positive.all(axis=0).sum())):
            return Feedback(False, "A negative weight selects its input too: test `coef != 0`, not "
                                   "`coef > 0`.")
        return Feedback(False, f"For coef = {coef.tolist()} the answer is {expected}; yours is {pair}. "
                               "An input is selected by a task when its weight for that task is not zero.")
    return Feedback(True, "Your counts are right: n_any counts the columns with any non-zero entry, n_all "
                          "the columns that are non-zero for every task. For MultiTaskLasso the two are "
                          "always equal.")


# Exercise 14.4: IMTL-G, an aggregator the chapter does not print ---------------------------------

_IMTL_CASES = [  # (rows of the Jacobian, what the case tests)
    ([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0]], "two orthogonal gradients of different lengths"),
    ([[3.0, 1.0, 0.0], [-1.0, 1.0, 0.5]], "two conflicting gradients (negative dot product)"),
    ([[1.0, 2.0, 0.0, 1.0], [0.5, -1.0, 1.0, 0.0], [2.0, 0.0, -1.0, 1.0]], "three tasks"),
    ([[10.0, 0.0], [0.0, 0.1]], "one gradient a hundred times longer than the other"),
]


def _imtl_g_reference(jacobian):
    """torchjd's IMTLG: an independent implementation of the same rule."""
    from torchjd.aggregation import IMTLG

    return IMTLG()(jacobian)


@checker
def check_imtl_g(function: Callable) -> Feedback:
    """Exercise 14.4: ``function(jacobian)`` returns IMTL-G's update for a ``(tasks, parameters)`` tensor.

    The reference is torchjd's ``IMTLG``; the feedback names the usual slips (the plain mean, the
    sum, weights that do not add up to 1).
    """
    import torch

    for rows, what in _IMTL_CASES:
        jacobian = torch.tensor(rows, dtype=torch.float64)
        mine = function(jacobian.clone())
        if mine is None:
            return NOT_ANSWERED
        try:
            mine = torch.as_tensor(mine, dtype=torch.float64).reshape(-1)
        except (TypeError, ValueError, RuntimeError):
            return Feedback(False, f"Return the update as a tensor of {jacobian.shape[1]} numbers; "
                                   f"got {mine!r}.")
        if mine.shape[0] != jacobian.shape[1]:
            return Feedback(False, f"For a Jacobian of shape {tuple(jacobian.shape)} the update has "
                                   f"{jacobian.shape[1]} entries, one per parameter; yours has "
                                   f"{mine.shape[0]}.")
        expected = _imtl_g_reference(jacobian).to(torch.float64)
        if torch.allclose(mine, expected, rtol=1e-4, atol=1e-6):
            continue
        if torch.allclose(mine, jacobian.mean(dim=0), rtol=1e-4, atol=1e-6):
            return Feedback(False, f"For {what} you return the mean of the gradients. IMTL-G chooses the "
                                   "weights so that the update has the same projection on every task's unit "
                                   "gradient g_i / |g_i|.")
        if torch.allclose(mine, jacobian.sum(dim=0), rtol=1e-4, atol=1e-6):
            return Feedback(False, f"For {what} you return the sum of the gradients: IMTL-G weighs them.")
        norms = jacobian.norm(dim=1)
        projections = (jacobian @ mine) / norms
        if torch.allclose(projections, projections.mean().expand_as(projections), rtol=1e-4, atol=1e-6):
            return Feedback(False, f"For {what} your update has equal projections on the unit gradients, "
                                   "but the wrong length: scale the weights so that they add up to 1.")
        expected_list = [round(v, 4) for v in expected.tolist()]
        mine_list = [round(v, 4) for v in mine.tolist()]
        return Feedback(False, f"For {what}, {rows}, IMTL-G's update is {expected_list}; yours is "
                               f"{mine_list}. The projections of yours on the unit gradients are "
                               f"{[round(v, 4) for v in projections.tolist()]}: they should all be equal.")
    return Feedback(True, "Your updates match torchjd's IMTLG: weights that add up to 1 and give every "
                          "task's unit gradient the same projection.")
