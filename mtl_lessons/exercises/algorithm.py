"""Checkers for the exercises of the chapter "The algorithm step by step".

Each checker returns a :class:`~mtl_lessons.exercises.Feedback` and never crashes on an
unfinished answer. The reference computations live here too, so that the unit tests can check
them against the package itself.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from numbers import Real

from mtl_lessons._checks import check_int
from mtl_lessons.exercises import Feedback, checker, multiple_choice
from mtl_lessons.metrics import delta_m

# ---------------------------------------------------------------------------- exercise 1: counting

#: The network of exercise 1: digit pairs (8 x 16 pixels), three tasks, hidden widths (32, 16).
EXERCISE_INPUT = 8 * 16
EXERCISE_HIDDEN = (32, 16)
EXERCISE_HEADS = {"left": 10, "right": 10, "sum": 19}
EXERCISE_SHARED = 1


def hard_sharing_parameters(
    input_size: int, hidden: Sequence[int], heads: Mapping[str, int], shared_layers: int,
    biases: bool = True,
) -> int:
    """Trainable scalars of a ``HardSharingNet``, counted by hand: shared layers once, the rest per task."""
    input_size = check_int("input_size", input_size, minimum=1)
    widths = [input_size, *(check_int("hidden width", h, minimum=1) for h in hidden)]
    shared_layers = check_int("shared_layers", shared_layers, minimum=0, maximum=len(hidden))
    if not heads:
        raise ValueError(f"heads must name at least one task, got {heads!r}")
    extra = 1 if biases else 0
    layer = [(a + extra) * b for a, b in zip(widths[:-1], widths[1:], strict=True)]
    shared = sum(layer[:shared_layers])
    per_task_hidden = sum(layer[shared_layers:])
    outputs = sum((widths[-1] + extra) * check_int(f"heads[{t!r}]", u, minimum=1)
                  for t, u in heads.items())
    return shared + len(heads) * per_task_hidden + outputs


@checker
def check_parameter_count(answer: object) -> Feedback:
    """Exercise 2.1: the parameter count of the partially shared network described in the exercise."""
    if isinstance(answer, bool) or not isinstance(answer, Real):
        return Feedback(False, f"The answer should be a whole number of parameters; got {answer!r}.")
    if answer != int(answer):
        return Feedback(False, f"A parameter count is a whole number; got {answer!r}.")
    answer = int(answer)

    def count(shared: int, biases: bool = True, heads: Mapping[str, int] = EXERCISE_HEADS) -> int:
        return hard_sharing_parameters(EXERCISE_INPUT, EXERCISE_HIDDEN, heads, shared, biases)

    expected = count(EXERCISE_SHARED)
    if answer == expected:
        return Feedback(True, f"{expected:,} parameters: the first hidden layer once, the second "
                              "layer and the output layer once per task.")
    ten_classes = {t: 10 for t in EXERCISE_HEADS}
    hints = {
        count(EXERCISE_SHARED, biases=False): "you left out the biases: a Linear(a, b) layer has "
                                              "(a + 1) * b parameters.",
        count(0): "that is the count with nothing shared (three separate networks).",
        count(len(EXERCISE_HIDDEN)): "that is the count with both hidden layers shared.",
        count(EXERCISE_SHARED, heads=ten_classes): "every head has its own number of outputs: the "
                                                   "sum task has 19 classes (0 to 18), not 10.",
    }
    if answer in hints:
        return Feedback(False, f"{answer:,} is not it: {hints[answer]}")
    direction = "too many" if answer > expected else "too few"
    return Feedback(False, f"{answer:,} is {direction}. Count each Linear layer as (inputs + 1) x "
                           "outputs; count a shared layer once and a task-specific one once per task.")


# ------------------------------------------------------------------- exercise 2: the multi-task gain


def delta_mtl(
    mtl: Mapping[str, float], stl: Mapping[str, float], lower_is_better: Collection[str] = ()
) -> float:
    """The exercise's answer in the exercise's arguments: :func:`mtl_lessons.metrics.delta_m`, in percent.

    ``100 / T * sum_t (-1)^l_t (M_mtl,t - M_stl,t) / M_stl,t`` with ``l_t = 1`` for the tasks in
    ``lower_is_better`` (an error), ``0`` otherwise (Maninis et al. 2019).
    """
    unknown = set(lower_is_better) - set(mtl)
    if unknown:
        raise ValueError(f"lower_is_better names unknown tasks {sorted(unknown)}; tasks are {sorted(mtl)}")
    return delta_m(mtl, stl, {task: task not in lower_is_better for task in mtl})


_DELTA_CASES = (
    # (mtl, stl, lower_is_better)
    ({"a": 0.9, "b": 0.5}, {"a": 0.8, "b": 0.5}, ()),
    ({"a": 0.75, "b": 0.30}, {"a": 0.80, "b": 0.20}, ()),
    ({"acc": 0.9, "mse": 0.5}, {"acc": 0.9, "mse": 0.4}, ("mse",)),
    ({"x": 2.0, "y": 0.6, "z": 0.25}, {"x": 2.5, "y": 0.5, "z": 0.2}, ("x",)),
)


@checker
def check_delta_mtl(function: Callable[..., float]) -> Feedback:
    """Exercise 2.2: does ``function(mtl, stl, lower_is_better)`` compute the average relative gain?"""
    if not callable(function):
        return Feedback(False, f"Pass your function itself, not {function!r}.")
    for mtl, stl, lower in _DELTA_CASES:
        expected = delta_mtl(mtl, stl, lower)
        value = function(dict(mtl), dict(stl), tuple(lower))
        if value is None:
            return Feedback(False, "Your function returned None: did you forget `return`?")
        try:
            value = float(value)
        except (TypeError, ValueError):
            return Feedback(False, f"Your function should return a number; it returned {value!r}.")
        if abs(value - expected) <= 1e-6 * max(1.0, abs(expected)):
            continue
        case = f"For mtl={mtl}, stl={stl}, lower_is_better={lower}"
        if abs(value * 100 - expected) <= 1e-6 * max(1.0, abs(expected)):
            return Feedback(False, f"{case}, you returned {value:.4g}, a fraction: report percent "
                                   f"(expected {expected:.4g}).")
        if lower and abs(value - delta_mtl(mtl, stl, ())) <= 1e-6:
            return Feedback(False, f"{case}, you returned {value:.4g}: an error that goes down is "
                                   f"a gain, so flip the sign for lower-is-better tasks (expected "
                                   f"{expected:.4g}).")
        if abs(value - expected * len(stl)) <= 1e-6 * max(1.0, abs(expected)):
            return Feedback(False, f"{case}, you returned {value:.4g}: average over the tasks "
                                   f"instead of summing (expected {expected:.4g}).")
        return Feedback(False, f"{case}, you returned {value:.4g}; expected {expected:.4g}. Divide "
                               "each difference by the single-task value.")
    return Feedback(True, "Your function gives the average relative gain on every test case.")


# ------------------------------------------------------------------ exercise 3: why does sum gain?

#: The hidden widths of every network of the chapter's experiments (step 5).
CHAPTER_HIDDEN = (64, 64)


def task_path_parameters(input_size: int, hidden: Sequence[int], n_outputs: int) -> int:
    """Parameters on one task's path from input to output, whether its layers are shared or its own."""
    return hard_sharing_parameters(input_size, hidden, {"task": n_outputs}, len(hidden))


