"""Checkers for the exercises of the chapter on vision: IoU by hand, heads for new tasks, a design plan,
and a prediction checked against a rerun with one shared layer.

Each returns a :class:`~mtl_lessons.exercises.Feedback` that names the typical mistake, never
crashes on an unfinished stub, and accepts every correct answer. The reference values come from
the package's own metrics (:mod:`mtl_lessons.metrics`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from mtl_lessons.exercises import Feedback, as_number, checker, multiple_choice
from mtl_lessons.metrics import iou_per_class

# Exercise 10.1: IoU by hand ----------------------------------------------------------------------

IOU_TRUTH = np.array([[0, 0, 0, 0],
                      [0, 1, 1, 0],
                      [0, 1, 1, 0],
                      [0, 0, 0, 0]])
IOU_PREDICTION = np.array([[0, 0, 0, 0],
                           [0, 1, 1, 1],
                           [0, 1, 0, 1],
                           [0, 0, 0, 0]])


@checker
def check_iou_by_hand(iou_disc: object, miou: object) -> Feedback:
    """Exercise 10.1: the disc's IoU and the mean IoU (background and disc) of the exercise's 4 x 4 masks."""
    disc = as_number(iou_disc, "`iou_disc`")
    if isinstance(disc, Feedback):
        return disc
    mean = as_number(miou, "`miou`")
    if isinstance(mean, Feedback):
        return mean
    truth, prediction = IOU_TRUTH, IOU_PREDICTION
    hits = int(((prediction == 1) & (truth == 1)).sum())
    background, disc_iou = iou_per_class(prediction, truth, 2)
    right = {"disc": float(disc_iou), "background": float(background)}
    expected_mean = (right["disc"] + right["background"]) / 2
    if not np.isclose(disc, right["disc"], atol=5e-3):
        wrong = {hits / (truth == 1).sum(): "the share of the true disc that was found (recall)",
                 hits / (prediction == 1).sum(): "the share of the predicted disc that is right (precision)",
                 2 * hits / ((truth == 1).sum() + (prediction == 1).sum()): "the Dice coefficient"}
        for value, name in wrong.items():
            if np.isclose(disc, value, atol=5e-3):
                return Feedback(False, f"`iou_disc` = {disc:.3g} is {name}. IoU divides the intersection "
                                       f"({hits} pixels) by the union: pixels that are disc in the truth, "
                                       "in the prediction, or in both.")
        return Feedback(False, f"`iou_disc` = {disc:.3g}. Count the pixels that are disc in both masks "
                               "(intersection) and in either (union), and divide.")
    if np.isclose(mean, expected_mean, atol=5e-3):
        return Feedback(True, f"IoU of the disc {right['disc']:.3g}, of the background "
                              f"{right['background']:.3g}, mean {expected_mean:.3g}; the pixel accuracy, "
                              f"{(prediction == truth).mean():.3g}, is higher because the easy background "
                              "dominates it.")
    if np.isclose(mean, (prediction == truth).mean(), atol=5e-3):
        return Feedback(False, "`miou` is the pixel accuracy, the share of right pixels. The mean IoU "
                               "averages the IoU of each class, background and disc.")
    if np.isclose(mean, right["disc"], atol=5e-3) or np.isclose(mean, right["background"], atol=5e-3):
        return Feedback(False, "`miou` is one class's IoU; the mean IoU averages over both classes "
                               "(background included).")
    return Feedback(False, f"`miou` = {mean:.3g}. Compute the background's IoU the same way as the disc's, "
                           "then average the two.")


# Exercise 10.2: heads for new tasks --------------------------------------------------------------

NEW_HEADS_BATCH, NEW_HEADS_SIZE = 8, 24
NEW_HEADS = {  # task: (kind, output shape) for a batch of 8 images of 24 x 24 pixels
    "normals": ("regression", (8, 3, 24, 24)),
    "edges": ("classification", (8, 2, 24, 24)),
    "has_triangle": ("classification", (8, 2)),
}


def _head_feedback(task: str, kind: object, shape: tuple[int, ...]) -> Feedback | None:
    """Specific feedback for one task's (kind, shape), or None when it is right."""
    n, s = NEW_HEADS_BATCH, NEW_HEADS_SIZE
    if task == "normals":
        if kind != "regression":
            return Feedback(False, "normals: a surface normal is a direction, three real numbers per pixel; "
                                   "it is regressed, not classified.")
        if shape == (n, 1, s, s) or shape == (n, s, s):
            return Feedback(False, "normals: one number per pixel is a depth; a normal has three "
                                   "components (x, y, z), so the head outputs 3 channels.")
        if shape == (n, 3):
            return Feedback(False, "normals: every pixel has its own normal; the output is a map.")
        if shape != (n, 3, s, s):
            return Feedback(False, f"normals: expected three values per pixel, shape {(n, 3, s, s)}; "
                                   f"got {shape}.")
    elif task == "edges":
        if kind != "classification":
            return Feedback(False, "edges: a pixel is on an edge or not, a yes/no label per pixel; that is "
                                   "classification (two classes), not regression.")
        if shape in ((n, 2), (n, 1)):
            return Feedback(False, "edges: the label is per pixel, so the output is a map of logits.")
        if shape not in ((n, 2, s, s), (n, 1, s, s)):
            return Feedback(False, f"edges: expected logits for two classes per pixel, shape {(n, 2, s, s)}; "
                                   f"got {shape}.")
    elif task == "has_triangle":
        if kind != "classification":
            return Feedback(False, "has_triangle: yes or no for the whole image is classification.")
        if len(shape) == 4 or len(shape) == 3:
            return Feedback(False, "has_triangle: one answer per image, not per pixel: pool the feature map, "
                                   "then output the logits of the two classes.")
        if shape not in ((n, 2), (n, 1)):
            return Feedback(False, f"has_triangle: expected the logits of two classes per image, shape "
                                   f"{(n, 2)}; got {shape}.")
    return None


