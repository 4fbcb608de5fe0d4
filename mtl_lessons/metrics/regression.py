"""Errors of predicted values: RMSE and abs-rel for depth, MAE for counts (scikit-learn computes them).

The dense-prediction literature scores depth by the root mean squared error, in depth units, and
by the mean relative error ``|prediction - target| / target`` (abs-rel), and counts by the mean
absolute error. Every pixel or example counts once, whatever the shape of the arrays.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import mean_absolute_error, mean_absolute_percentage_error, root_mean_squared_error

from mtl_lessons.metrics._arrays import prediction_and_target


def _flat(prediction: object, target: object) -> tuple[np.ndarray, np.ndarray]:
    """``(target, prediction)`` as flat float64 vectors, in scikit-learn's order (truth first)."""
    prediction, target = prediction_and_target(prediction, target)
    return target.astype(np.float64).ravel(), prediction.astype(np.float64).ravel()


def rmse(prediction: object, target: object) -> float:
    """Root mean squared error, in the target's unit."""
    return float(root_mean_squared_error(*_flat(prediction, target)))


def abs_rel(prediction: object, target: object) -> float:
    """Mean of ``|prediction - target| / target``, the relative depth error of the depth literature."""
    truth, predicted = _flat(prediction, target)
    if np.any(truth <= 0):
        raise ValueError("abs_rel divides by the target: every target must be > 0")
    return float(mean_absolute_percentage_error(truth, predicted))


def mae(prediction: object, target: object) -> float:
    """Mean absolute error, in the target's unit (for a count: shapes miscounted per image)."""
    return float(mean_absolute_error(*_flat(prediction, target)))