#: The sum task's path in every model of step 5: 13,651 parameters.
SUM_PATH = task_path_parameters(EXERCISE_INPUT, CHAPTER_HIDDEN, EXERCISE_HEADS["sum"])

WHY_SUM_GAINS = {
    "A": "The hard-sharing model gives the sum task more parameters than a single-task network.",
    "B": "The left and right labels teach the shared layers which digit is on each side, which is "
         "what the sum head needs; a sum label alone says much less about each digit.",
    "C": "The sum task's test pairs are easier for the hard-sharing model than for the others.",
    "D": "Sharing regularises every task, so every task gains from it.",
}

_WHY_FEEDBACK = {
    "A": f"the sum task's prediction passes through {SUM_PATH:,} parameters in every model of step 5: "
         "hard sharing's trunk and sum head, the sum network inside the separate model and the one-task "
         "network have the same layers on that path. Sharing gives the sum no more parameters; it trains "
         "the same number with the left and right labels as well.",
    "B": "a sum label such as 9 fits ten different pairs of digits, so it teaches the network far "
         "less about each digit than the left and right labels do, on the same images.",
    "C": "every model is scored on the same test pairs of the same seed.",
    "D": "in the measurements, hard sharing made left and right slightly worse: not every task gains.",
}


@checker
def check_why_sum_gains(answer: object) -> Feedback:
    """Exercise 2.3: which explanation of the sum task's gain fits the measurements?"""
    if not isinstance(answer, str) or answer.strip().upper() not in WHY_SUM_GAINS:
        return Feedback(False, f"Answer with one letter out of {', '.join(WHY_SUM_GAINS)}; got {answer!r}.")
    letter = answer.strip().upper()
    if letter == "B":
        return Feedback(True, _WHY_FEEDBACK["B"])
    return Feedback(False, f"{letter} does not fit: {_WHY_FEEDBACK[letter]}")


_UNEQUAL = {
    "a": "zip stops at the shorter loader: after 4 steps of each task, 900 of the 1,000 examples of the "
         "large task are never seen in the epoch.",
    "b": "cycling the small loader visits every example of both tasks, but it takes 20 steps of each: the "
         "small task's 200 examples are seen five times per epoch, and its pull on the trunk becomes five "
         "times as frequent as its data justify. That is right only if the small task matters that much "
         "more, and then it risks overfitting.",
    "c": "sampling each step's task in proportion to its data size (five large-task steps per small-task "
         "step on average) visits every example about once per epoch and keeps the trunk's updates in "
         "proportion to the evidence; if the small task matters more, raise its probability (or its loss "
         "weight) on purpose, and watch it for overfitting.",
    "d": "joint training needs every example to carry both labels; here each example has one label only, "
         "so a joint batch would have a loss for one task only anyway.",
}


@checker
def check_unequal_loaders(answer: object) -> Feedback:
    """Exercise 2.4 (design): two tasks with data sets of 1,000 and 200 examples, trained alternately."""
    return multiple_choice(answer, "c", _UNEQUAL)
