"""A PyTorch model's predictions on a split, and the scene tasks scored the way papers score them.

``fit`` records one number per task while it trains (pixel accuracy or mean squared error). The
vision literature reports others: :func:`scene_scores` computes them with :mod:`mtl_lessons.metrics`
from the predictions of :func:`predict`.
"""

from __future__ import annotations

import numpy as np
import torch

from mtl_lessons._checks import check_int
from mtl_lessons.data.base import CLASSIFICATION, SPLITS, MultiTaskData
from mtl_lessons.metrics import abs_rel, mae, mean_iou, rmse


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
