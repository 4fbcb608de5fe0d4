"""Cross-stitch networks: one column per task, their activations mixed after every layer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import nn

from mtl_lessons._checks import check_float
from mtl_lessons.torch.models.common import MultiTaskNet, check_hidden


class CrossStitchNet(MultiTaskNet):
    """Cross-stitch networks (Misra et al. 2016): one column per task, mixed after each layer.

    After hidden layer ``l`` every task's activation is replaced by a learned mixture of all
    tasks' activations, ``h_i <- sum_j A_l[i, j] h_j``. ``A_l`` starts at ``self_weight`` on the
    diagonal and ``(1 - self_weight) / (T - 1)`` elsewhere (the paper's initialisation favours
    each task's own column; rows sum to one). ``A = I`` gives independent networks and a matrix
    of equal entries gives columns that see the same mixture: the model learns how much to share.
    """

    def __init__(
        self,
        input_shape: int | Sequence[int],
        heads: Mapping[str, int],
        hidden: Sequence[int] = (64, 64),
        self_weight: float = 0.9,
    ) -> None:
        super().__init__(input_shape, heads)
        hidden = check_hidden(hidden)
        self_weight = check_float("self_weight", self_weight, minimum=0.0, maximum=1.0)
        n_tasks = len(self.heads_units)
        widths = [self.in_features, *hidden]
        self.flatten = nn.Flatten()
        self.layers = nn.ModuleList(
            nn.ModuleList(nn.Linear(widths[k], widths[k + 1]) for _ in range(n_tasks))
            for k in range(len(hidden))
        )
        other = (1.0 - self_weight) / (n_tasks - 1) if n_tasks > 1 else 0.0
        start = torch.full((n_tasks, n_tasks), other)
        start.fill_diagonal_(self_weight if n_tasks > 1 else 1.0)
        self.stitches = nn.ParameterList(nn.Parameter(start.clone()) for _ in hidden)
        self.outputs = nn.ModuleDict({t: nn.Linear(widths[-1], u) for t, u in self.heads_units.items()})

    def shared_parameters(self) -> list[nn.Parameter]:
        """Every column layer and stitch matrix: through the mixing, each task's loss reaches them all."""
        return [*self.layers.parameters(), *self.stitches]

    def forward(self, x: torch.Tensor, task: str | None = None) -> dict[str, torch.Tensor]:
        """Outputs of every task (all columns are computed: they feed each other)."""
        wanted = self.check_input(x, task)
        x = self.flatten(x)
        columns = [x] * len(self.tasks)
        for layer, stitch in zip(self.layers, self.stitches, strict=True):
            activations = torch.stack([torch.relu(lin(h)) for lin, h in zip(layer, columns, strict=True)])
            columns = list(torch.einsum("ij,jnd->ind", stitch, activations))
        return {name: self.squeeze(name, self.outputs[name](columns[i]))
                for i, name in enumerate(self.tasks) if name in wanted}
