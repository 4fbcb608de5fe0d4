"""TensorFlow/Keras side of the book: the models, losses, weightings and ``fit`` of ``mtl_lessons.torch``.

Importing this module imports TensorFlow (about 3 s), with its C++ log noise silenced and its
thread pools sized for a small CPU. Nothing else in ``mtl_lessons`` imports TensorFlow.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import tensorflow as tf  # noqa: E402

try:  # the thread pools can only be sized before TensorFlow runs its first operation
    tf.config.threading.set_intra_op_parallelism_threads(
        int(os.environ.get("MTL_LESSONS_TF_THREADS", "1")))
    tf.config.threading.set_inter_op_parallelism_threads(2)
except RuntimeError:
    pass
tf.get_logger().setLevel("ERROR")

from mtl_lessons.history import History, Score  # noqa: E402
from mtl_lessons.keras.losses import mtl_loss, task_loss, task_losses, task_metric  # noqa: E402
from mtl_lessons.keras.models import (  # noqa: E402
    HardSharingNet,
    MMoENet,
    OMoENet,
    SoftSharingNet,
    TextEncoderNet,
    count_parameters,
)
from mtl_lessons.keras.training import compile_mtl, evaluate, fit, make_optimizer, split_targets  # noqa: E402
from mtl_lessons.keras.weighting import FixedWeights, UncertaintyWeighting, Weighting  # noqa: E402
from mtl_lessons.stopping import EarlyStopping  # noqa: E402

__all__ = [
    "EarlyStopping",
    "FixedWeights",
    "HardSharingNet",
    "History",
    "MMoENet",
    "OMoENet",
    "Score",
    "SoftSharingNet",
    "TextEncoderNet",
    "UncertaintyWeighting",
    "Weighting",
    "compile_mtl",
    "count_parameters",
    "evaluate",
    "fit",
    "make_optimizer",
    "mtl_loss",
    "split_targets",
    "task_loss",
    "task_losses",
    "task_metric",
]
