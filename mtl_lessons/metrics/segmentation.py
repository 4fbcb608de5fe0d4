"""Segmentation scored per class: the confusion matrix of pixels, the IoU of each class, the mean IoU.

Pixel accuracy is flattered by a large, easy background. The intersection over union of a class
is not: a model that predicts background everywhere scores 0 on every other class. The vision
chapter shows :func:`iou_per_class`, which reads the IoU off the confusion matrix.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.metrics import confusion_matrix as sklearn_confusion_matrix

from mtl_lessons._checks import check_int
from mtl_lessons.metrics._arrays import prediction_and_target


def confusion_matrix(prediction: object, target: object, n_classes: int) -> np.ndarray:
    """``(n_classes, n_classes)`` counts of pixels: row = true class, column = predicted class.

    ``prediction`` and ``target`` hold class labels from 0 to ``n_classes - 1``, in any shape (one
    image or a batch); scikit-learn counts them.
    """
    n_classes = check_int("n_classes", n_classes, minimum=1)
    prediction, target = prediction_and_target(prediction, target)
    for name, labels in (("prediction", prediction), ("target", target)):
        if labels.min() < 0 or labels.max() >= n_classes or np.any(labels != np.round(labels)):
            raise ValueError(f"{name} must hold class labels from 0 to {n_classes - 1}")
    with warnings.catch_warnings():  # scikit-learn warns about a (1, 1) matrix even when labels are given
        warnings.filterwarnings("ignore", message="A single label was found", category=UserWarning)
        return sklearn_confusion_matrix(target.astype(np.int64).ravel(), prediction.astype(np.int64).ravel(),
                                        labels=np.arange(n_classes))


def iou_per_class(prediction: object, target: object, n_classes: int) -> np.ndarray:
    """Intersection over union of every class over all pixels; NaN for a class that appears in neither."""
    counts = confusion_matrix(prediction, target, n_classes)
    intersection = np.diag(counts).astype(float)
    union = counts.sum(axis=0) + counts.sum(axis=1) - np.diag(counts)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, intersection / union, np.nan)


def mean_iou(prediction: object, target: object, n_classes: int) -> float:
    """Mean over classes of the IoU, each class pooled over all images (absent classes are skipped).

    A class's IoU is ``|predicted ∩ true| / |predicted ∪ true|``: unlike pixel accuracy, it is not
    flattered by a large background, since a model that predicts background everywhere scores 0
    on every other class.
    """
    return float(np.nanmean(iou_per_class(prediction, target, n_classes)))
