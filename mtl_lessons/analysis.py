"""Reading fitted models: where linear weights sit, which inputs they select, how much stitches mix."""

from __future__ import annotations

import numpy as np

from mtl_lessons._checks import check_int


def relevant_share(coef: np.ndarray, n_relevant: int) -> float:
    """Share of the absolute weight of ``coef`` (inputs x tasks) on the first ``n_relevant`` inputs.

    Computed per task (column) and averaged over tasks: 1 means every task looks only at the
    relevant inputs, ``n_relevant / n_inputs`` is what weights spread evenly would give.
    """
    coef = np.abs(np.asarray(coef, dtype=float))
    if coef.ndim == 1:
        coef = coef[:, None]
    if coef.ndim != 2:
        raise ValueError(f"coef must be (inputs,) or (inputs, tasks); got shape {coef.shape}")
    n_relevant = check_int("n_relevant", n_relevant, minimum=1, maximum=coef.shape[0])
    totals = coef.sum(axis=0)
    shares = np.where(totals > 0, coef[:n_relevant].sum(axis=0) / np.where(totals > 0, totals, 1), 0)
    return float(shares.mean())


def off_diagonal_share(stitch: np.ndarray) -> float:
    """Share of a cross-stitch matrix's absolute mass off its diagonal, ``sum_{i!=j} |a_ij| / sum |a_ij|``.

    0 for independent columns (the identity), ``(T - 1) / T`` for columns that all see the same
    mixture. Absolute values, so that a negative weight counts as mixing rather than cancelling.
    """
    a = np.abs(np.asarray(stitch, dtype=float))
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        raise ValueError(f"stitch must be a square matrix (tasks x tasks); got shape {a.shape}")
    total = a.sum()
    if total == 0:
        raise ValueError("stitch is all zeros: there is no mass to share")
    return float((total - np.trace(a)) / total)


def support_precision_recall(coef: np.ndarray, n_relevant: int, tol: float = 1e-8) -> tuple[float, float]:
    """(precision, recall) of the inputs that a fitted ``coef`` (inputs x tasks) selects.

    The first ``n_relevant`` inputs are the relevant ones. An input is selected for a task when its
    weight exceeds ``tol`` in size. Precision: per task, the share of the selected inputs that are
    relevant (0 if a task selects none), averaged over tasks. Recall: the share of the relevant
    (input, task) pairs that are selected.
    """
    selected = np.abs(np.asarray(coef, dtype=float)) > tol
    if selected.ndim == 1:
        selected = selected[:, None]
    if selected.ndim != 2:
        raise ValueError(f"coef must be (inputs,) or (inputs, tasks); got shape {selected.shape}")
    n_relevant = check_int("n_relevant", n_relevant, minimum=1, maximum=selected.shape[0])
    chosen = selected.sum(axis=0)
    hits = selected[:n_relevant].sum(axis=0) / np.maximum(chosen, 1)
    precision = float(np.mean(np.where(chosen > 0, hits, 0.0)))
    return precision, float(selected[:n_relevant].mean())
