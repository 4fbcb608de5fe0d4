"""Soft parameter sharing: one network per task, tied only by a penalty on their distance."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import nn

from mtl_lessons.torch.models.common import MultiTaskNet, check_hidden, mlp


class SoftSharingNet(MultiTaskNet):
    """Soft parameter sharing: one full network per task, coupled only through a penalty.

    Every task has its own hidden layers of widths ``hidden`` and its own output layer. Nothing
    is shared; instead :meth:`coupling` measures how far the tasks' hidden layers are apart,
    ``sum_{i<j} ||theta_i - theta_j||^2``, and the training loss adds ``lam * coupling()``. This
    is the articles' pairwise term ``lambda sum L(T_i, T_j)`` made concrete (Duong et al. 2015).
    ``lam = 0`` trains independent networks; a large ``lam`` pulls them towards one shared trunk.
    """

    def __init__(
        self, input_shape: int | Sequence[int], heads: Mapping[str, int], hidden: Sequence[int] = (64, 64)
    ) -> None:
        super().__init__(input_shape, heads)
        hidden = check_hidden(hidden, at_least=1)
        widths = [self.in_features, *hidden]
        self.columns = nn.ModuleDict(
            {task: nn.Sequential(nn.Flatten(), *mlp(widths)) for task in self.heads_units}
        )
        self.outputs = nn.ModuleDict(
            {task: nn.Linear(widths[-1], units) for task, units in self.heads_units.items()})

    def coupling(self) -> torch.Tensor:
        """``sum_{i<j} ||theta_i - theta_j||^2`` over the hidden layers of every pair of tasks."""
        columns = [list(self.columns[t].parameters()) for t in self.tasks]
        total = torch.zeros((), device=columns[0][0].device)
        for i in range(len(columns)):
            for j in range(i + 1, len(columns)):
                for a, b in zip(columns[i], columns[j], strict=True):
                    total = total + (a - b).pow(2).sum()
        return total

    def forward(self, x: torch.Tensor, task: str | None = None) -> dict[str, torch.Tensor]:
        """Outputs of every task's network, or only of ``task``."""
        return {name: self.squeeze(name, self.outputs[name](self.columns[name](x)))
                for name in self.check_input(x, task)}