@checker
def check_new_heads(new_heads: object) -> Feedback:
    """Exercise 10.2: the kind and the output shape of a head for each of three new tasks."""
    if not isinstance(new_heads, Mapping):
        return Feedback(False, "Give a dict {task: (kind, output shape)}, such as "
                               "{'normals': ('regression', (8, 3, 24, 24)), ...}.")
    missing = sorted(set(NEW_HEADS) - set(new_heads))
    if missing:
        return Feedback(False, f"Give an answer for every task; missing: {missing}.")
    notes = []
    for task in NEW_HEADS:
        answer = new_heads[task]
        if not isinstance(answer, (tuple, list)) or len(answer) != 2:
            return Feedback(False, f"{task}: give a pair (kind, output shape); got {answer!r}.")
        kind, shape = answer
        kind = kind.strip().lower() if isinstance(kind, str) else kind
        if kind not in ("regression", "classification"):
            return Feedback(False, f"{task}: the kind is 'regression' or 'classification'; got {kind!r}.")
        try:
            shape = tuple(int(k) for k in shape)
        except (TypeError, ValueError):
            return Feedback(False, f"{task}: the output shape should be a tuple of ints such as (8, 2); "
                                   f"got {shape!r}.")
        wrong = _head_feedback(task, kind, shape)
        if wrong is not None:
            return wrong
        if shape[1:2] == (1,) and kind == "classification":
            notes.append(f"{task} with one logit works with a binary cross-entropy; the book's "
                         "classification loss takes one logit per class (2)")
    message = ("Normals: three values per pixel, regressed (often with a loss on the angle); edges: two "
               "classes per pixel, rare positives, so weight them; has_triangle: two classes per image, "
               "from the pooled features.")
    return Feedback(True, message + (" Note: " + "; ".join(notes) + "." if notes else ""))


# Exercise 10.3: a plan for a dense multi-task network --------------------------------------------

_PLAN = {
    "a": "One measurement of one design at one budget says nothing about multi-task learning in "
         "vision: it says that this encoder, shared this way, lost to separate networks here. How "
         "much to share, and how to weight the tasks, are open choices still to be compared.",
    "b": "Sharing is a design choice with a cost per task: compare a few designs (branch the encoder "
         "earlier or later, a wider shared encoder, other task weights) against separate networks of "
         "the same budget, chosen on validation data over several seeds, and keep what is best for the "
         "tasks that matter.",
    "c": "More tasks add more pulls on the same few shared channels; with no reason to expect that "
         "they help segmentation or depth, the competition grows, and the chapter's comparison would "
         "have to be run again anyway.",
    "d": "An average over tasks of relative changes hides exactly what the chapter found: one task "
         "gained while two lost. Report and decide per task; a weighted average needs weights that say "
         "what each task is worth to you.",
}


