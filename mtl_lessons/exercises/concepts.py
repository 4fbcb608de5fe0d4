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
    """Exercise 1: parameter counts of hard sharing and of independent networks."""
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


def _reference_penalty(params, lam):
    total = 0.0
    for i in range(len(params)):
        for j in range(i + 1, len(params)):
            total = total + sum(((a - b) ** 2).sum() for a, b in zip(params[i], params[j], strict=True))
    return lam * total


@checker
def check_soft_penalty(function: Callable) -> Feedback:
    """Exercise 2: ``function(params, lam)`` returns lam * sum_{i<j} sum ||theta_i - theta_j||^2."""
    import torch

    generator = torch.Generator().manual_seed(0)
    shapes = [(4, 3), (4,), (1, 4)]
    params = [[torch.randn(s, generator=generator, requires_grad=True) for s in shapes]
              for _ in range(3)]
    lam = 0.25  # not 0.5: a missing factor lam must not look like a pair counted twice
    result = function(params, lam)
    if result is None:
        return Feedback(False, "Your function returned None: return the penalty.")
    if not isinstance(result, torch.Tensor):
        return Feedback(False, f"Return a torch tensor (so that it can be backpropagated), not "
                               f"{type(result).__name__}; avoid `.item()` and NumPy.")
    if result.numel() != 1:
        return Feedback(False, f"Return a single number (a 0-d tensor); got shape {tuple(result.shape)}.")
    if not result.requires_grad:
        return Feedback(False, "The result does not depend on the parameters any more (no gradient): "
                               "keep every step in torch, without `.detach()` or `.item()`.")
    value = float(result.detach())
    with torch.no_grad():
        expected = float(_reference_penalty(params, lam))
    if abs(value - expected) <= 1e-4 * max(1.0, abs(expected)):
        twin = [[p.detach().clone() for p in params[0]] for _ in range(2)]
        if abs(float(torch.as_tensor(function(twin, 3.0)).detach())) > 1e-6:
            return Feedback(False, "Identical parameters must give a penalty of 0.")
        return Feedback(True, f"penalty = {value:.4f}, and 0 for identical parameters.")
    if abs(value - 2 * expected) <= 1e-4 * abs(expected):
        return Feedback(False, "Your value is twice the expected one: sum over pairs i < j only; "
                               "summing over all i != j counts every pair twice.")
    if abs(value - expected / lam) <= 1e-4 * abs(expected / lam):
        return Feedback(False, "Your value is missing the factor lam.")
    with torch.no_grad():
        unsquared = lam * sum(float(torch.linalg.vector_norm(a - b))
                              for i in range(3) for j in range(i + 1, 3)
                              for a, b in zip(params[i], params[j], strict=True))
        two_only = lam * float(sum(((a - b) ** 2).sum()
                                   for a, b in zip(params[0], params[1], strict=True)))
    if abs(value - unsquared) <= 1e-4 * abs(unsquared):
        return Feedback(False, "Use the squared norm ||theta_i - theta_j||^2, not the norm itself.")
    if abs(value - two_only) <= 1e-4 * abs(two_only):
        return Feedback(False, "Only the first two tasks were compared: include every pair i < j "
                               "(three tasks give three pairs).")
    return Feedback(False, f"With three tasks and lam = {lam} the penalty should be "
                           f"{expected:.4f}, yours is {value:.4f}. Compare every pair of tasks i < j, "
                           "parameter by parameter.")


_READINGS = {
    "a": "No: the control contradicts it. The same shared model, with task 2 at its natural scale, "
         "did about as well as task 1 alone, so its size is not what hurt.",
    "b": "",
    "c": "No: task 1's labels do not depend on p at all (its direction is u1 whatever p is); only "
         "task 2 changes, and only the model that shares a trunk with it got worse.",
    "d": "No: at p = 1 the loud task did no harm. Loudness hurts when the loud task wants "
         "features that the other task has no use for.",
}


@checker
def check_negative_transfer_reading(answer: object) -> Feedback:
    """Exercise 3: which reading of the negative-transfer experiment the measurements support."""
    if not isinstance(answer, str) or answer.strip().lower() not in _READINGS:
        return Feedback(False, f"Answer with one letter, 'a', 'b', 'c' or 'd'; got {answer!r}.")
    key = answer.strip().lower()
    if key == "b":
        return Feedback(True, "The loud task's gradient dominates the shared trunk; its features "
                              "serve task 1 only as far as the tasks share directions (|p| large).")
    return Feedback(False, _READINGS[key])
