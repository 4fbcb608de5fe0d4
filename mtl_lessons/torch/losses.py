"""The multi-task loss  L = sum_i alpha_i L_i + R(theta)  and the per-task losses and metrics."""

from __future__ import annotations

from collections.abc import Mapping

import torch
import torch.nn.functional as F

from mtl_lessons._checks import check_task_weights
from mtl_lessons.data.base import CLASSIFICATION, MISSING_CLASS, REGRESSION


def task_loss(output: torch.Tensor, target: torch.Tensor, kind: str) -> torch.Tensor:
    """Mean loss of one task: squared error for regression, cross-entropy on logits otherwise.

    Dense tasks average over positions too: a regression map ``(n, H, W)`` against targets of the
    same shape, or class logits ``(n, classes, positions...)`` against labels ``(n, positions...)``
    (a class per pixel or per word), as ``torch.nn.functional.cross_entropy`` takes them.
    Missing labels (NaN targets, ``MISSING_CLASS`` labels) are left out: the mean runs over the
    labelled ones only. With no label at all the loss is NaN; ``fit`` leaves such a task out of the step.
    """
    if kind == REGRESSION:
        if output.shape != target.shape:
            raise ValueError(
                f"regression output has shape {tuple(output.shape)} but its target has shape "
                f"{tuple(target.shape)}; they must match"
            )
        missing = target.isnan()
        if missing.any():  # average over the labelled targets only
            return F.mse_loss(output[~missing], target[~missing])
        return F.mse_loss(output, target)
    if kind == CLASSIFICATION:
        if output.ndim != target.ndim + 1 or output.shape[:1] + output.shape[2:] != target.shape:
            raise ValueError(
                f"classification expects logits (n, classes) and integer targets (n,), or logits "
                f"(n, classes, positions...) and targets (n, positions...); got {tuple(output.shape)} "
                f"and {tuple(target.shape)}"
            )
        return F.cross_entropy(output, target, ignore_index=MISSING_CLASS)
    raise ValueError(f"kind must be {REGRESSION!r} or {CLASSIFICATION!r}; got {kind!r}")


def task_metric(output: torch.Tensor, target: torch.Tensor, kind: str) -> float:
    """What the book reports per task: mean squared error (regression) or accuracy (over positions too).

    Both run over the labelled targets only.
    """
    if kind == CLASSIFICATION:
        known = target != MISSING_CLASS
        correct = output.argmax(dim=1) == target
        return (correct.float().mean() if known.all() else correct[known].float().mean()).item()
    return task_loss(output, target, kind).item()



def mtl_loss(
    outputs: Mapping[str, torch.Tensor],
    targets: Mapping[str, torch.Tensor],
    kinds: Mapping[str, str],
    alpha: Mapping[str, float] | None = None,
    regulariser: torch.Tensor | None = None,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Weighted multi-task loss over the tasks present in ``outputs``.

    Returns the total ``sum_i alpha_i L_i + R`` and the unweighted per-task losses ``L_i``.
    ``alpha`` defaults to 1 for every task; ``regulariser`` is an already computed ``R(theta)``.
    """
    missing = set(outputs) - set(targets)
    if missing:
        raise ValueError(
            f"the model has heads {sorted(outputs)} but targets only for {sorted(targets)}; "
            f"no target for {sorted(missing)}"
        )
    if alpha is not None:
        alpha = check_task_weights("alpha", alpha, kinds)
    per_task = {}
    for task, out in outputs.items():
        try:
            per_task[task] = task_loss(out, targets[task], kinds[task])
        except ValueError as error:  # say which task's output or target is wrong
            raise ValueError(f"task {task!r}: {error}") from None
    total = sum((1.0 if alpha is None else alpha.get(t, 1.0)) * loss for t, loss in per_task.items())
    if regulariser is not None:
        total = total + regulariser
    return total, per_task
