"""Uncertainty weighting (Kendall, Gal and Cipolla 2018): task weights learned as log-variances."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from mtl_lessons._checks import check_kinds, check_scalar_losses
from mtl_lessons.data.base import CLASSIFICATION, REGRESSION
from mtl_lessons.torch.weighting.base import LossWeighting


class UncertaintyWeighting(LossWeighting):
    """Learn one log-variance ``s_t`` per task and minimise ``sum_t c_t exp(-s_t) L_t + s_t / 2``.

    ``c_t = 1/2`` for regression and ``1`` for classification, as in the paper and in
    ``mtl_lessons.keras.UncertaintyWeighting``. For a fixed loss the optimum is
    ``s_t = log(2 c_t L_t)``, where the effective weight ``c_t exp(-s_t)`` equals ``1 / (2 L_t)``:
    a task whose loss stays large gets a small weight. The total can be negative; that is normal.
    """

    def __init__(self, kinds: Mapping[str, str]) -> None:
        super().__init__()
        self.kinds = check_kinds(kinds, (REGRESSION, CLASSIFICATION))
        self.log_vars = nn.ParameterDict({t: nn.Parameter(torch.zeros(())) for t in self.kinds})

    def factor(self, task: str) -> float:
        """``c_t``: 1/2 for a regression task (Gaussian likelihood), 1 for classification."""
        return 0.5 if self.kinds[task] == REGRESSION else 1.0

    def combine(self, losses: Mapping[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        check_scalar_losses(losses)
        unknown = set(losses) - set(self.kinds)
        if unknown:
            raise ValueError(f"no log-variance for tasks {sorted(unknown)}; this weighting knows "
                             f"{list(self.kinds)}")
        total = torch.zeros((), device=self.log_vars[next(iter(self.kinds))].device)
        weights = []
        for task, loss in losses.items():
            s = self.log_vars[task]
            weight = self.factor(task) * torch.exp(-s)
            total = total + weight * loss + 0.5 * s
            weights.append(weight)
        return total, torch.stack(weights)

    def weights_now(self) -> dict[str, float]:
        """The effective weight ``c_t exp(-s_t)`` of each task's loss at this moment."""
        return {t: self.factor(t) * float(torch.exp(-s.detach())) for t, s in self.log_vars.items()}

    def extra_repr(self) -> str:
        return f"kinds={self.kinds}"
