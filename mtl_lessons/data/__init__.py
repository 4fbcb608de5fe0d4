"""Deterministic multi-task data sets, made with NumPy alone (no downloads).

One module per family of generators, all returning a :class:`~mtl_lessons.data.base.MultiTaskData`:

* :mod:`~mtl_lessons.data.related`: regression tasks whose relatedness ``p`` is a knob;
* :mod:`~mtl_lessons.data.digits`: pairs of handwritten digits (scikit-learn's bundled images);
* :mod:`~mtl_lessons.data.mechanisms`: small data sets that each show one reason why MTL helps;
* :mod:`~mtl_lessons.data.transforms`: new data sets from old ones (fewer tasks, other units);
* :mod:`~mtl_lessons.data.scenes`: generated scenes of shapes for segmentation, depth and counting;
* :mod:`~mtl_lessons.data.tagging`: generated sentences with part-of-speech and entity tags;
* :mod:`~mtl_lessons.data.clicks`: a recommendation log of exposures, clicks and conversions;
* :mod:`~mtl_lessons.data.reviews`: generated product reviews with a sentiment and a topic label.
"""

from mtl_lessons.data.base import CLASSIFICATION, MISSING_CLASS, REGRESSION, MultiTaskData, Split
from mtl_lessons.data.clicks import (
    CLICK_TASKS,
    click_log,
    clicked_labels,
    clicked_only,
    item_clicks,
    true_rates,
)
from mtl_lessons.data.digits import DIGIT_TASKS, digit_pairs
from mtl_lessons.data.mechanisms import eavesdropping_tasks, sparse_linear_tasks, subspace_tasks
from mtl_lessons.data.related import label_correlation, related_tasks
from mtl_lessons.data.reviews import product_reviews
from mtl_lessons.data.scaled import scaled_tasks
from mtl_lessons.data.scenes import SCENE_CLASSES, shape_scenes
from mtl_lessons.data.tagging import tagged_sentences
from mtl_lessons.data.transforms import scale_task, select_tasks

__all__ = [
    "CLASSIFICATION",
    "CLICK_TASKS",
    "DIGIT_TASKS",
    "MISSING_CLASS",
    "REGRESSION",
    "SCENE_CLASSES",
    "MultiTaskData",
    "Split",
    "click_log",
    "clicked_labels",
    "clicked_only",
    "digit_pairs",
    "eavesdropping_tasks",
    "item_clicks",
    "label_correlation",
    "product_reviews",
    "related_tasks",
    "scale_task",
    "scaled_tasks",
    "select_tasks",
    "shape_scenes",
    "sparse_linear_tasks",
    "subspace_tasks",
    "tagged_sentences",
    "true_rates",
]