@checker
def check_dense_plan(answer: object) -> Feedback:
    """Exercise 10.3: what to do when a shared dense network loses on two tasks and the third is undecided."""
    return multiple_choice(answer, "b", _PLAN)


# Exercise 10.4: predict, then rerun with one shared layer instead of two -------------------------

ONE_LAYER_SIZE, ONE_LAYER_SEEDS = 100, (0, 1, 2)
DIGIT_CHOICES = ("less loss", "same", "more loss")
SUM_CHOICES = ("more gain", "same", "less gain")


def one_shared_layer_accuracy(seeds: tuple[int, ...] = ONE_LAYER_SEEDS) -> np.ndarray:
    """Mean test accuracy (left, right, sum) over ``seeds`` of the digit-pairs protocol of the vision
    chapter at 100 training pairs, with only the first of the two hidden layers shared."""
    from mtl_lessons import set_seed
    from mtl_lessons.data import digit_pairs
    from mtl_lessons.torch import HardSharingNet, fit

    tasks = ("left", "right", "sum")
    scores = []
    for seed in seeds:
        data = digit_pairs(n_train=800, n_val=300, n_test=1000, tasks=tasks, seed=seed)
        data = data.with_train_size(ONE_LAYER_SIZE)
        set_seed(seed)
        model = HardSharingNet(data.input_shape, data.output_sizes(), (64, 64), 1)
        history = fit(model, data, epochs=100, batch_size=None, lr=1e-2, eval_every=5,
                      eval_splits=("val", "test"), seed=seed, progress=False)
        scores.append([history.best().test[t] for t in tasks])
    return np.mean(scores, axis=0)


def _direction(change: float, labels: tuple[str, str, str]) -> str:
    """``labels[0]`` for a change above +1 point, ``labels[2]`` below -1 point, else ``labels[1]``."""
    return labels[0] if change > 0.01 else labels[2] if change < -0.01 else labels[1]


_THREE = "`one_layer` and `two_layers` should each be three accuracies: left, right, sum."


@checker
def check_one_shared_layer(prediction: object, one_layer: object, two_layers: object) -> Feedback:
    """Exercise 10.4: the prediction ``{"digits": ..., "sum": ...}``, the rerun's mean accuracies
    ``one_layer`` (left, right, sum) and the chapter's ``two_layers`` at 100 pairs, against a rerun.

    The answer is right when the rerun is; the message then says whether the prediction matched.
    """
    if not isinstance(prediction, Mapping) or set(prediction) != {"digits", "sum"}:
        return Feedback(False, 'Give `prediction` as a dict with the keys "digits" and "sum".')
    if prediction["digits"] not in DIGIT_CHOICES or prediction["sum"] not in SUM_CHOICES:
        return Feedback(False, f'Predict "digits" as one of {DIGIT_CHOICES} and "sum" as one of '
                               f"{SUM_CHOICES}; got {dict(prediction)}.")
    try:
        mine = np.asarray(one_layer, dtype=float).reshape(-1)
        before = np.asarray(two_layers, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        return Feedback(False, _THREE)
    if mine.shape != (3,) or before.shape != (3,):
        return Feedback(False, _THREE)
    if np.any(mine > 1) or np.any(mine < 0):
        return Feedback(False, "Give accuracies as fractions between 0 and 1, not percentages.")
    rerun = one_shared_layer_accuracy()
    if not np.allclose(mine, rerun, atol=1e-6):
        return Feedback(False, f"Your one-layer accuracies {np.round(mine, 3).tolist()} differ from a rerun "
                               f"({np.round(rerun, 3).tolist()}): use digit_accuracy(data, 1, seed) on the "
                               f"first {ONE_LAYER_SIZE} pairs of each seed's data, averaged over the seeds.")
    digits = _direction(float(np.mean(mine[:2] - before[:2])), DIGIT_CHOICES)
    total = _direction(float(mine[2] - before[2]), SUM_CHOICES)
    change = np.round(mine - before, 3).tolist()
    measured = (f"Against two shared layers the accuracies changed by {change} (left, right, sum): digits "
                f"{digits!r}, sum {total!r} (within 1 point counts as the same).")
    if (prediction["digits"], prediction["sum"]) == (digits, total):
        return Feedback(True, f"Your rerun is right, and so was your prediction. {measured}")
    return Feedback(True, f"Your rerun is right; your prediction ({prediction['digits']!r}, "
                          f"{prediction['sum']!r}) was not. {measured} The solution explains why.")
