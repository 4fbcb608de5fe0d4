"""The multi-task loss  L = sum_i alpha_i L_i + R  in Keras, and the per-task losses and metrics.

The same names and the same numbers as :mod:`mtl_lessons.torch.losses`: squared error for a
regression task, cross-entropy on logits for a classification task.
"""

from __future__ import annotations

from collections.abc import Mapping

import keras
import numpy as np

from mtl_lessons._checks import check_task_weights
from mtl_lessons.data.base import CLASSIFICATION, MISSING_CLASS, REGRESSION, labelled


def task_losses(kinds: Mapping[str, str]) -> dict[str, keras.losses.Loss]:
    """One Keras loss per task: squared error, or cross-entropy on logits (``from_logits``)."""
    losses = {}
    for task, kind in kinds.items():
        if kind == REGRESSION:
            losses[task] = keras.losses.MeanSquaredError()
        elif kind == CLASSIFICATION:
            losses[task] = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        else:
            raise ValueError(
                f"kind of task {task!r} must be {REGRESSION!r} or {CLASSIFICATION!r}; got {kind!r}")
    return losses


def task_loss(output, target, kind: str):
    """Mean loss of one task: squared error for regression, cross-entropy on logits otherwise."""
    if kind == REGRESSION:
        if tuple(output.shape) != tuple(np.shape(target)):
            raise ValueError(f"regression output has shape {tuple(output.shape)} but its target has shape "
                             f"{tuple(np.shape(target))}; they must match")
        return keras.ops.mean(keras.ops.square(output - keras.ops.cast(target, output.dtype)))
    if kind == CLASSIFICATION:
        if len(output.shape) != 2 or len(np.shape(target)) != 1 or output.shape[0] != np.shape(target)[0]:
            raise ValueError(f"classification expects logits (n, classes) and integer targets (n,); got "
                             f"{tuple(output.shape)} and {tuple(np.shape(target))}")
        return keras.ops.mean(keras.losses.sparse_categorical_crossentropy(target, output, from_logits=True))
    raise ValueError(f"kind must be {REGRESSION!r} or {CLASSIFICATION!r}; got {kind!r}")


def masked_task_loss(output, target, kind: str):
    """``task_loss`` over the labelled targets only: NaN targets and ``MISSING_CLASS`` labels left out.

    Written with masks rather than indexing, so that it traces into one graph; 0 when nothing is labelled.
    """
    ops = keras.ops
    if kind == REGRESSION:
        target = ops.cast(target, output.dtype)
        known = ops.logical_not(ops.isnan(target))
        per_example = ops.square(output - ops.where(known, target, ops.zeros_like(target)))
    elif kind == CLASSIFICATION:
        known = ops.not_equal(target, MISSING_CLASS)
        per_example = keras.losses.sparse_categorical_crossentropy(
            ops.where(known, target, ops.zeros_like(target)), output, from_logits=True)
    else:
        raise ValueError(f"kind must be {REGRESSION!r} or {CLASSIFICATION!r}; got {kind!r}")
    known = ops.cast(known, per_example.dtype)
    return ops.sum(per_example * known) / ops.maximum(ops.sum(known), 1.0)


def task_metric(output, target, kind: str) -> float:
    """What the book reports per task: mean squared error (regression) or accuracy, over labelled targets."""
    target = np.asarray(target)
    known = labelled(target, kind)
    if kind == CLASSIFICATION:
        predicted = np.argmax(keras.ops.convert_to_numpy(output), axis=-1)
        return float(np.mean(predicted[known] == target[known]))
    if not known.all():
        return float(np.mean((keras.ops.convert_to_numpy(output)[known] - target[known]) ** 2))
    return float(task_loss(output, target, kind))


def mtl_loss(outputs: Mapping, targets: Mapping, kinds: Mapping[str, str],
             alpha: Mapping[str, float] | None = None, regulariser=None) -> tuple:
    """Weighted multi-task loss over the tasks present in ``outputs``.

    Returns the total ``sum_i alpha_i L_i + R`` and the unweighted per-task losses ``L_i``, like
    ``mtl_lessons.torch.mtl_loss``. ``alpha`` defaults to 1 for every task.
    """
    missing = set(outputs) - set(targets)
    if missing:
        raise ValueError(f"the model has heads {sorted(outputs)} but targets only for {sorted(targets)}; "
                         f"no target for {sorted(missing)}")
    if alpha is not None:
        alpha = check_task_weights("alpha", alpha, kinds)
    per_task = {}
    for task, out in outputs.items():
        try:
            per_task[task] = task_loss(out, targets[task], kinds[task])
        except ValueError as error:
            raise ValueError(f"task {task!r}: {error}") from None
    total = sum((1.0 if alpha is None else alpha.get(t, 1.0)) * loss for t, loss in per_task.items())
    if regulariser is not None:
        total = total + regulariser
    return total, per_task
