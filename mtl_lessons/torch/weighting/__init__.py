"""Ways of combining the tasks' losses into one training step, behind one contract.

See :mod:`mtl_lessons.torch.weighting.base` for the contract; each method is one module.
"""

from mtl_lessons.torch.weighting.base import GradientWeighting, LossWeighting, Weighting
from mtl_lessons.torch.weighting.dwa import DWA, dwa_weights
from mtl_lessons.torch.weighting.fixed import FixedWeights, as_weighting
from mtl_lessons.torch.weighting.gradnorm import GradNorm
from mtl_lessons.torch.weighting.mgda import (
    MGDA,
    exact_min_norm,
    frank_wolfe_min_norm,
    min_norm_weights,
    two_task_min_norm,
)
from mtl_lessons.torch.weighting.pcgrad import PCGrad, project_conflicts
from mtl_lessons.torch.weighting.torchjd_methods import TorchJDAggregator, TorchJDScalarizer, from_torchjd
from mtl_lessons.torch.weighting.uncertainty import UncertaintyWeighting

__all__ = [
    "DWA",
    "MGDA",
    "FixedWeights",
    "GradNorm",
    "GradientWeighting",
    "LossWeighting",
    "PCGrad",
    "TorchJDAggregator",
    "TorchJDScalarizer",
    "UncertaintyWeighting",
    "Weighting",
    "as_weighting",
    "dwa_weights",
    "exact_min_norm",
    "frank_wolfe_min_norm",
    "from_torchjd",
    "min_norm_weights",
    "project_conflicts",
    "two_task_min_norm",
]
