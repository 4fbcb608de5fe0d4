"""Checkers for the exercises of the chapter "The multi-task loss".

Each checker returns a :class:`~mtl_lessons.exercises.Feedback` and never crashes on an
unfinished answer. PyTorch is imported only inside the checker that needs it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from mtl_lessons.exercises import NOT_ANSWERED, Feedback, as_number, checker, close_to, unanswered

# Exercise 3.1: the numbers of a tiny two-task problem, computed by hand.
EXERCISE1 = {
    "pred1": [1.0, 2.0, 0.0],
    "y1": [1.5, 2.0, -1.0],
    "pred2": [0.0, 1.0, 1.0],
    "y2": [1.0, 1.0, 3.0],
    "alpha": (2.0, 0.5),
    "lam": 0.1,
    "theta": [1.0, -2.0, 2.0],
}


def _exercise1_terms() -> tuple[float, float, float]:
    """Mean squared error of each task and the regulariser (lam / 2) ||theta||^2 of Exercise 1."""
    e = {k: np.asarray(v, dtype=float) for k, v in EXERCISE1.items() if k not in ("alpha", "lam")}
    loss1 = float(np.mean((e["pred1"] - e["y1"]) ** 2))
    loss2 = float(np.mean((e["pred2"] - e["y2"]) ** 2))
    regulariser = EXERCISE1["lam"] / 2 * float(np.sum(e["theta"] ** 2))
    return loss1, loss2, regulariser


def exercise1_answer() -> float:
    """The total loss of Exercise 3.1: alpha_1 L_1 + alpha_2 L_2 + (lam / 2) ||theta||^2."""
    loss1, loss2, regulariser = _exercise1_terms()
    a1, a2 = EXERCISE1["alpha"]
    return a1 * loss1 + a2 * loss2 + regulariser


@checker
def check_total_loss(answer: float) -> Feedback:
    """Exercise 3.1: the weighted two-task loss plus an L2 regulariser, computed by hand."""
    value = as_number(answer)
    if isinstance(value, Feedback):
        return value
    loss1, loss2, regulariser = _exercise1_terms()
    a1, a2 = EXERCISE1["alpha"]
    expected = exercise1_answer()
    n = len(EXERCISE1["y1"])
    hints = (
        (a1 * loss1 + a2 * loss2, "that is the weighted sum of the task losses without the regulariser "
                                  "(lam / 2) ||theta||^2."),
        (loss1 + loss2 + regulariser, "that sum has no task weights: multiply L_1 by alpha_1 and L_2 by "
                                      "alpha_2."),
        (a1 * loss1 + a2 * loss2 + 2 * regulariser, "the regulariser is (lam / 2) ||theta||^2: you left "
                                                    "out the 1/2."),
        (n * (a1 * loss1 + a2 * loss2) + regulariser, "each L_t is a mean over the examples, not a sum."),
        (a2 * loss1 + a1 * loss2 + regulariser, "the weights are swapped: alpha_1 = 2 goes with task 1."),
    )
    if abs(value - expected) > 1e-3:
        for wrong, hint in hints:
            if abs(value - wrong) <= 1e-3:
                return Feedback(False, f"{value:.4g}: {hint}")
    return close_to(value, expected, 1e-3, "the total loss")


def _coupling_cases():
    """Soft-sharing models with two and with three tasks, and their coupling penalties."""
    import torch

    from mtl_lessons.torch import SoftSharingNet

    cases = []
    for seed, heads, hidden in ((3, {"a": 1, "b": 1, "c": 2}, (5, 3)), (4, {"x": 1, "y": 1}, (4,))):
        torch.manual_seed(seed)
        model = SoftSharingNet(6, heads, hidden=hidden)
        columns = [list(model.columns[t].parameters()) for t in model.tasks]
        cases.append((columns, float(model.coupling().detach())))
    return cases


@checker
def check_coupling(function: Callable) -> Feedback:
    """Exercise 3.2: ``function(columns, lam)`` returns ``lam * sum_{i<j} ||theta_i - theta_j||^2``."""
    if not callable(function):
        return Feedback(False, f"pass the function pairwise_coupling itself; got {type(function).__name__}.")
    lam = 0.25
    for columns, coupling in _coupling_cases():
        result = function(columns, lam)
        if unanswered(result):
            return NOT_ANSWERED
        try:
            value = float(result.detach() if hasattr(result, "detach") else result)
        except (TypeError, ValueError, RuntimeError):
            return Feedback(False, f"pairwise_coupling should return one number (a scalar tensor or a "
                                   f"float); it returned {type(result).__name__}.")
        expected = lam * coupling
        tasks = len(columns)
        if np.isclose(value, expected, rtol=1e-4, atol=1e-6):
            continue
        if np.isclose(value, 2 * expected, rtol=1e-4):
            return Feedback(False, "you counted every pair twice (i, j and j, i): the sum runs over i < j.")
        if np.isclose(value, coupling, rtol=1e-4):
            return Feedback(False, "that is the coupling without lam: multiply by lam.")
        return Feedback(False, f"for {tasks} tasks and lam = {lam}, the penalty is {expected:.5g}; your "
                               f"function returned {value:.5g}. Sum (a - b)^2 over every pair of task "
                               "columns i < j and over every parameter tensor in them.")
    return Feedback(True, "the penalty matches SoftSharingNet.coupling() times lam, for two and for "
                          "three tasks.")


@checker
def check_loss_ratio_weights(function: Callable) -> Feedback:
    """Exercise 3.3: ``function(initial_losses)`` returns ``alpha_t`` ~ ``1 / L_t(0)``, summing to ``T``."""
    if not callable(function):
        return Feedback(False, f"pass the function loss_ratio_weights itself; got {type(function).__name__}.")
    cases = ({"metres": 1.2, "millimetres": 1.2e6}, {"a": 2.0, "b": 2.0, "c": 4.0}, {"only": 0.3})
    for losses in cases:
        result = function(dict(losses))
        if unanswered(result):
            return NOT_ANSWERED
        if not isinstance(result, Mapping):
            return Feedback(False, f"loss_ratio_weights should return a dict {{task: weight}}; it returned "
                                   f"{type(result).__name__}.")
        if set(result) != set(losses):
            return Feedback(False, f"for the tasks {sorted(losses)} it returned weights for "
                                   f"{sorted(result)}; return one weight per task.")
        weights = {t: float(result[t]) for t in losses}
        inverse = {t: 1.0 / v for t, v in losses.items()}
        expected = {t: len(losses) * inverse[t] / sum(inverse.values()) for t in losses}
        if all(np.isclose(weights[t], expected[t], rtol=1e-6) for t in losses):
            continue
        total = sum(weights.values())
        weighted = [weights[t] * losses[t] for t in losses]
        if np.allclose(weighted, weighted[0], rtol=1e-6) and not np.isclose(total, len(losses)):
            return Feedback(False, f"the weighted initial losses are equal, good, but the weights sum to "
                                   f"{total:.4g}; scale them so that they sum to the number of tasks, "
                                   f"{len(losses)}.")
        if len(losses) > 1 and max(weights, key=weights.get) == max(losses, key=losses.get) \
                and len(set(losses.values())) > 1:
            return Feedback(False, "the task with the largest initial loss got the largest weight; it "
                                   "should get the smallest: alpha_t is proportional to 1 / L_t(0).")
        return Feedback(False, f"for initial losses {losses} the weights should be "
                               f"{ {t: round(v, 6) for t, v in expected.items()} }; got "
                               f"{ {t: round(v, 6) for t, v in weights.items()} }.")
    return Feedback(True, "each task's weighted initial loss is the same, and the weights sum to the "
                          "number of tasks.")


# Exercise 3.4: why did weights from initial loss ratios rescue task 1 but not task 2?
SCALE_EXPLANATION = {
    "a": "Task 2's weight, about 1e-6, makes its gradients so small that its head barely moves.",
    "b": "With Adam a step moves each parameter by at most about the learning rate, whatever the loss "
         "weight; task 2's outputs must reach thousands of millimetres, which 150 such steps cannot do.",
    "c": "Task 2 overfits its 400 training examples once its weight is small.",
    "d": "In millimetres the two tasks are no longer related, so sharing hurts task 2.",
}
_SCALE_FEEDBACK = {
    "a": "with SGD it would be so, but Adam divides each gradient by its own running size, so a tiny "
         "weight does not make task 2's head take tiny steps (look back at the (1, 1) versus (10, 10) "
         "experiment).",
    "c": "overfitting shows as a low training loss and a high test loss; here task 2 has not even fitted "
         "its training data, and a ten times larger learning rate removes most of its error.",
    "d": "a change of unit multiplies the labels by a constant: the correlation between the tasks, and "
         "so their relatedness, is exactly the same.",
}


@checker
def check_scale_explanation(answer: str) -> Feedback:
    """Exercise 3.4: the letter of the right explanation in ``SCALE_EXPLANATION``."""
    if not isinstance(answer, str):
        return Feedback(False, f"answer with one letter as a string, e.g. 'a'; got {answer!r}.")
    letter = answer.strip().lower().strip("()")
    if letter not in SCALE_EXPLANATION:
        return Feedback(False, f"choose one of {sorted(SCALE_EXPLANATION)}; got {answer!r}.")
    if letter == "b":
        return Feedback(True, "Adam's steps have a size set by the learning rate, not by the loss weight; "
                              "a weight can rebalance the pull on shared layers, but it cannot make a head "
                              "travel further. Normalising the targets fixes both.")
    return Feedback(False, f"({letter}) is not it: {_SCALE_FEEDBACK[letter]}")


def choose_share_reference(val_mse: np.ndarray, importance: Sequence[float]) -> int:
    """The share that minimises the importance-weighted errors, each task in units of its best error."""
    val = np.asarray(val_mse, dtype=float)
    relative = val / val.min(axis=0)
    return int(np.argmin(relative @ np.asarray(importance, dtype=float)))


_SHARE_CASES = (  # (validation MSE per share and task, importance of each task)
    (np.array([[0.90, 0.010], [0.20, 0.012], [0.10, 0.030], [0.05, 0.090]]), (1.0, 1.0)),
    (np.array([[0.50, 500.0], [0.30, 900.0], [0.20, 2000.0]]), (2.0, 1.0)),
    (np.array([[0.90, 0.010], [0.20, 0.012], [0.10, 0.030], [0.05, 0.090]]), (1.0, 3.0)),
    (np.array([[0.40, 0.40], [0.30, 0.50], [0.45, 0.30]]), (1.0, 1.0)),
)


@checker
def check_choose_share(function: Callable) -> Feedback:
    """Exercise 3.5 (design): ``function(val_mse, importance)`` picks the share of task 1 to train with.

    ``val_mse`` holds the validation MSE of each task (columns) after training with each share
    (rows); ``importance`` says how much each task matters. The tasks' errors must be put in
    comparable units before they are weighted: here, each divided by its own best value.
    """
    for val, importance in _SHARE_CASES:
        chosen = function(val.copy(), importance)
        if isinstance(chosen, bool) or not isinstance(chosen, (int, np.integer)):
            return Feedback(False, f"return the row index of the chosen share (an int); got {chosen!r}.")
        expected = choose_share_reference(val, importance)
        if int(chosen) == expected:
            continue
        unweighted = choose_share_reference(val, (1.0,) * val.shape[1])
        if int(chosen) == unweighted:
            return Feedback(False, "your choice ignores `importance`: weight each task's relative error "
                                   "by it.")
        if int(chosen) == int(np.argmin(val @ np.asarray(importance))):
            return Feedback(False, "you add the raw errors: a task measured in larger units then decides "
                                   "alone. Divide each task's errors by its best value first.")
        return Feedback(False, f"for the errors {val.tolist()} with importance {importance} the best row "
                               f"is {expected}, not {int(chosen)}.")
    return Feedback(True, "each task's errors in units of its best, weighted by how much it matters, "
                          "then the lowest total.")
