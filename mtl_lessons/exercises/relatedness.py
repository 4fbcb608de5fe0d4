"""Checkers for the exercises of the chapter on task relatedness and negative transfer.

Each returns a :class:`~mtl_lessons.exercises.Feedback` that says what is wrong, never crashes on
an unfinished stub, and accepts every correct answer.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mtl_lessons._checks import check_float
from mtl_lessons.analysis import support_precision_recall
from mtl_lessons.exercises import Feedback, as_number, checker

PREDICTIONS = ("helps", "hurts", "no clear difference")


def verdict(gain_mean: float, gain_sem: float) -> str:
    """What a measured gain says: "helps" or "hurts" beyond two standard errors, else no clear difference."""
    gain_mean = check_float("gain_mean", gain_mean)
    gain_sem = check_float("gain_sem", gain_sem, minimum=0.0)
    if gain_mean > 2 * gain_sem:
        return "helps"
    if gain_mean < -2 * gain_sem:
        return "hurts"
    return "no clear difference"


@checker
def check_sharing_prediction(prediction: object, gain_mean: float, gain_sem: float) -> Feedback:
    """Exercise 7.1: does the prediction made before the run agree with the measured gain?"""
    if not isinstance(prediction, str) or prediction.strip().lower() not in PREDICTIONS:
        choices = ", ".join(repr(p) for p in PREDICTIONS)
        return Feedback(False, f"Answer with one of {choices}; got {prediction!r}.")
    measured = verdict(gain_mean, gain_sem)
    said = f"the measured gain is {gain_mean:+.3f} ± {gain_sem:.3f} (standard error), so sharing {measured}"
    if measured == "no clear difference":
        said = f"the measured gain is {gain_mean:+.3f} ± {gain_sem:.3f} (standard error): no clear difference"
    if prediction.strip().lower() == measured:
        return Feedback(True, f"Your prediction matches: {said}.")
    return Feedback(False, f"Your prediction was {prediction!r}, but {said}. Which measure of relatedness "
                           "misled you, and why?")


def _ranks(values: np.ndarray) -> np.ndarray:
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values))
    return ranks


def _reference_spearman(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(_ranks(a), _ranks(b))[0, 1])


@checker
def check_spearman(function: Callable) -> Feedback:
    """Exercise 7.2: ``function(a, b)`` is Spearman's rank correlation (no ties in the test data)."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal(30)
    cases = [(x, x**3), (x, -np.exp(x)), (x, x + rng.standard_normal(30)), (rng.random(12), rng.random(12))]
    for a, b in cases:
        value = function(a.copy(), b.copy())
        if value is None:
            return Feedback(False, "Your function returned None: return the rank correlation.")
        try:
            value = float(value)
        except (TypeError, ValueError):
            return Feedback(False, f"Return one number; got {value!r}.")
        expected = _reference_spearman(a, b)
        if abs(value - expected) <= 1e-6:
            continue
        pearson = float(np.corrcoef(a, b)[0, 1])
        if abs(value - pearson) <= 1e-6:
            return Feedback(False, "That is Pearson's correlation of the values: rank each array first "
                                   "(the smallest value gets rank 0 or 1), then correlate the ranks.")
        if abs(value - float(np.corrcoef(np.argsort(a), np.argsort(b))[0, 1])) <= 1e-6:
            return Feedback(False, "np.argsort gives the *order* (which element is smallest), not the "
                                   "rank of "
                                   "each element: the rank is argsort of argsort.")
        return Feedback(False, f"For one test pair the rank correlation is {expected:.3f}; "
                               f"yours is {value:.3f}.")
    return Feedback(True, "a monotone transformation gives 1 (or -1), whatever its shape.")


