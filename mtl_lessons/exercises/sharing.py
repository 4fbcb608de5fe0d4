"""Checkers for the exercises of the chapter on how much to share.

Each returns a :class:`~mtl_lessons.exercises.Feedback` that says what is wrong, never crashes on
an unfinished stub, and accepts every correct answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from mtl_lessons._checks import check_int
from mtl_lessons.analysis import off_diagonal_share
from mtl_lessons.exercises import Feedback, checker


def cross_stitch_parameters(in_features: int, hidden: Sequence[int], n_tasks: int) -> int:
    """Trainable scalars of ``CrossStitchNet`` with one output unit per task, by the formula."""
    in_features = check_int("in_features", in_features, minimum=1)
    n_tasks = check_int("n_tasks", n_tasks, minimum=1)
    widths = [in_features, *(check_int("hidden width", h, minimum=1) for h in hidden), 1]
    column = sum(a * b + b for a, b in zip(widths[:-1], widths[1:], strict=True))
    return n_tasks * column + len(hidden) * n_tasks**2


@checker
def check_cross_stitch_count(
    answer: object, in_features: int = 10, hidden: Sequence[int] = (32, 32, 32), n_tasks: int = 3
) -> Feedback:
    """Exercise 6.1: the parameter count of a cross-stitch network."""
    if isinstance(answer, bool) or not isinstance(answer, (int, np.integer)):
        return Feedback(False, f"`answer` should be a whole number of parameters; got {answer!r}.")
    answer = int(answer)
    expected = cross_stitch_parameters(in_features, hidden, n_tasks)
    stitches = len(hidden) * n_tasks**2
    if answer == expected:
        return Feedback(True, f"{expected} parameters: {expected - stitches} in the {n_tasks} columns "
                              f"and only {stitches} in the stitch units.")
    if answer == expected - stitches:
        return Feedback(False, "That is the count of separate networks: add the stitch units, one "
                               f"{n_tasks} x {n_tasks} matrix after each hidden layer.")
    if answer == expected - stitches + len(hidden) * n_tasks:
        return Feedback(False, f"Each stitch unit is a full {n_tasks} x {n_tasks} matrix (every task "
                               "mixes every task), not one number per task.")
    if answer == expected - stitches + (len(hidden) - 1) * n_tasks**2:
        return Feedback(False, "There is one stitch unit after *every* hidden layer, the last included.")
    direction = "too many" if answer > expected else "too few"
    return Feedback(False, f"{answer} is {direction}. Count one column (weights and biases of each "
                           "layer, then the output unit), multiply by the tasks, add the stitches.")


_SHARE_CASES = [
    np.eye(2),
    np.full((2, 2), 0.5),
    np.array([[0.9, 0.1], [0.1, 0.9]]),
    np.array([[1.0, -0.2], [0.3, 0.8]]),
    np.array([[0.8, 0.1, 0.1], [0.0, 1.0, 0.0], [0.2, 0.2, 0.6]]),
]


@checker
def check_off_diagonal_share(function: Callable) -> Feedback:
    """Exercise 6.2: ``function(stitch)`` is the share of the absolute stitch mass off the diagonal."""
    results = []
    for case in _SHARE_CASES:
        value = function(case.copy())
        if value is None:
            return Feedback(False, "Your function returned None: return the share as a number.")
        try:
            results.append(float(value))
        except (TypeError, ValueError):
            return Feedback(False, f"Return one number; got {value!r}.")
    expected = [off_diagonal_share(c) for c in _SHARE_CASES]
    if np.allclose(results, expected, atol=1e-6):
        return Feedback(True, "0 for independent columns, 0.5 for two columns that see the same "
                              "mixture, and signs do not cancel.")
    signed = [float((c.sum() - np.trace(c)) / c.sum()) for c in _SHARE_CASES]
    if np.allclose(results, signed, atol=1e-6):
        return Feedback(False, "A negative stitch weight mixes as much as a positive one: use "
                               "absolute values, or the two signs cancel.")
    raw = [float(np.abs(c).sum() - np.trace(np.abs(c))) for c in _SHARE_CASES]
    if np.allclose(results, raw, atol=1e-6):
        return Feedback(False, "Divide by the total absolute mass, so that the share lies in [0, 1].")
    if abs(results[0]) > 1e-6:
        return Feedback(False, "The identity matrix (no mixing at all) should give 0; yours gives "
                               f"{results[0]:.3g}.")
    return Feedback(False, f"For {_SHARE_CASES[2].tolist()} the share is {expected[2]:.3g}; yours is "
                           f"{results[2]:.3g}. Sum |A_ij| over i != j, divide by the sum of all |A_ij|.")


def _reference_choice(val_mse: np.ndarray) -> int:
    return int(np.argmin(np.asarray(val_mse, dtype=float).mean(axis=(1, 2))))


@checker
def check_choose_depth(function: Callable) -> Feedback:
    """Exercise 6.3: ``function(val_mse)`` picks the depth with the lowest mean validation MSE."""
    rng = np.random.default_rng(0)
    cases = []
    for best in (0, 2, 3, 1):
        values = 1.0 + 0.2 * rng.random((4, 5, 2))
        values[best] -= 0.15
        cases.append(values)
    tricky = np.ones((3, 4, 2))  # depth 1 wins on average, depth 2 has the single best run
    tricky[1] -= 0.1
    tricky[2, 0, 0] = 0.2
    tricky[2, 1:, :] = 1.2
    cases.append(tricky)
    answers = []
    for values in cases:
        got = function(values.copy())
        if got is None:
            return Feedback(False, "Your function returned None: return the chosen depth (an int).")
        if isinstance(got, bool) or not isinstance(got, (int, np.integer)):
            return Feedback(False, f"Return the depth as an int; got {got!r}.")
        answers.append(int(got))
    wanted = [_reference_choice(v) for v in cases]
    if answers != wanted:
        if answers == [int(np.argmax(v.mean(axis=(1, 2)))) for v in cases]:
            return Feedback(False, "You picked the depth with the *largest* validation error: take the "
                                   "minimum.")
        if answers == [int(np.unravel_index(np.argmin(v), v.shape)[0]) for v in cases]:
            return Feedback(False, "You picked the depth of the single best run: one lucky seed can win "
                                   "that way. Average over seeds and tasks first, then take the minimum.")
        k = next(i for i, (a, b) in enumerate(zip(answers, wanted, strict=True)) if a != b)
        return Feedback(False, f"For one test array the right depth is {wanted[k]}, yours is {answers[k]}: "
                               "average the validation MSE over seeds and tasks, then take the argmin.")
    return Feedback(True, "the depth with the lowest validation error averaged over seeds and tasks; "
                          "the test split stays untouched until the end.")


# ---------------------------------------------------------------- exercise 4: the cross-stitch unit

#: (tasks, examples, hidden width, seed) of the networks the checker builds
_STITCH_CASES = ((2, 5, 3, 0), (3, 4, 6, 1), (2, 1, 8, 2), (4, 3, 2, 3))


def stitch_case(n_tasks: int, n_examples: int, width: int, seed: int) -> tuple:
    """A one-layer ``CrossStitchNet`` (float64) with a random, non-symmetric stitch matrix, and an input.

    Returns ``(net, x, activations, stitch)``: the columns' activations before the unit, shape
    ``(T, n, width)``, as NumPy, with the unit's matrix. The global random state is left untouched.
    """
    import torch

    from mtl_lessons.torch.models import CrossStitchNet

    n_tasks = check_int("n_tasks", n_tasks, minimum=2)
    generator = torch.Generator().manual_seed(check_int("seed", seed, minimum=0))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = CrossStitchNet(5, {f"task{k + 1}": 1 for k in range(n_tasks)}, hidden=(width,)).double()
    stitch = 2.0 * torch.rand((n_tasks, n_tasks), generator=generator, dtype=torch.float64) - 0.5
    n_examples = check_int("n_examples", n_examples, minimum=1)
    x = torch.randn((n_examples, 5), generator=generator, dtype=torch.float64)
    with torch.no_grad():
        net.stitches[0].copy_(stitch)
        activations = torch.stack([torch.relu(layer(x)) for layer in net.layers[0]])
    return net, x, activations.numpy(), stitch.numpy()


@checker
def check_cross_stitch_mix(function: Callable) -> Feedback:
    """Exercise 6.4: ``function(activations, stitch)`` mixes the columns as ``CrossStitchNet`` does."""
    import torch

    for n_tasks, n_examples, width, seed in _STITCH_CASES:
        net, x, activations, stitch = stitch_case(n_tasks, n_examples, width, seed)
        got = function(activations.copy(), stitch.copy())
        if got is None:
            return Feedback(False, "Your function returned None: return the mixed activations.")
        try:
            mixed = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            return Feedback(False, f"Return an array of shape (T, n, d); got {type(got).__name__}.")
        if mixed.shape != activations.shape:
            return Feedback(False, f"For {n_tasks} columns of {n_examples} examples and {width} units the "
                                   f"mixed activations have shape {activations.shape}; yours "
                                   f"{mixed.shape}.")
        with torch.no_grad():
            wanted = net(x)
            yours = {name: net.squeeze(name, net.outputs[name](torch.as_tensor(mixed[i])))
                     for i, name in enumerate(net.tasks)}
        if all(torch.allclose(yours[t], wanted[t], atol=1e-9) for t in net.tasks):
            continue
        if np.allclose(mixed, activations):
            return Feedback(False, "You returned the activations unchanged: that is A = I, separate "
                                   "networks. Mix them with the stitch matrix.")
        if np.allclose(mixed, np.einsum("ji,jnd->ind", stitch, activations)):
            return Feedback(False, "You mixed with the transposed matrix: column i's new activation is "
                                   "sum over j of A[i, j] times column j, so row i of A holds its weights.")
        if np.allclose(mixed, stitch.sum(axis=1)[:, None, None] * activations):
            return Feedback(False, "Each new column must mix *all* columns, not rescale its own.")
        return Feedback(False, f"With {n_tasks} columns the network's outputs differ from those your mixed "
                               "activations give: new column i = sum over j of A[i, j] * column j.")
    return Feedback(True, "your mixing gives CrossStitchNet's own outputs on every test network: row i "
                          "of A holds the weights with which task i's column reads all the columns.")
