"""PyTorch side of the book: models, losses, task weightings, the training loop and its tools.

The names match ``mtl_lessons.keras`` wherever the idea is the same.

The book's models are tiny, and for tiny models several CPU threads cost more in coordination
than they save (ten times more on a busy two-core machine): importing this module therefore
runs PyTorch on one CPU thread. Set ``MTL_LESSONS_TORCH_THREADS`` to change that.
"""

import os

import torch

from mtl_lessons.history import History, Score
from mtl_lessons.stopping import EarlyStopping
from mtl_lessons.torch.affinity import lookahead_affinity, task_affinity
from mtl_lessons.torch.batched import CopiesResult, SharingSetting, train_copies
from mtl_lessons.torch.comparison import WeightingRuns, compare_weightings, target_variance
from mtl_lessons.torch.gradients import gradient_cosine, shared_gradients, task_jacobian
from mtl_lessons.torch.losses import mtl_loss, task_loss, task_metric
from mtl_lessons.torch.models import (
    CrossStitchNet,
    CVRNet,
    ESMMNet,
    HardSharingNet,
    MMoENet,
    MultiTaskNet,
    OMoENet,
    SceneNet,
    SequenceTaggerNet,
    SoftSharingNet,
    count_parameters,
    positive_probabilities,
)
from mtl_lessons.torch.probes import linear_probe
from mtl_lessons.torch.scoring import fit_and_score, mtl_and_stl
from mtl_lessons.torch.tensors import default_device, to_tensors
from mtl_lessons.torch.timing import seconds_per_step
from mtl_lessons.torch.training import evaluate, fit, make_optimizer
from mtl_lessons.torch.weighting import (
    DWA,
    MGDA,
    FixedWeights,
    GradientWeighting,
    GradNorm,
    LossWeighting,
    PCGrad,
    UncertaintyWeighting,
    Weighting,
    from_torchjd,
)

torch.set_num_threads(int(os.environ.get("MTL_LESSONS_TORCH_THREADS", "1")))

__all__ = [
    "DWA",
    "MGDA",
    "MMoENet",
    "CVRNet",
    "CopiesResult",
    "CrossStitchNet",
    "ESMMNet",
    "EarlyStopping",
    "FixedWeights",
    "GradNorm",
    "GradientWeighting",
    "HardSharingNet",
    "History",
    "LossWeighting",
    "PCGrad",
    "MultiTaskNet",
    "OMoENet",
    "SceneNet",
    "Score",
    "SequenceTaggerNet",
    "SharingSetting",
    "SoftSharingNet",
    "UncertaintyWeighting",
    "Weighting",
    "WeightingRuns",
    "compare_weightings",
    "count_parameters",
    "positive_probabilities",
    "default_device",
    "evaluate",
    "fit",
    "fit_and_score",
    "from_torchjd",
    "gradient_cosine",
    "linear_probe",
    "lookahead_affinity",
    "make_optimizer",
    "mtl_and_stl",
    "mtl_loss",
    "seconds_per_step",
    "shared_gradients",
    "task_jacobian",
    "task_loss",
    "target_variance",
    "task_affinity",
    "task_metric",
    "to_tensors",
    "train_copies",
]