@checker
def check_support_scores(function: Callable) -> Feedback:
    """Exercise 7.3: ``function(coef, n_relevant)`` returns (precision, recall) of the selected inputs."""
    coef = np.zeros((10, 2))
    coef[[0, 1, 5], 0] = [1.0, -2.0, 0.5]  # task 1: two of three relevant picked, one wrong
    coef[[0, 1, 2, 7, 8], 1] = [0.3, 0.1, -0.4, 1e-12, 0.2]  # task 2: 1e-12 counts as zero
    cases = [(coef, 3), (np.eye(4)[:, :1] * 3.0, 2), (np.zeros((5, 1)), 2)]
    for c, n_relevant in cases:
        got = function(c.copy(), n_relevant)
        if got is None:
            return Feedback(False, "Your function returned None: return (precision, recall).")
        try:
            precision, recall = (float(v) for v in got)
        except (TypeError, ValueError):
            return Feedback(False, f"Return a pair (precision, recall) of numbers; got {got!r}.")
        want = support_precision_recall(c, n_relevant)
        if np.allclose((precision, recall), want, atol=1e-6):
            continue
        if np.allclose((precision, recall), want[::-1], atol=1e-6):
            return Feedback(False, "You swapped them: return (precision, recall).")
        if c is coef and abs(precision - (2 / 3 + 3 / 5) / 2) < 1e-6:
            return Feedback(False, "A weight of 1e-12 is numerically zero: count |w| > 1e-8 as selected.")
        if abs(recall - want[1]) > 1e-6:
            return Feedback(False, f"Recall for one test is {want[1]:.3f} (the share of the relevant "
                                   f"(input, task) pairs that were selected); yours is {recall:.3f}.")
        return Feedback(False, f"Precision for one test is {want[0]:.3f}, yours {precision:.3f}: per "
                               "task, the "
                               "share of selected inputs that are relevant (0 if none is selected), then "
                               "the mean over tasks.")
    return Feedback(True, "precision: how many selected inputs are relevant; recall: how many relevant "
                          "inputs were selected.")


# ---------------------------------------------------------------- exercise 4: the gradient cosine

#: (relatedness p, shared layers, hidden widths, seed) of the networks the checker builds
_COSINE_CASES = ((0.9, 1, (16,), 0), (0.0, 2, (16, 8), 1), (-0.5, 3, (8, 8, 8), 2), (0.5, 1, (4, 4), 3))


def cosine_case(p: float, shared_layers: int, hidden: tuple[int, ...], seed: int) -> tuple:
    """Two related regression tasks and an untrained ``HardSharingNet`` for them (global RNG untouched)."""
    import torch

    from mtl_lessons.data import related_tasks
    from mtl_lessons.torch.models import HardSharingNet

    data = related_tasks(n_train=40, p=p, dim=6, n_val=5, n_test=5, seed=seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = HardSharingNet(data.input_shape, data.output_sizes(), hidden, shared_layers=shared_layers)
    return model, data


def _flat_gradients(model, data, parameters) -> list:
    import torch

    x = torch.as_tensor(data.train.x)
    outputs = model(x)
    flat = []
    for task in data.tasks:
        loss = torch.mean((outputs[task] - torch.as_tensor(data.train.y[task])) ** 2)
        grads = torch.autograd.grad(loss, parameters, retain_graph=True, allow_unused=True)
        flat.append(torch.cat([(torch.zeros_like(p) if g is None else g).flatten()
                               for p, g in zip(parameters, grads, strict=True)]))
    return flat


@checker
def check_gradient_cosine(function: Callable) -> Feedback:
    """Exercise 7.4: ``function(model, data)`` is the cosine of the two tasks' shared-parameter gradients."""
    from mtl_lessons.torch import gradient_cosine

    for p, depth, hidden, seed in _COSINE_CASES:
        model, data = cosine_case(p, depth, hidden, seed)
        expected = float(gradient_cosine(model, data)[0, 1])
        got = function(model, data)
        if got is None:
            return Feedback(False, "Your function returned None: return the cosine as a number.")
        value = as_number(got, "the cosine your function returns")
        if isinstance(value, Feedback):
            return value
        if abs(value - expected) <= 1e-5:
            continue
        case = f"For p = {p} and {depth} shared layer(s) of {hidden}"
        g1, g2 = _flat_gradients(model, data, list(model.parameters()))
        if abs(value - float(g1 @ g2 / (g1.norm() * g2.norm()))) <= 1e-5:
            return Feedback(False, f"{case} you return the cosine over *all* parameters: the heads' "
                                   "gradients are zero for the other task and dilute it. Use "
                                   "model.shared_parameters() only.")
        s1, s2 = _flat_gradients(model, data, list(model.shared_parameters()))
        if abs(value - float(s1 @ s2)) <= 1e-5 * max(1.0, abs(float(s1 @ s2))):
            return Feedback(False, f"{case} you return the dot product: divide by both gradients' norms.")
        return Feedback(False, f"{case} the cosine is {expected:+.5f}; yours is {value:+.5f}. One loss per "
                               "task (mean squared error on the training split), its gradient on the "
                               "shared parameters, flattened, then the cosine of the two vectors.")
    return Feedback(True, "the same cosine as the package's gradient_cosine on every test network.")
