"""Checkers for the exercises of the chapter on tools and resources.

Each returns a :class:`~mtl_lessons.exercises.Feedback` that says what is wrong, never crashes on
an unfinished stub, and accepts every correct answer. Importing this module is cheap: PyTorch and
torchjd are imported only inside the checker that runs a student's training step.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from mtl_lessons.exercises import NOT_ANSWERED, Feedback, checker, unanswered

# Exercise 1: which tool for which need ---------------------------------------------------------

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
    """Exercise 1: ``{"sensors": letter, "conflict": letter, "tensorflow": letter}``."""
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


# Exercise 2: Keras's loss_weights for losses in units of each target's variance ---------------

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
    """Exercise 2: ``loss_weights`` that divide each output's MSE by the variance of its targets."""
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


# Exercise 3: how many inputs do the tasks select, together and each? --------------------------

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
    """Exercise 3: ``function(coef)`` returns ``(n_any, n_all)`` for a ``(tasks, inputs)`` array."""
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


# Exercise 4: a two-head training step ported to torchjd --------------------------------------


def _tiny_problem():
    """A fixed two-head regression network and a batch on which the two tasks' gradients conflict."""
    import torch
    from torch import nn

    class TinyTwoHeads(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.trunk = nn.Sequential(nn.Linear(4, 6), nn.ReLU())
            self.heads = nn.ModuleDict({"task1": nn.Linear(6, 1), "task2": nn.Linear(6, 1)})

        def forward(self, x):
            features = self.trunk(x)
            return {task: head(features).squeeze(-1) for task, head in self.heads.items()}

    generator = torch.Generator().manual_seed(0)
    x = torch.randn(32, 4, generator=generator)
    direction = torch.tensor([1.0, -0.5, 0.25, 2.0])
    y = {"task1": x @ direction, "task2": -(x @ direction) + 0.3 * torch.randn(32, generator=generator)}
    state = None
    models = []
    for _ in range(5):
        with torch.random.fork_rng(devices=[]):  # building layers draws numbers: keep the caller's stream
            model = TinyTwoHeads()
        if state is None:
            with torch.no_grad():
                for parameter in model.parameters():
                    parameter.copy_(0.5 * torch.randn(parameter.shape, generator=generator))
            state = {k: v.clone() for k, v in model.state_dict().items()}
        model.load_state_dict(state)
        models.append(model)
    return models, x, y


def _flat(model) -> list:
    return [p.detach().clone() for p in model.parameters()]


def _gap(a: list, b: list) -> float:
    return max(float((p - q).abs().max()) for p, q in zip(a, b, strict=True))


def _reference_jd_step(model, x, y, aggregator, lr: float) -> None:
    import torch
    import torch.nn.functional as F  # noqa: N812
    from torchjd.autojac import jac_to_grad, mtl_backward

    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    features = model.trunk(x)
    losses = [F.mse_loss(head(features).squeeze(-1), y[task]) for task, head in model.heads.items()]
    optimizer.zero_grad()
    mtl_backward(losses, features=features)
    jac_to_grad(list(model.trunk.parameters()), aggregator)
    optimizer.step()


def _sum_step(model, x, y, lr: float) -> None:
    import torch
    import torch.nn.functional as F  # noqa: N812

    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    outputs = model(x)
    loss = sum(F.mse_loss(outputs[t], y[t]) for t in y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def _all_parameters_step(model, x, y, aggregator, lr: float) -> None:
    import torch
    import torch.nn.functional as F  # noqa: N812
    from torchjd.autojac import backward, jac_to_grad

    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    outputs = model(x)
    optimizer.zero_grad()
    backward([F.mse_loss(outputs[t], y[t]) for t in y])
    jac_to_grad(list(model.parameters()), aggregator)
    optimizer.step()


@checker
def check_jd_step(function: Callable) -> Feedback:
    """Exercise 4: ``function(model, optimizer, x, y, aggregator)`` takes one torchjd step.

    The expected step: the shared features, one MSE per head, ``mtl_backward`` on the features,
    ``jac_to_grad`` on the trunk's parameters with ``aggregator``, then the optimiser's step.
    """
    import torch
    from torchjd.aggregation import MGDA, UPGrad

    lr = 0.05
    for name, make in (("UPGrad()", UPGrad), ("MGDA()", MGDA)):
        (student, reference, summed, everything, _), x, y = _tiny_problem()
        start = _flat(student)
        optimizer = torch.optim.SGD(student.parameters(), lr=lr)
        function(student, optimizer, x, y, make())
        _reference_jd_step(reference, x, y, make(), lr)
        if _gap(_flat(student), _flat(reference)) <= 1e-6:
            continue
        _sum_step(summed, x, y, lr)
        _all_parameters_step(everything, x, y, make(), lr)
        mine = _flat(student)
        trunk_count = len(list(student.trunk.parameters()))
        if _gap(mine, start) == 0.0:
            return Feedback(False, "No parameter changed: after mtl_backward and jac_to_grad, call "
                                   "optimizer.step().")
        if _gap(mine, _flat(summed)) <= 1e-6:
            return Feedback(False, f"With {name} your step equals plain back-propagation of the sum of the "
                                   "losses; call mtl_backward(losses, features=features) and then "
                                   "jac_to_grad on the trunk's parameters with the aggregator.")
        if _gap(mine[:trunk_count], start[:trunk_count]) == 0.0:
            return Feedback(False, "The heads moved but the trunk did not: mtl_backward leaves the "
                                   "Jacobian in the shared parameters' .jac fields; jac_to_grad(trunk "
                                   "parameters, aggregator) turns it into their .grad.")
        if _gap(mine, _flat(everything)) <= 1e-6:
            return Feedback(False, "You aggregated the Jacobian of every parameter. Aggregate only the "
                                   "trunk's: mtl_backward gives each head the gradient of its own task.")
        if _gap(mine[trunk_count:], start[trunk_count:]) == 0.0:
            return Feedback(False, "The trunk moved but the heads did not: pass the losses to "
                                   "mtl_backward, which also writes each head's gradient.")
        return Feedback(False, f"With {name} your parameters differ from the expected step by up to "
                               f"{_gap(mine, _flat(reference)):.3g}.")
    return Feedback(True, "The same step as mtl_backward + jac_to_grad with UPGrad and with MGDA: the "
                          "heads get their own task's gradient, the trunk the aggregated one.")
