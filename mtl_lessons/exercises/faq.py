"""Checkers for the exercises of the FAQ chapter: transfer or joint training, cross-validation, leakage.

Each returns a :class:`~mtl_lessons.exercises.Feedback` that says what is wrong, never crashes on
an unfinished stub, and accepts every correct answer.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mtl_lessons.exercises import NOT_ANSWERED, Feedback, checker

# Exercise 1: transfer, joint training or neither ------------------------------------------------

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
    """Exercise 1: ``{scenario: one of OPTIONS}`` for the four scenarios of the exercise."""
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


# Exercise 2: a cross-validation choice by hand --------------------------------------------------

DEPTHS = (0, 1, 2, 3)


def _fold_table() -> tuple[np.ndarray, np.ndarray]:
    """Held-out MSE (depths, folds, tasks) and training-fold variances (folds, tasks) for exercise 2.

    Normalised, depth 2 has the lowest mean; in raw units task 2 (variance about 100) favours depth
    0; and depth 3 has one lucky fold, the lowest of all.
    """
    rng = np.random.default_rng(16)
    normalised_mean = np.array([[0.30, 0.20], [0.26, 0.24], [0.20, 0.22], [0.27, 0.25]])  # (depths, tasks)
    jitter = rng.normal(0.0, 0.02, size=(4, 5, 2))
    jitter -= jitter.mean(axis=1, keepdims=True)  # keep each depth's mean over folds exact
    normalised = normalised_mean[:, None, :] + jitter
    normalised[3, 2] -= 0.16   # depth 3's lucky fold
    normalised[3, :2] += 0.08  # ... paid for by two unlucky ones, so its mean stays
    variance = np.stack([rng.uniform(0.9, 1.1, 5), rng.uniform(90.0, 110.0, 5)], axis=1)  # (folds, tasks)
    return np.round(normalised * variance, 4), np.round(variance, 3)


FOLD_MSE, TRAIN_VARIANCE = _fold_table()


def cv_reference(fold_mse: np.ndarray, train_variance: np.ndarray) -> int:
    """The depth with the lowest mean over folds and tasks of MSE / training-fold variance."""
    return int(np.argmin((np.asarray(fold_mse) / np.asarray(train_variance)).mean(axis=(1, 2))))


@checker
def check_cv_choice(function: Callable) -> Feedback:
    """Exercise 2: ``function(fold_mse, train_variance)`` returns the depth chosen by cross-validation."""
    value = function(FOLD_MSE.copy(), TRAIN_VARIANCE.copy())
    if isinstance(value, np.ndarray) and value.size > 1:
        return Feedback(False, f"Return one depth (an int), not the criterion of every depth "
                               f"({value.shape}); take the argmin.")
    try:
        depth = int(value)
    except (TypeError, ValueError):
        return Feedback(False, f"Return one depth, an int from 0 to 3; got {value!r}.")
    expected = cv_reference(FOLD_MSE, TRAIN_VARIANCE)
    if depth != expected:
        raw = int(FOLD_MSE.mean(axis=(1, 2)).argmin())
        lucky = int((FOLD_MSE / TRAIN_VARIANCE).mean(axis=2).min(axis=1).argmin())
        if depth == raw:
            return Feedback(False, f"Depth {depth} is what the raw MSE picks: task 2's targets are in units "
                                   "about 100 times larger, so without dividing by the variances it decides "
                                   "alone.")
        if depth == lucky:
            return Feedback(False, f"Depth {depth} has the single best fold, but its other folds are poor: "
                                   "average over folds instead of taking each depth's best one.")
        return Feedback(False, f"Got depth {depth}. Divide FOLD_MSE by TRAIN_VARIANCE (it broadcasts over "
                               "the depths), average over folds and tasks, and take the argmin over depths.")
    rng = np.random.default_rng(1)
    for _ in range(5):  # the function must work on other tables too
        mse = rng.uniform(0.1, 2.0, size=(4, 3, 2)) * np.array([1.0, 50.0])
        variance = rng.uniform(0.5, 1.5, size=(3, 2)) * np.array([1.0, 50.0])
        got = function(mse.copy(), variance.copy())
        if int(got) != cv_reference(mse, variance):
            return Feedback(False, "Right on the exercise's table, but not on another table with 3 folds: "
                                   "compute from the arrays you are given, without fixed sizes or values.")
    return Feedback(True, f"Depth {expected}: its normalised error, averaged over folds and tasks, is the "
                          "lowest. Raw MSE or the best single fold would have picked another depth.")


# Exercise 3: spot the leak -----------------------------------------------------------------------

_LEAKY = {2: "step 2 standardises with statistics of the test inputs",
          4: "step 4 normalises the criterion with the variance of the test targets",
          7: "step 7 chooses the depth by its test error, so the reported test error is biased downwards"}
_CLEAN = {1: "step 1 (one split before anything else) is what keeps the test set out",
          3: "step 3 trains and scores within the training split only",
          5: "step 5 chooses by the cross-validation criterion alone",
          6: "step 6 retrains on the training split and looks at the test split once"}


@checker
def check_leaky_steps(leaky_steps: object) -> Feedback:
    """Exercise 3: the set of step numbers (1 to 7) that leak information from the test split."""
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


# Exercise 4: start from a pre-trained trunk -------------------------------------------------------


@checker
def check_start_from(function: Callable) -> Feedback:
    """Exercise 4: ``function(pretrained, model, freeze)`` copies the trunk and freezes it on request."""
    import torch

    from mtl_lessons.torch.models import HardSharingNet

    for freeze in (True, False):
        torch.manual_seed(0)
        pretrained = HardSharingNet(5, {"a": 1}, (8, 8))
        torch.manual_seed(1)
        model = HardSharingNet(5, {"b": 1}, (8, 8))
        before = {k: v.clone() for k, v in pretrained.state_dict().items()}
        head = {k: v.clone() for k, v in model.heads.state_dict().items()}
        result = function(pretrained, model, freeze)
        if result is None:
            return Feedback(False, "Your function returned None: return `model`.")
        if not isinstance(result, HardSharingNet):
            return Feedback(False, f"Return the model; got {type(result).__name__}.")
        source = {q.data_ptr() for q in pretrained.parameters()}
        if result.trunk is pretrained.trunk or any(p.data_ptr() in source for p in result.trunk.parameters()):
            return Feedback(False, "The new model shares its trunk tensors with the pre-trained one, so "
                                   "training it would change the pre-trained network too: copy the values "
                                   "with `load_state_dict` instead of assigning the module or its "
                                   "parameters.")
        if not all(torch.equal(p, q) for p, q in zip(result.trunk.state_dict().values(),
                                                      pretrained.trunk.state_dict().values(), strict=True)):
            return Feedback(False, "The model's trunk does not hold the pre-trained trunk's weights.")
        if not all(torch.equal(v, head[k]) for k, v in result.heads.state_dict().items()):
            return Feedback(False, "The model's own head changed: copy the trunk only; task B needs a fresh "
                                   "head.")
        if not all(torch.equal(v, before[k]) for k, v in pretrained.state_dict().items()) or not all(
                p.requires_grad for p in pretrained.parameters()):
            return Feedback(False, "The pre-trained network was changed (its weights or its requires_grad); "
                                   "change only `model`.")
        trunk_trainable = [p.requires_grad for p in result.trunk.parameters()]
        if freeze and any(trunk_trainable):
            return Feedback(False, "With freeze=True every trunk parameter needs requires_grad=False.")
        if not freeze and not all(trunk_trainable):
            return Feedback(False, "With freeze=False the trunk must stay trainable (requires_grad=True).")
        if not all(p.requires_grad for p in result.heads.parameters()):
            return Feedback(False, "The head must stay trainable: freeze the trunk only.")
    return Feedback(True, "The trunk's values are copied, not shared, and frozen exactly when asked.")
