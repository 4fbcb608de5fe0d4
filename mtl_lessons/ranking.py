"""Ranking metrics for click and conversion models, in NumPy: the AUC and the log loss.

The AUC is the probability that a randomly drawn positive example gets a higher score than a
randomly drawn negative one (ties count one half). It depends only on the order of the scores,
which is what a recommender uses to rank items, so it is the usual metric for CTR and CVR models.
"""

from __future__ import annotations

import numpy as np


def _labels_and_scores(labels: object, scores: object) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(labels).ravel()
    s = np.asarray(scores, dtype=float).ravel()
    if y.shape != s.shape:
        raise ValueError(f"labels and scores need one entry each per example; got {y.size} labels "
                         f"and {s.size} scores")
    if not np.all(np.isin(y, (0, 1))):
        raise ValueError("labels must be 0 or 1 (negative or positive)")
    if not np.all(np.isfinite(s)):
        raise ValueError("scores hold NaN or infinite values")
    return y.astype(bool), s


def auc(labels: object, scores: object) -> float:
    """Area under the ROC curve, by the Mann–Whitney rank sum (ties get their average rank).

    Raises a ``ValueError`` when ``labels`` hold only one class: the AUC is then undefined.
    """
    y, s = _labels_and_scores(labels, scores)
    positives, negatives = int(y.sum()), int((~y).sum())
    if positives == 0 or negatives == 0:
        raise ValueError(f"the AUC needs both classes; got {positives} positive and {negatives} "
                         "negative labels")
    order = np.argsort(s, kind="mergesort")
    sorted_scores = s[order]
    ranks = np.empty(len(s))
    # average rank (1-based) of each run of tied scores
    starts = np.flatnonzero(np.r_[True, sorted_scores[1:] != sorted_scores[:-1]])
    ends = np.r_[starts[1:], len(s)]
    ranks[order] = np.repeat((starts + ends + 1) / 2.0, ends - starts)
    return float((ranks[y].sum() - positives * (positives + 1) / 2.0) / (positives * negatives))


def log_loss(labels: object, probabilities: object, eps: float = 1e-7) -> float:
    """Mean binary cross-entropy of predicted probabilities (clipped to ``[eps, 1 - eps]``)."""
    y, p = _labels_and_scores(labels, probabilities)
    p = np.clip(p, eps, 1.0 - eps)
    return float(-np.mean(np.where(y, np.log(p), np.log1p(-p))))
