"""Reading fitted linear models: how much of their weight sits on the inputs that matter."""

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
