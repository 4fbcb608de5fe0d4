"""The ranking metric of click and conversion models: the AUC (scikit-learn computes it).

The AUC is the probability that a randomly drawn positive example gets a higher score than a
randomly drawn negative one (ties count one half). It depends only on the order of the scores,
which is what a recommender uses to rank items, so it is the usual metric for CTR and CVR models.
The recommendation chapter computes one by hand, by counting pairs.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score

from mtl_lessons._checks import check_finite


def auc(labels: object, scores: object) -> float:
    """Area under the ROC curve of ``scores`` against 0/1 ``labels``, one of each per example.

    Raises a ``ValueError`` when ``labels`` hold only one class: the AUC is then undefined.
    """
    y, s = np.asarray(labels).ravel(), np.asarray(scores, dtype=float).ravel()
    if y.shape != s.shape:
        raise ValueError(f"labels and scores need one entry each per example; got {y.size} labels "
                         f"and {s.size} scores")
    if not np.all(np.isin(y, (0, 1))):
        raise ValueError("labels must be 0 or 1 (negative or positive)")
    check_finite("scores", s)
    positives, negatives = int(np.sum(y == 1)), int(np.sum(y == 0))
    if positives == 0 or negatives == 0:
        raise ValueError(f"the AUC needs both classes; got {positives} positive and {negatives} "
                         "negative labels")
    return float(roc_auc_score(y.astype(int), s))
