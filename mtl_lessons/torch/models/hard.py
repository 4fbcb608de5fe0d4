"""Hard and partial parameter sharing: a shared trunk of hidden layers, then one head per task."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import nn

from mtl_lessons._checks import check_int
from mtl_lessons.torch.models.common import MultiTaskNet, check_hidden, mlp


class HardSharingNet(MultiTaskNet):
    """Hard parameter sharing: a shared trunk of hidden layers, then one head per task.

    ``hidden`` lists the hidden layer widths of every task's network. The first
    ``shared_layers`` of them form the trunk that all tasks share; each task's head holds the
    remaining hidden layers and its output layer. ``shared_layers=0`` gives fully independent
    networks (single-task learning), ``shared_layers=len(hidden)`` the classic shared-bottom model.
    Image inputs are flattened first. ``forward`` returns ``{task: output}``; a regression head
    (one unit) returns shape ``(n,)``, a classification head returns logits ``(n, classes)``.
    """

    def __init__(
        self,
        input_shape: int | Sequence[int],
        heads: Mapping[str, int],
        hidden: Sequence[int] = (64, 64),
        shared_layers: int | None = None,
    ) -> None:
        super().__init__(input_shape, heads)
        hidden = check_hidden(hidden)
        if shared_layers is None:
            shared_layers = len(hidden)
        self.shared_layers = check_int("shared_layers", shared_layers, minimum=0, maximum=len(hidden))
        widths = [self.in_features, *hidden]
        self.trunk = nn.Sequential(nn.Flatten(), *mlp(widths[: self.shared_layers + 1]))
        self.heads = nn.ModuleDict(
            {
                task: nn.Sequential(*mlp(widths[self.shared_layers:]), nn.Linear(widths[-1], units))
                for task, units in self.heads_units.items()
            }
        )

    def shared_parameters(self) -> list[nn.Parameter]:
        """Parameters that every task's loss reaches (empty when ``shared_layers == 0``)."""
        return list(self.trunk.parameters())

    def representation_module(self) -> nn.Module | None:
        """The trunk, whose output all heads read (None when nothing is shared)."""
        return self.trunk if self.shared_layers > 0 else None

    def forward(self, x: torch.Tensor, task: str | None = None) -> dict[str, torch.Tensor]:
        """Outputs of every head, or of the one head named by ``task`` (alternating training)."""
        tasks = self.check_input(x, task)
        features = self.trunk(x)
        return {name: self.squeeze(name, self.heads[name](features)) for name in tasks}
