"""Ways of combining the tasks' losses into one training step, behind one contract.

See :mod:`mtl_lessons.torch.weighting.base` for the contract; each method is one module.
"""

from mtl_lessons.torch.weighting.base import GradientWeighting, LossWeighting, Weighting, as_weighting
from mtl_lessons.torch.weighting.fixed import FixedWeights
from mtl_lessons.torch.weighting.uncertainty import UncertaintyWeighting

__all__ = [
    "FixedWeights",
    "GradientWeighting",
    "LossWeighting",
    "UncertaintyWeighting",
    "Weighting",
    "as_weighting",
]
