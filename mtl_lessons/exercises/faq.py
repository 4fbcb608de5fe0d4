"""Checkers for the exercises of the FAQ chapter: transfer or joint, the one-standard-error rule, leakage,
and when to stop a shared model whose tasks keep their own best epoch.

Each returns a :class:`~mtl_lessons.exercises.Feedback` that says what is wrong, never crashes on
an unfinished stub, and accepts every correct answer.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mtl_lessons.exercises import NOT_ANSWERED, Feedback, checker

# Exercise 16.1: transfer, joint training or neither ------------------------------------------------

OPTIONS = ("frozen trunk", "fine-tune all", "joint", "single-task")
_SCENARIO_ANSWERS = {"s1": "frozen trunk", "s2": "fine-tune all", "s3": "joint", "s4": "single-task"}
_SCENARIO_HINTS = {
    ("s1", "fine-tune all"): "s1: fine-tuning everything works, but with 30 examples of a task that is the "
                             "same function as A, the frozen trunk was better in every run of Q1: B only "
                             "needs a head, and cannot overfit the trunk.",
    ("s1", "joint"): "s1: only B is deployed and A is already the same function; training jointly lets B's "
                     "30 examples pull the trunk from the first step. Reuse A's trunk as it is.",
    ("s1", "single-task"): "s1: 30 examples alone waste the 10,000 examples of an identical task.",
    ("s2", "frozen trunk"): "s2: a frozen trunk only computes A's features; B also needs features of its "
                            "own, and with 300 examples it can afford to adapt the trunk.",
    ("s2", "joint"): "s2: only B is deployed; joint training also works, but in Q1 a transfer variant had "
                     "the lower error for related, non-identical tasks, and it is simpler to run.",
    ("s2", "single-task"): "s2: B is closely related to a task with far more data; ignoring A wastes it.",
    ("s3", "frozen trunk"): "s3: both predictions must be served; a trunk trained for one task alone is "
                            "not trained for the other.",
    ("s3", "fine-tune all"): "s3: fine-tuning for one task makes the trunk forget the other (Q1: the "
                             "source task's error more than doubled); both must be served by one model.",
    ("s3", "single-task"): "s3: one model must serve both predictions, and the data carry both labels.",
    ("s4", "frozen trunk"): "s4: the tasks need different features, so A's trunk cannot serve B.",
    ("s4", "fine-tune all"): "s4: A's trunk gave no gain on validation data, and B has plenty of data of its "
                             "own: pre-training adds cost and nothing else.",
    ("s4", "joint"): "s4: tasks that need different features compete for a shared trunk (negative "
                     "transfer in Q2), and B has enough data alone.",
}


@checker
def check_transfer_or_joint(choices: object) -> Feedback:
    """Exercise 16.1: ``{scenario: one of OPTIONS}`` for the four scenarios of the exercise."""
    if not isinstance(choices, dict):
        return Feedback(False, f"`choices` should be a dict such as {{'s1': 'joint', ...}}; got {choices!r}.")
    missing = [s for s in _SCENARIO_ANSWERS if choices.get(s) is None or choices.get(s) is Ellipsis]
    if len(missing) == len(_SCENARIO_ANSWERS):
        return NOT_ANSWERED
    if missing:
        return Feedback(False, f"Choose an option for {', '.join(missing)} too.")
    for scenario, right in _SCENARIO_ANSWERS.items():
        answer = choices[scenario]
        if not isinstance(answer, str) or answer.strip().lower() not in OPTIONS:
            return Feedback(False, f"{scenario}: choose one of {', '.join(repr(o) for o in OPTIONS)}; "
                                   f"got {answer!r}.")
        answer = answer.strip().lower()
        if answer != right:
            return Feedback(False, _SCENARIO_HINTS[scenario, answer])
    return Feedback(True, "Identical tasks: freeze; related ones: fine-tune; both tasks served by one model: "
                          "train jointly; unrelated tasks with plenty of data: train alone.")


# Exercise 16.2: the one-standard-error rule over folds --------------------------------------------

DEPTHS = (0, 1, 2, 3)
_UNIT = np.array([-1.5, -0.5, 0.0, 0.5, 1.5]) / np.array([-1.5, -0.5, 0.0, 0.5, 1.5]).std()  # mean 0, sd 1


def _fold_scores(means: list[float], spreads: list[float]) -> np.ndarray:
    """Per-fold criteria ``(depths, folds)`` with the given means and fold standard deviations."""
    return np.round(np.array(means)[:, None] + np.array(spreads)[:, None] * _UNIT[None, :], 6)


_ONE_SE_CASES = [  # (fold scores, what the case tests)
    (_fold_scores([0.50, 0.48, 0.47, 0.49], [0.06, 0.05, 0.05, 0.06]),
     "depths within one standard error of the best, the most shared one the cheapest"),
    (_fold_scores([0.60, 0.52, 0.50, 0.54], [0.05, 0.05, 0.05, 0.05]),
     "a depth within one standard deviation but not within one standard error"),
    (_fold_scores([0.70, 0.60, 0.50, 0.56], [0.02, 0.02, 0.02, 0.20]),
     "a candidate whose own spread is large"),
    (_fold_scores([0.40, 0.55, 0.60, 0.65], [0.03, 0.03, 0.03, 0.03]),
     "a best depth that no other depth comes near"),
]


def one_se_reference(fold_scores: np.ndarray) -> int:
    """The most shared depth whose mean criterion is within one standard error of the lowest mean.

    The standard error is the best depth's standard deviation over the folds (NumPy's default,
    as ``SharingCV.cv_fold_spread``) divided by the square root of the number of folds.
    """
    scores = np.asarray(fold_scores, dtype=float)
    mean = scores.mean(axis=1)
    best = int(mean.argmin())
    standard_error = scores[best].std() / np.sqrt(scores.shape[1])
    return int(np.flatnonzero(mean <= mean[best] + standard_error).max())


@checker
def check_one_se_choice(function: Callable) -> Feedback:
    """Exercise 16.2: ``function(fold_scores)`` applies the one-standard-error rule to ``(depths, folds)``."""
    for scores, what in _ONE_SE_CASES:
        value = function(scores.copy())
        if value is None:
            return NOT_ANSWERED
        if isinstance(value, np.ndarray) and value.size > 1:
            return Feedback(False, f"Return one depth (an int), not an array of shape {value.shape}.")
        try:
            depth = int(value)
        except (TypeError, ValueError):
            return Feedback(False, f"Return one depth, an int from 0 to 3; got {value!r}.")
        expected = one_se_reference(scores)
        if depth == expected:
            continue
        mean = scores.mean(axis=1)
        best = int(mean.argmin())
        within_sd = np.flatnonzero(mean <= mean[best] + scores[best].std())
        own_se = np.flatnonzero(mean - scores.std(axis=1) / np.sqrt(scores.shape[1]) <= mean[best])
        within_se = np.flatnonzero(mean <= mean[best] + scores[best].std() / np.sqrt(scores.shape[1]))
        if depth == best:
            hint = (f"Depth {depth} has the lowest mean: that is the plain cross-validation choice. The rule "
                    "takes the cheapest depth (the most shared) whose mean is within one standard error of "
                    "that lowest mean.")
        elif depth == int(within_se.min()):
            hint = (f"Depth {depth} is the least shared depth within one standard error; the cheapest "
                    "network is the most shared one (fewest parameters): take the largest such depth.")
        elif depth == int(within_sd.max()):
            hint = (f"Depth {depth} is within one standard deviation of the best mean, not within one "
                    "standard error: divide the best depth's fold spread by the square root of the number "
                    "of folds.")
        elif depth == int(own_se.max()):
            hint = (f"Depth {depth} is within its own standard error of the best; the rule measures every "
                    "candidate against the best depth's standard error.")
        else:
            hint = (f"For {what} the rule picks depth {expected}; you return {depth}. Means per depth: "
                    f"{np.round(mean, 3).tolist()}.")
        return Feedback(False, hint)
    return Feedback(True, "Your rule picks the most shared depth within one standard error of the best "
                          "mean, on every table.")


# Exercise 16.3: spot the leak -----------------------------------------------------------------------

_LEAKY = {2: "step 2 standardises with statistics of the test inputs",
          4: "step 4 normalises the criterion with the variance of the test targets",
          7: "step 7 chooses the depth by its test error, so the reported test error is biased downwards"}
_CLEAN = {1: "step 1 (one split before anything else) is what keeps the test set out",
          3: "step 3 trains and scores within the training split only",
          5: "step 5 chooses by the cross-validation criterion alone",
          6: "step 6 retrains on the training split and looks at the test split once"}


@checker
def check_leaky_steps(leaky_steps: object) -> Feedback:
    """Exercise 16.3: the set of step numbers (1 to 7) that leak information from the test split."""
    try:
        steps = {int(s) for s in leaky_steps}  # type: ignore[union-attr]
    except (TypeError, ValueError):
        return Feedback(False, f"`leaky_steps` should be a set of step numbers such as {{1, 5}}; got "
                               f"{leaky_steps!r}.")
    unknown = steps - set(_LEAKY) - set(_CLEAN)
    if unknown:
        return Feedback(False, f"The procedure has steps 1 to 7; {sorted(unknown)} is not one of them.")
    extra = sorted(steps - set(_LEAKY))
    if extra:
        return Feedback(False, "Not a leak: " + "; ".join(_CLEAN[s] for s in extra) + ".")
    missing = sorted(set(_LEAKY) - steps)
    if missing:
        return Feedback(False, f"You missed step{'s' if len(missing) > 1 else ''} "
                               f"{', '.join(map(str, missing))}: look again at every place where the test "
                               "split's inputs or targets are used before the final report.")
    return Feedback(True, "Steps 2, 4 and 7: " + "; ".join(_LEAKY.values()) + ".")


# Exercise 16.4: when to stop a shared model whose tasks keep their own best epoch -----------------


def stop_reference(val_errors: np.ndarray, patience: int) -> tuple[int, list[int]]:
    """The evaluation after which training stops, and each task's best evaluation up to it.

    Training stops once *every* task has gone ``patience`` evaluations without beating its own
    best (lower is better); each task is then served by the weights of its own best evaluation.
    """
    errors = np.asarray(val_errors, dtype=float)
    best_value = np.full(errors.shape[1], np.inf)
    best_index = [0] * errors.shape[1]
    waiting = np.zeros(errors.shape[1], dtype=int)
    for e, row in enumerate(errors):
        better = row < best_value
        best_value[better] = row[better]
        for t in np.flatnonzero(better):
            best_index[t] = e
        waiting = np.where(better, 0, waiting + 1)
        if waiting.min() >= patience:
            return e, best_index
    return len(errors) - 1, best_index


_STOP_CASES = [  # (validation errors (evaluations, tasks), patience, what the case tests)
    (np.array([[1.0, 1.0], [0.8, 0.9], [0.9, 0.7], [0.85, 0.6], [0.95, 0.65], [0.7, 0.66], [0.75, 0.68],
               [0.8, 0.69], [0.9, 0.5]]), 2,
     "task 1 stalls, then improves again while task 2 stalls; a late evaluation comes after the stop"),
    (np.array([[1.0, 1.0], [0.9, 0.8], [0.85, 1.2], [0.8, 1.3], [0.82, 1.3], [0.83, 1.4], [0.5, 0.5]]), 2,
     "task 1 improves a little while task 2 gets much worse"),
    (np.array([[1.0, 1.0, 1.0], [0.9, 0.9, 0.9], [0.8, 0.95, 0.85]]), 3, "a run too short to stop early"),
]


@checker
def check_stop_epochs(function: Callable) -> Feedback:
    """Exercise 16.4: ``function(val_errors, patience)`` returns ``(stop, best)`` as
    :func:`stop_reference`."""
    for errors, patience, what in _STOP_CASES:
        value = function(errors.copy(), patience)
        if value is None:
            return NOT_ANSWERED
        try:
            stop, best = int(value[0]), [int(b) for b in value[1]]
        except (TypeError, ValueError, IndexError):
            return Feedback(False, "Return a pair (stop, best): the index of the last evaluation and a list "
                                   f"with each task's best evaluation; got {value!r}.")
        expected_stop, expected_best = stop_reference(errors, patience)
        if (stop, best) == (expected_stop, expected_best):
            continue
        if len(best) != errors.shape[1]:
            return Feedback(False, f"`best` needs one evaluation index per task ({errors.shape[1]}); yours "
                                   f"has {len(best)}.")
        summed_stop = stop_reference(errors.sum(axis=1, keepdims=True), patience)[0]
        if stop != expected_stop:
            if stop < expected_stop and stop == summed_stop:
                hint = ("you stop when the sum of the tasks' errors stops improving; here one task was still "
                        "improving while the other got worse. Count each task's evaluations without "
                        "improvement separately.")
            elif stop < expected_stop:
                hint = ("you stop as soon as one task stalls; another task was still improving. Stop only "
                        "when every task has gone `patience` evaluations without improving.")
            else:
                hint = ("you stop later than the rule: stop at the first evaluation after which every task "
                        "has waited `patience` evaluations (count the evaluation that did not improve).")
            return Feedback(False, f"For {what} (patience {patience}) training stops after evaluation "
                                   f"{expected_stop}; you say {stop}: {hint}")
        whole = [int(i) for i in errors.argmin(axis=0)]
        if best == whole and whole != expected_best:
            return Feedback(False, f"For {what}, your best evaluations {best} include evaluations after "
                                   f"the stop at {expected_stop}, which were never run: look only up to the "
                                   "stop.")
        return Feedback(False, f"For {what} each task's best evaluation up to the stop is {expected_best}; "
                               f"yours is {best}.")
    return Feedback(True, "Your rule stops once every task has stalled and keeps each task's own best "
                          "evaluation, never one after the stop.")
