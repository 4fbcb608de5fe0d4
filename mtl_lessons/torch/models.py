"""Multi-task networks in PyTorch."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from mtl_lessons._checks import check_int


def _mlp(sizes: Sequence[int]) -> list[nn.Module]:
    """Linear + ReLU layers going through ``sizes`` (``len(sizes) - 1`` layers)."""
    layers: list[nn.Module] = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
    return layers


class HardSharingNet(nn.Module):
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
        heads: dict[str, int],
        hidden: Sequence[int] = (64, 64),
        shared_layers: int | None = None,
    ) -> None:
        super().__init__()
        in_features = _flat_size(input_shape)
        _check_heads(heads)
        hidden = [check_int("hidden width", h, minimum=1) for h in hidden]
        if shared_layers is None:
            shared_layers = len(hidden)
        shared_layers = check_int("shared_layers", shared_layers, minimum=0, maximum=len(hidden))

        self.heads_units = dict(heads)
        self.shared_layers = shared_layers
        widths = [in_features, *hidden]
        self.trunk = nn.Sequential(nn.Flatten(), *_mlp(widths[: shared_layers + 1]))
        self.heads = nn.ModuleDict(
            {
                task: nn.Sequential(*_mlp(widths[shared_layers:]), nn.Linear(widths[-1], units))
                for task, units in heads.items()
            }
        )

    @property
    def tasks(self) -> tuple[str, ...]:
        return tuple(self.heads_units)

    def shared_parameters(self) -> list[nn.Parameter]:
        """Parameters that every task's loss reaches (empty when ``shared_layers == 0``)."""
        return list(self.trunk.parameters())

    def forward(self, x: torch.Tensor, task: str | None = None) -> dict[str, torch.Tensor]:
        """Outputs of every head, or of the one head named by ``task`` (alternating training)."""
        features = self.trunk(x)
        if task is not None and task not in self.heads:
            raise ValueError(f"unknown task {task!r}; this model has heads {list(self.heads)}")
        tasks = self.heads_units if task is None else (task,)
        outputs = {}
        for name in tasks:
            out = self.heads[name](features)
            outputs[name] = out.squeeze(-1) if self.heads_units[name] == 1 else out
        return outputs


def _check_heads(heads: object) -> None:
    """Raise unless ``heads`` is a non-empty ``{task: output units}`` dict with positive units."""
    if not isinstance(heads, dict) or not heads:
        raise ValueError(f"heads must be a non-empty dict {{task: output units}}, got {heads!r}")
    for task, units in heads.items():
        check_int(f"heads[{task!r}]", units, minimum=1)


def _flat_size(input_shape: int | Sequence[int]) -> int:
    """Number of input features once an input of this shape is flattened."""
    shape = (input_shape,) if isinstance(input_shape, int) else tuple(input_shape)
    if not shape:
        raise ValueError("input_shape must not be empty")
    size = 1
    for s in shape:
        size *= check_int("input_shape entry", s, minimum=1)
    return size


def count_parameters(model: nn.Module) -> int:
    """Number of trainable scalars in ``model``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


class SoftSharingNet(nn.Module):
    """Soft parameter sharing: one full network per task, coupled only through a penalty.

    Every task has its own hidden layers of widths ``hidden`` and its own output layer. Nothing
    is shared; instead :meth:`coupling` measures how far the tasks' hidden layers are apart,
    ``sum_{i<j} ||theta_i - theta_j||^2``, and the training loss adds ``lam * coupling()``. This
    is the articles' pairwise term ``lambda sum L(T_i, T_j)`` made concrete (Duong et al. 2015).
    ``lam = 0`` trains independent networks; a large ``lam`` pulls them towards one shared trunk.
    """

    def __init__(
        self, input_shape: int | Sequence[int], heads: dict[str, int], hidden: Sequence[int] = (64, 64)
    ) -> None:
        super().__init__()
        in_features = _flat_size(input_shape)
        _check_heads(heads)
        hidden = [check_int("hidden width", h, minimum=1) for h in hidden]
        if not hidden:
            raise ValueError("hidden must list at least one layer width: the penalty couples hidden layers")
        self.heads_units = dict(heads)
        widths = [in_features, *hidden]
        self.columns = nn.ModuleDict(
            {task: nn.Sequential(nn.Flatten(), *_mlp(widths)) for task in heads}
        )
        self.outputs = nn.ModuleDict({task: nn.Linear(widths[-1], units) for task, units in heads.items()})

    @property
    def tasks(self) -> tuple[str, ...]:
        return tuple(self.heads_units)

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
        if task is not None and task not in self.columns:
            raise ValueError(f"unknown task {task!r}; this model has heads {list(self.columns)}")
        outputs = {}
        for name in self.tasks if task is None else (task,):
            out = self.outputs[name](self.columns[name](x))
            outputs[name] = out.squeeze(-1) if self.heads_units[name] == 1 else out
        return outputs


class CrossStitchNet(nn.Module):
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
        heads: dict[str, int],
        hidden: Sequence[int] = (64, 64),
        self_weight: float = 0.9,
    ) -> None:
        super().__init__()
        in_features = _flat_size(input_shape)
        _check_heads(heads)
        hidden = [check_int("hidden width", h, minimum=1) for h in hidden]
        if not 0.0 <= float(self_weight) <= 1.0:
            raise ValueError(f"self_weight must be in [0, 1], got {self_weight!r}")
        self.heads_units = dict(heads)
        n_tasks = len(heads)
        widths = [in_features, *hidden]
        self.flatten = nn.Flatten()
        self.layers = nn.ModuleList(
            nn.ModuleList(nn.Linear(widths[k], widths[k + 1]) for _ in range(n_tasks))
            for k in range(len(hidden))
        )
        other = (1.0 - self_weight) / (n_tasks - 1) if n_tasks > 1 else 0.0
        start = torch.full((n_tasks, n_tasks), other)
        start.fill_diagonal_(self_weight if n_tasks > 1 else 1.0)
        self.stitches = nn.ParameterList(nn.Parameter(start.clone()) for _ in hidden)
        self.outputs = nn.ModuleDict({t: nn.Linear(widths[-1], u) for t, u in heads.items()})

    @property
    def tasks(self) -> tuple[str, ...]:
        return tuple(self.heads_units)

    def forward(self, x: torch.Tensor, task: str | None = None) -> dict[str, torch.Tensor]:
        """Outputs of every task (all columns are computed: they feed each other)."""
        if task is not None and task not in self.outputs:
            raise ValueError(f"unknown task {task!r}; this model has heads {list(self.outputs)}")
        x = self.flatten(x)
        columns = [x] * len(self.tasks)
        for layer, stitch in zip(self.layers, self.stitches, strict=True):
            activations = torch.stack([torch.relu(lin(h)) for lin, h in zip(layer, columns, strict=True)])
            columns = list(torch.einsum("ij,jnd->ind", stitch, activations))
        outputs = {}
        for i, name in enumerate(self.tasks):
            if task is None or name == task:
                out = self.outputs[name](columns[i])
                outputs[name] = out.squeeze(-1) if self.heads_units[name] == 1 else out
        return outputs
