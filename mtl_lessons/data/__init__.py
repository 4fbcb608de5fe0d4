"""Deterministic multi-task data sets, made with NumPy alone (no downloads).

One module per family of generators, all returning a :class:`~mtl_lessons.data.base.MultiTaskData`:

* :mod:`~mtl_lessons.data.related`: regression tasks whose relatedness ``p`` is a knob;
* :mod:`~mtl_lessons.data.digits`: pairs of handwritten digits (scikit-learn's bundled images);
* :mod:`~mtl_lessons.data.mechanisms`: small data sets that each show one reason why MTL helps;
* :mod:`~mtl_lessons.data.transforms`: new data sets from old ones (fewer tasks, other units).
"""

from mtl_lessons.data.base import CLASSIFICATION, REGRESSION, MultiTaskData, Split
from mtl_lessons.data.digits import DIGIT_TASKS, digit_pairs
from mtl_lessons.data.mechanisms import eavesdropping_tasks, sparse_linear_tasks, subspace_tasks
from mtl_lessons.data.related import label_correlation, related_tasks
from mtl_lessons.data.scaled import scaled_tasks
from mtl_lessons.data.transforms import scale_task, select_tasks

__all__ = [
    "CLASSIFICATION",
    "DIGIT_TASKS",
    "REGRESSION",
    "MultiTaskData",
    "Split",
    "digit_pairs",
    "eavesdropping_tasks",
    "label_correlation",
    "related_tasks",
    "scale_task",
    "scaled_tasks",
    "select_tasks",
    "sparse_linear_tasks",
    "subspace_tasks",
]
