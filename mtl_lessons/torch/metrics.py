"""The metrics of dense prediction: mean IoU for segmentation, RMSE and abs-rel for depth, MAE for counts.

``fit`` records one number per task while it trains (pixel accuracy or mean squared error). The
vision literature reports others, and these functions compute them from predictions and targets,
as NumPy arrays or tensors, so that a chapter can score any trained model the way papers do.
"""

from __future__ import annotations

import numpy as np
import torch

from mtl_lessons._checks import check_int
from mtl_lessons.data.base import CLASSIFICATION, SPLITS, MultiTaskData


def _array(values: object, name: str) -> np.ndarray:
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    try:
        array = np.asarray(values)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be an array of numbers; got {type(values).__name__}") from error
    if array.size == 0:
        raise ValueError(f"{name} is empty")
    return array


def _same_shape(prediction: np.ndarray, target: np.ndarray) -> None:
    if prediction.shape != target.shape:
        raise ValueError(f"prediction has shape {prediction.shape} but target has shape {target.shape}; "
                         "they must match")


def confusion_matrix(prediction: object, target: object, n_classes: int) -> np.ndarray:
    """``(n_classes, n_classes)`` counts of pixels: row = true class, column = predicted class."""
    n_classes = check_int("n_classes", n_classes, minimum=1)
    prediction, target = _array(prediction, "prediction"), _array(target, "target")
    _same_shape(prediction, target)
    for name, labels in (("prediction", prediction), ("target", target)):
        if labels.min() < 0 or labels.max() >= n_classes or np.any(labels != np.round(labels)):
            raise ValueError(f"{name} must hold class labels from 0 to {n_classes - 1}")
    flat = target.astype(np.int64).ravel() * n_classes + prediction.astype(np.int64).ravel()
    return np.bincount(flat, minlength=n_classes ** 2).reshape(n_classes, n_classes)


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


def rmse(prediction: object, target: object) -> float:
    """Root mean squared error, in the target's unit."""
    prediction, target = _array(prediction, "prediction"), _array(target, "target")
    _same_shape(prediction, target)
    return float(np.sqrt(np.mean((prediction.astype(float) - target) ** 2)))


def abs_rel(prediction: object, target: object) -> float:
    """Mean of ``|prediction - target| / target``, the relative depth error of the depth literature."""
    prediction, target = _array(prediction, "prediction"), _array(target, "target")
    _same_shape(prediction, target)
    if np.any(target <= 0):
        raise ValueError("abs_rel divides by the target: every target must be > 0")
    return float(np.mean(np.abs(prediction.astype(float) - target) / target))


def mae(prediction: object, target: object) -> float:
    """Mean absolute error, in the target's unit (for a count: shapes miscounted per image)."""
    prediction, target = _array(prediction, "prediction"), _array(target, "target")
    _same_shape(prediction, target)
    return float(np.mean(np.abs(prediction.astype(float) - target)))


@torch.no_grad()
def predict(model: torch.nn.Module, data: MultiTaskData, split: str = "test",
            batch_size: int = 256) -> dict[str, np.ndarray]:
    """Every head's prediction on a split, as NumPy: class labels for classification, values otherwise."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}; got {split!r}")
    batch_size = check_int("batch_size", batch_size, minimum=1)
    x = getattr(data, split).x
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    parts: dict[str, list[np.ndarray]] = {t: [] for t in data.tasks}
    for start in range(0, len(x), batch_size):
        outputs = model(torch.as_tensor(x[start: start + batch_size], device=device))
        for task in data.tasks:
            out = outputs[task]
            if data.kinds[task] == CLASSIFICATION:
                out = out.argmax(dim=1)
            parts[task].append(out.cpu().numpy())
    model.train(was_training)
    return {t: np.concatenate(p) for t, p in parts.items()}


def scene_scores(model: torch.nn.Module, data: MultiTaskData, split: str = "test") -> dict[str, float]:
    """The scene tasks scored as papers do: mean IoU, depth RMSE and abs-rel, count MAE (those present)."""
    predicted = predict(model, data, split)
    truth = getattr(data, split).y
    scores: dict[str, float] = {}
    if "segmentation" in predicted:
        scores["segmentation mIoU"] = mean_iou(predicted["segmentation"], truth["segmentation"],
                                               data.n_classes["segmentation"])
    if "depth" in predicted:
        scores["depth RMSE"] = rmse(predicted["depth"], truth["depth"])
        scores["depth abs-rel"] = abs_rel(predicted["depth"], truth["depth"])
    if "count" in predicted:
        scores["count MAE"] = mae(predicted["count"], truth["count"])
    return scores
