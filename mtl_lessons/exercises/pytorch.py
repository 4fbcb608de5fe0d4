"""Checkers for the exercises of the chapter "Multi-task learning in PyTorch".

Each checker returns a :class:`~mtl_lessons.exercises.Feedback` and never crashes on an
unfinished answer. PyTorch is imported only inside the checkers that need it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from mtl_lessons.exercises import (
    NOT_ANSWERED,
    Feedback,
    as_number,
    checker,
    close_to,
    multiple_choice,
    unanswered,
)

SUM_CLASSES = 19  # the "sum" task of digit_pairs: left + right, 0 to 18


def _softmax_floor(n_classes: int) -> float:
    """Lowest cross-entropy reachable when probabilities are fed to a loss that expects logits."""
    return math.log(1 + (n_classes - 1) / math.e)


@checker
def check_softmax_floor(answer: float) -> Feedback:
    """Exercise 4.1: the loss floor of ``F.cross_entropy`` on softmax outputs, for 19 classes."""
    value = as_number(answer)
    if isinstance(value, Feedback):
        return value
    expected = _softmax_floor(SUM_CLASSES)
    hints = (
        (math.log(SUM_CLASSES), "that is the loss of a uniform prediction, ln(19). The best the bug "
                                "allows is a one-hot probability vector: feed it to the softmax."),
        (0.0, "0 is the floor when the loss receives logits. Here it receives probabilities in [0, 1], "
              "which the loss passes through a second softmax."),
        (_softmax_floor(10), "that is the floor for 10 classes; the sum task has 19 (sums 0 to 18)."),
        (_softmax_floor(18), "that is the floor for 18 classes; the sums run from 0 to 18: 19 classes."),
    )
    if abs(value - expected) > 0.005:
        for wrong, hint in hints:
            if abs(value - wrong) <= 0.005:
                return Feedback(False, f"{value:.4g}: {hint}")
    return close_to(value, expected, 0.005, "the floor of the loss")


# Exercise 4.2: partial sharing with three tasks. The architecture asked for.
SHARED_WIDTH = 64
HEAD_WIDTH = 32


def _expected_parameters(n_inputs: int, heads: Mapping[str, int]) -> int:
    """Parameters of: shared Linear(n_inputs, 64); per task Linear(64, 32) and Linear(32, units)."""
    shared = n_inputs * SHARED_WIDTH + SHARED_WIDTH
    per_task = sum(SHARED_WIDTH * HEAD_WIDTH + HEAD_WIDTH + HEAD_WIDTH * u + u for u in heads.values())
    return shared + per_task


def _check_one_build(build: Callable, input_shape: tuple[int, ...], heads: dict[str, int]) -> Feedback:
    import torch
    from torch import nn

    model = build(input_shape, dict(heads))
    if not isinstance(model, nn.Module):
        return Feedback(False, f"build_model should return an nn.Module; it returned {type(model).__name__}.")
    x = torch.rand(5, *input_shape)
    outputs = model(x)
    if not isinstance(outputs, Mapping):
        return Feedback(False, f"forward should return a dict {{task: output}}; it returned "
                               f"{type(outputs).__name__}.")
    if set(outputs) != set(heads):
        return Feedback(False, f"forward returned the keys {sorted(outputs)}; expected one per task: "
                               f"{sorted(heads)}.")
    for task, units in heads.items():
        shape = tuple(getattr(outputs[task], "shape", ()))
        if shape != (5, units):
            return Feedback(False, f"for a batch of 5 inputs of shape {input_shape}, task {task!r} should "
                                   f"output shape (5, {units}); got {shape}. Did you flatten the input?")
    # Which parameter tensors does each task's output depend on?
    params = [p for p in model.parameters() if p.requires_grad]
    reached: dict[str, set[int]] = {}
    for task in heads:
        model.zero_grad(set_to_none=True)
        model(x)[task].sum().backward()
        reached[task] = {i for i, p in enumerate(params)
                         if p.grad is not None and bool(p.grad.abs().sum() > 0)}
    shared = set.intersection(*reached.values())
    if not shared:
        return Feedback(False, "no parameter receives a gradient from every task: nothing is shared. "
                               "Put the first hidden layer in a trunk that every head reads from.")
    for task in heads:
        others = set().union(*(reached[t] for t in heads if t != task))
        own = reached[task] - others
        if len(own) < 4:
            return Feedback(False, f"task {task!r} has {len(own)} parameter tensor(s) of its own; its head "
                                   "should hold two layers (a hidden layer and the output layer), i.e. four "
                                   "tensors (two weights, two biases).")
    n_inputs = math.prod(input_shape)
    expected = _expected_parameters(n_inputs, heads)
    found = sum(p.numel() for p in params)
    if found != expected:
        return Feedback(False, f"the model has {found:,} parameters; this architecture (shared "
                               f"Linear({n_inputs}, {SHARED_WIDTH}), then per task Linear({SHARED_WIDTH}, "
                               f"{HEAD_WIDTH}) and Linear({HEAD_WIDTH}, units)) has {expected:,}. Check the "
                               "layer widths.")
    return Feedback(True, f"{found:,} parameters for heads {heads}: {len(shared)} shared tensors, "
                          "and a two-layer head per task.")


@checker
def check_partial_sharing(build: Callable) -> Feedback:
    """Exercise 4.2: ``build(input_shape, heads)`` returns a model with one shared layer
    and two-layer heads."""
    if not callable(build):
        return Feedback(False, f"pass the function build_model itself; got {type(build).__name__}.")
    first = _check_one_build(build, (8, 16), {"left": 10, "right": 10, "sum": SUM_CLASSES})
    if not first:
        return first
    other_shape, other_heads = (4, 6), {"parity": 2, "digit": 10}
    try:
        second = _check_one_build(build, other_shape, other_heads)
    except Exception as error:  # noqa: BLE001 - the student's code: report, do not crash
        second = Feedback(False, f"your code raised {type(error).__name__}: {error}")
    if not second:
        return Feedback(False, f"it works for the digit pairs, but not for other inputs and heads "
                               f"(input shape {other_shape}, heads {other_heads}): {second.message}")
    return first


# Exercise 4.3: symptoms (numbered) matched with causes (lettered).
DIAGNOSIS = {1: "a", 2: "c", 3: "e", 4: "b", 5: "d"}


@checker
def check_diagnosis(answer: Mapping) -> Feedback:
    """Exercise 4.3: ``{symptom number: bug letter}`` for the five symptoms of the chapter."""
    if not isinstance(answer, Mapping):
        return Feedback(False, f"the answer should be a dict {{symptom number: letter}}; got "
                               f"{type(answer).__name__}.")
    given: dict[int, object] = {}
    for key, value in answer.items():
        try:
            number = int(key)
        except (TypeError, ValueError):
            return Feedback(False, f"{key!r} is not a symptom number; use the numbers 1 to 5 as keys.")
        given[number] = value
    missing = sorted(set(DIAGNOSIS) - set(given))
    if missing:
        return Feedback(False, f"no answer for symptom(s) {missing}; give a letter for each of 1 to 5.")
    extra = sorted(set(given) - set(DIAGNOSIS))
    if extra:
        return Feedback(False, f"there is no symptom {extra}; the symptoms are numbered 1 to 5.")
    open_ones = [n for n in sorted(given) if unanswered(given[n])]
    if len(open_ones) == len(DIAGNOSIS):
        return NOT_ANSWERED
    if open_ones:
        return Feedback(False, f"symptom(s) {open_ones} have no letter yet.")
    letters = {n: str(v).strip().lower() for n, v in given.items()}
    bad = [n for n, v in letters.items() if v not in "abcde" or len(v) != 1]
    if bad:
        return Feedback(False, f"symptom(s) {bad}: use one of the letters a to e.")
    wrong = [n for n in sorted(DIAGNOSIS) if letters[n] != DIAGNOSIS[n]]
    if wrong:
        return Feedback(False, f"{len(DIAGNOSIS) - len(wrong)} of 5 right; look again at symptom(s) {wrong}.")
    return Feedback(True, "all five symptoms matched with their causes.")


_CHOOSE_LAMBDA = {
    "a": "the test split must stay untouched until the end: a λ chosen on it makes the reported test "
         "accuracy an optimistic estimate of what the model will do on new data.",
    "b": "the training loss falls as λ falls (a weaker tie lets each column fit its own data), so it "
         "always picks the smallest λ, whatever generalises best.",
    "c": "the validation split exists for this: average the tasks' validation accuracies (weighted by "
         "how much each task matters) over several seeds, and take the best λ; then report its test "
         "accuracy once.",
    "d": "the columns' distance says how similar the networks are, not how well they predict: λ = 10 "
         "makes them nearly equal and was the worst setting.",
}


@checker
def check_choose_lambda(answer: object) -> Feedback:
    """Exercise 4.4 (design): on what, and how, to choose the soft-sharing strength λ."""
    return multiple_choice(answer, "c", _CHOOSE_LAMBDA)
