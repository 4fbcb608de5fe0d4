"""PCGrad (Yu et al. 2020): remove from each task's gradient its conflict with the others, then sum.

Two gradients conflict when their dot product is negative. For each task, PCGrad visits the other
tasks in random order and, whenever its (already projected) gradient conflicts with another task's
gradient, removes the component along that gradient. Without conflicts it is the plain sum.
"""

from __future__ import annotations

import torch

from mtl_lessons._checks import check_int, check_matrix
from mtl_lessons.seeding import effective_seed
from mtl_lessons.torch.weighting.base import GradientWeighting


def project_conflicts(
    jacobian: torch.Tensor, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """PCGrad's projected gradients ``(tasks, parameters)`` and the weights they imply.

    Row ``i`` of the result is ``g_i`` with its conflicts removed. Each projection subtracts a
    multiple of some ``g_j``, so the sum of the rows is ``w @ jacobian`` for weights ``w``, which
    are returned too (1 for every task when nothing conflicts).
    """
    check_matrix("jacobian", jacobian, "(tasks, parameters)")
    tasks = jacobian.shape[0]
    squared_norms = (jacobian * jacobian).sum(dim=1)
    projected = jacobian.clone()
    weights = torch.ones(tasks, dtype=jacobian.dtype, device=jacobian.device)
    for i in range(tasks):
        for j in torch.randperm(tasks, generator=generator).tolist():
            if j == i or squared_norms[j] == 0:
                continue
            dot = projected[i] @ jacobian[j]
            if dot < 0:  # conflict: remove the part of g_i that points against g_j
                share = dot / squared_norms[j]
                projected[i] -= share * jacobian[j]
                weights[j] -= share
    return projected, weights


class PCGrad(GradientWeighting):
    """PCGrad on the shared parameters; the random order of each step comes from ``seed``."""

    def __init__(self, seed: int = 0) -> None:
        super().__init__()
        self.seed = check_int("seed", seed, minimum=0)
        self.generator = torch.Generator().manual_seed(effective_seed(self.seed))

    def aggregate(self, jacobian: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        projected, weights = project_conflicts(jacobian, self.generator)
        return projected.sum(dim=0), weights

    def extra_repr(self) -> str:
        return f"seed={self.seed}"
