"""Checkers for the exercises of the chapter on core concepts.

Each returns a :class:`~mtl_lessons.exercises.Feedback` that says what is wrong, never crashes on
an unfinished stub, and accepts every correct answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from mtl_lessons._checks import check_int
from mtl_lessons.exercises import Feedback, checker


def count_mlp_parameters(
    in_features: int, hidden: Sequence[int], n_tasks: int, shared_layers: int, biases: bool = True
) -> int:
    """Trainable scalars of ``HardSharingNet`` with one output unit per task, by the formula."""
    in_features = check_int("in_features", in_features, minimum=1)
    n_tasks = check_int("n_tasks", n_tasks, minimum=1)
    widths = [in_features, *(check_int("hidden width", h, minimum=1) for h in hidden), 1]
    shared_layers = check_int("shared_layers", shared_layers, minimum=0, maximum=len(hidden))
    layers = [a * b + (b if biases else 0) for a, b in zip(widths[:-1], widths[1:], strict=True)]
    return sum(layers[:shared_layers]) + n_tasks * sum(layers[shared_layers:])


@checker
def check_parameter_counts(
    hard: object, independent: object, in_features: int = 10, hidden: Sequence[int] = (32, 32),
    n_tasks: int = 2,
) -> Feedback:
    """Exercise 1.1: parameter counts of hard sharing and of independent networks."""
    answers = {"hard": hard, "independent": independent}
    for name, value in answers.items():
        if isinstance(value, bool) or not isinstance(value, int):
            return Feedback(False, f"`{name}` should be a whole number of parameters; got {value!r}.")
    depth = len(hidden)
    expected = {"hard": count_mlp_parameters(in_features, hidden, n_tasks, depth),
                "independent": count_mlp_parameters(in_features, hidden, n_tasks, 0)}
    for name, shared in (("hard", depth), ("independent", 0)):
        value, right = answers[name], expected[name]
        if value == right:
            continue
        if value == count_mlp_parameters(in_features, hidden, n_tasks, shared, biases=False):
            return Feedback(False, f"`{name}` = {value} counts the weights only: every layer also "
                                   "has one bias per output unit.")
        if value == count_mlp_parameters(in_features, hidden, 1, shared):
            return Feedback(False, f"`{name}` = {value} is the count for a single task: each of "
                                   f"the {n_tasks} tasks has its own head"
                                   + (" and its own hidden layers." if shared == 0 else "."))
        if name == "hard" and value == expected["independent"]:
            return Feedback(False, "`hard` equals the count of independent networks: with hard "
                                   "sharing the hidden layers exist once, not once per task.")
        direction = "too many" if value > right else "too few"
        return Feedback(False, f"`{name}` = {value} is {direction}. Count, layer by layer, "
                               "inputs x outputs weights plus one bias per output unit.")
    saved = expected["independent"] - expected["hard"]
    return Feedback(True, f"hard sharing has {expected['hard']} parameters, independent networks "
                          f"{expected['independent']}: sharing saves {saved}.")


_READINGS = {
    "a": "No: the control contradicts it. The same shared model, with task 2 at its natural scale, "
         "left task 1 about where it was alone on average (worse in most runs, but by far less than "
         "the loud task did), so its size is not what hurt.",
    "b": "",
    "c": "No: task 1's labels do not depend on p at all (its direction is u1 whatever p is); only "
         "task 2 changes, and only the model that shares a trunk with it got worse.",
    "d": "No: at p = 1 the loud task did no harm in about half of the runs. Loudness hurts most when the "
         "loud task wants features that the other task has no use for.",
}


@checker
def check_negative_transfer_reading(answer: object) -> Feedback:
    """Exercise 1.3: which reading of the negative-transfer experiment the measurements support."""
    if not isinstance(answer, str) or answer.strip().lower() not in _READINGS:
        return Feedback(False, f"Answer with one letter, 'a', 'b', 'c' or 'd'; got {answer!r}.")
    key = answer.strip().lower()
    if key == "b":
        return Feedback(True, "The loud task's gradient dominates the shared trunk; its features "
                              "serve task 1 only as far as the tasks share directions (|p| large).")
    return Feedback(False, _READINGS[key])


def _reference_masked_mse(prediction, target, mask):
    mask = mask.to(prediction.dtype)
    return ((prediction - target) ** 2 * mask).sum() / mask.sum().clamp_min(1.0)


@checker
def check_masked_mse(function: Callable) -> Feedback:
    """Exercise 1.2: ``function(prediction, target, mask)`` is the MSE over the labelled examples only.

    ``mask[i]`` is True where example ``i`` has a label for the task. A batch without any label
    must give 0 (and a gradient of 0), never NaN, so that one unlabelled batch cannot spoil a run.
    """
    import torch

    generator = torch.Generator().manual_seed(0)
    prediction = torch.randn(8, generator=generator, requires_grad=True)
    target = torch.randn(8, generator=generator)
    target_filled = target.clone()
    mask = torch.tensor([True, False, True, True, False, False, True, False])
    target_filled[~mask] = 0.0  # what a data set stores where a label is missing
    value = function(prediction, target_filled, mask)
    if not isinstance(value, torch.Tensor) or value.ndim != 0:
        return Feedback(False, f"return one number as a scalar tensor (so that it can be back-propagated); "
                               f"got {type(value).__name__}.")
    expected = _reference_masked_mse(prediction, target_filled, mask)
    everyone = ((prediction - target_filled) ** 2).mean()
    over_n = ((prediction - target_filled) ** 2 * mask).sum() / len(mask)
    if torch.isclose(value, everyone):
        return Feedback(False, "you average over every example: the unlabelled ones (mask False) "
                               "must not count.")
    if torch.isclose(value, over_n):
        return Feedback(False, "you sum over the labelled examples but divide by all of them: divide by the "
                               "number of labelled examples, or the loss shrinks when labels are missing.")
    if not torch.isclose(value, expected):
        return Feedback(False, f"your loss is {value.item():.4f}, the MSE over the labelled examples is "
                               f"{expected.item():.4f}.")
    if value.grad_fn is None:
        return Feedback(False, "your loss has no gradient: compute it with torch operations on `prediction`.")
    (grad,) = torch.autograd.grad(value, prediction)
    if torch.any(grad[~mask] != 0):
        return Feedback(False, "the unlabelled examples receive a gradient: they must not move the model.")
    empty = function(prediction, target_filled, torch.zeros(8, dtype=torch.bool))
    if not isinstance(empty, torch.Tensor) or not torch.isfinite(empty) or empty.item() != 0.0:
        return Feedback(False, "a batch without any label must give 0, not NaN (0/0): guard the division.")
    return Feedback(True, "the loss counts only labelled examples, and a batch with no labels gives 0.")
