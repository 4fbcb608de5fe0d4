"""The book's metrics, in NumPy and scikit-learn, for the outputs of any framework.

One module per family: ranking (the AUC of click and conversion models), tagging (entity spans,
entity F1, token accuracy), segmentation (confusion matrix, IoU) and regression (RMSE, abs-rel,
MAE), and relative for Δm, the mean relative gain of a multi-task model over single-task
baselines. Where the book teaches a metric, the package writes it out (the IoU from the confusion
matrix, the BIO spans and the entity F1) and the tests compare it with scikit-learn or seqeval;
elsewhere scikit-learn computes it. Scoring a PyTorch model's predictions is in
:mod:`mtl_lessons.torch.prediction`.
"""

from mtl_lessons.metrics.ranking import auc
from mtl_lessons.metrics.regression import abs_rel, mae, rmse
from mtl_lessons.metrics.relative import delta_m
from mtl_lessons.metrics.segmentation import confusion_matrix, iou_per_class, mean_iou
from mtl_lessons.metrics.tagging import bio_spans, entity_f1, token_accuracy

__all__ = [
    "abs_rel",
    "auc",
    "bio_spans",
    "confusion_matrix",
    "delta_m",
    "entity_f1",
    "iou_per_class",
    "mae",
    "mean_iou",
    "rmse",
    "token_accuracy",
]
