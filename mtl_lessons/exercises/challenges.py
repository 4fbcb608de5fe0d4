"""Checkers for the exercises of the chapter on challenges and where the field goes.

PyTorch is imported only inside the checker that compares with the package's lookahead affinity.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mtl_lessons.exercises import NOT_ANSWERED, Feedback, checker, multiple_choice


@checker
def check_best_p(best_p: object, p_values: Sequence[float], gain: np.ndarray) -> Feedback:
    """Exercise 15.1: the p with the largest mean gain of sharing in the chapter's table."""
    means = np.asarray(gain, dtype=float).mean(axis=1)
    expected = float(p_values[int(np.argmax(means))])
    try:
        value = float(best_p)
    except (TypeError, ValueError):
        return Feedback(False, f"Give one of the p values {list(p_values)} as a number; got {best_p!r}.")
    if not any(np.isclose(value, p) for p in p_values):
        return Feedback(False, f"{value} is not one of the p values of the experiment, {list(p_values)}.")
    if np.isclose(value, expected):
        return Feedback(True, f"p = {expected} had the largest mean gain ({means.max():+.3f}); compare the "
                              "spread over data sets with the differences between the means: another set of "
                              "data seeds need not pick the same p.")
    worst = float(p_values[int(np.argmin(means))])
    if np.isclose(value, worst):
        return Feedback(False, f"p = {value} had the smallest mean gain, not the largest: take the maximum "
                               "of the row means.")
    mean = means[[float(p) for p in p_values].index(min(p_values, key=lambda p: abs(p - value)))]
    return Feedback(False, f"p = {value} has a mean gain of {mean:+.3f}; another p has a larger one. "
                           "Average the gain over the data sets (the rows) and take the maximum.")


@checker
def check_task_count_cost(jacobian_megabytes: object, backward_passes: object) -> Feedback:
    """Exercise 15.2: the memory of PCGrad's Jacobian (10 tasks, 2 million float32
    parameters) and its backward passes."""
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
    """Exercise 15.3: the plan when a much louder second task makes the first worse."""
    return multiple_choice(answer, "b", _NEGATIVE_TRANSFER)


# Exercise 15.4: the lookahead affinity to first order ---------------------------------------------


def first_order_reference(gradients: np.ndarray, losses: np.ndarray, lr: float) -> np.ndarray:
    """``Z[i, j] = lr * g_i . g_j / L_j``: the first-order term of Fifty et al.'s lookahead affinity."""
    g = np.asarray(gradients, dtype=float)
    return lr * (g @ g.T) / np.asarray(losses, dtype=float)[None, :]


def _tiny_affinity_case():
    """A small trained two-layer network on three related tasks, its gradients, losses and data."""
    import torch

    from mtl_lessons.data import related_tasks
    from mtl_lessons.torch import HardSharingNet, fit, shared_gradients
    from mtl_lessons.torch.losses import task_loss

    data = related_tasks(n_train=64, p=0.5, n_tasks=3, dim=5, n_val=8, n_test=8, seed=3)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = HardSharingNet(data.input_shape, data.output_sizes(), (8,))
        fit(model, data, epochs=20, batch_size=None, lr=0.05, eval_splits=(), progress=False)
    gradients = shared_gradients(model, data)
    with torch.no_grad():
        outputs = model(torch.as_tensor(data.train.x))
        losses = [float(task_loss(outputs[t], torch.as_tensor(data.train.y[t]), data.kinds[t]))
                  for t in data.tasks]
    return model, data, np.stack([gradients[t].numpy() for t in data.tasks]).astype(float), np.array(losses)


@checker
def check_first_order_affinity(function) -> Feedback:
    """Exercise 15.4: ``function(gradients, losses, lr)`` is the first-order lookahead affinity ``(T, T)``.

    Checked against :func:`first_order_reference` on random inputs, then against the package's exact
    :func:`~mtl_lessons.torch.lookahead_affinity` at a small step, where the two must agree.
    """
    rng = np.random.default_rng(0)
    gradients, losses, lr = rng.normal(size=(3, 6)), rng.uniform(0.5, 2.0, 3), 0.1
    value = function(gradients.copy(), losses.copy(), lr)
    if value is None:
        return NOT_ANSWERED
    try:
        mine = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return Feedback(False, f"Return a (tasks, tasks) array; got {type(value).__name__}.")
    if mine.shape != (3, 3):
        return Feedback(False, f"For 3 tasks return a 3 x 3 array, one row per stepping task; got shape "
                               f"{mine.shape}.")
    expected = first_order_reference(gradients, losses, lr)
    if not np.allclose(mine, expected, rtol=1e-6, atol=1e-12):
        products = gradients @ gradients.T
        norms = np.linalg.norm(gradients, axis=1)
        mistakes = {
            "the transpose": (expected.T, "you divide by the loss of the stepping task i; Z[i, j] measures "
                                          "task j's loss, so divide column j by L_j."),
            "no lr": (products / losses[None, :], "the step has size lr: multiply by it."),
            "sign": (-expected, "a step against task i's gradient lowers task j's loss when the gradients "
                                "agree: Z is + lr g_i . g_j / L_j."),
            "cosine": (lr * products / np.outer(norms, norms) / losses[None, :],
                       "use the dot product of the gradients, not their cosine."),
            "no loss": (lr * products, "Z is a relative change of the loss: divide by L_j."),
        }
        for candidate, message in mistakes.values():
            if np.allclose(mine, candidate, rtol=1e-6, atol=1e-12):
                return Feedback(False, message)
        return Feedback(False, f"For gradients of shape (3, 6) your matrix differs from lr g_i . g_j / L_j "
                               f"by up to {np.abs(mine - expected).max():.3g}.")
    from mtl_lessons.torch import lookahead_affinity

    model, data, tiny_gradients, tiny_losses = _tiny_affinity_case()
    small = 1e-3
    exact = lookahead_affinity(model, data, small)
    approximate = np.asarray(function(tiny_gradients, tiny_losses, small), dtype=float)
    if not np.allclose(approximate, exact, rtol=0.05, atol=1e-7):
        gap = np.abs(approximate - exact).max()
        return Feedback(False, "Right on random inputs, but not close to the exact lookahead at a small step "
                               f"({small}): the largest difference is {gap:.3g}.")
    return Feedback(True, "Your matrix is lr g_i . g_j / L_j, and at a small step it matches the exact "
                          "lookahead affinity of a trained network.")
