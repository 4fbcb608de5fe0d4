"""What every multi-task network of the book has: named heads, shared parameters, input checks."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import torch
from torch import nn

from mtl_lessons._checks import check_int, check_widths


def mlp(sizes: Sequence[int]) -> list[nn.Module]:
    """Linear + ReLU layers going through ``sizes`` (``len(sizes) - 1`` layers)."""
    layers: list[nn.Module] = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
    return layers


def check_heads(heads: object) -> dict[str, int]:
    """``heads`` as a ``{task: output units}`` dict, or a clear error."""
    if not isinstance(heads, Mapping) or not heads:
        raise ValueError(f"heads must be a non-empty dict {{task: output units}}, got {heads!r}")
    for task in heads:
        if not isinstance(task, str) or not task:
            raise TypeError(f"task names in heads must be non-empty strings; got {task!r}")
    return {task: check_int(f"heads[{task!r}]", units, minimum=1) for task, units in heads.items()}


def check_hidden(hidden: Sequence[int], at_least: int = 0, name: str = "hidden") -> list[int]:
    """The hidden layer widths as positive ints, at least ``at_least`` of them (``name``: the argument)."""
    return check_widths(name, hidden, at_least)


def flat_size(input_shape: int | Sequence[int]) -> int:
    """Number of input features once an input of this shape is flattened."""
    shape = (input_shape,) if isinstance(input_shape, int) else tuple(input_shape)
    if not shape:
        raise ValueError("input_shape must not be empty")
    return math.prod(check_int("input_shape entry", s, minimum=1) for s in shape)


def count_parameters(model: nn.Module) -> int:
    """Number of trainable scalars in ``model``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


class MultiTaskNet(nn.Module):
    """Base of the book's networks: ``forward(x, task=None)`` returns ``{task: output}``.

    A regression head (one unit) returns shape ``(n,)``, a classification head logits
    ``(n, classes)``. Subclasses say which parameters all tasks share
    (:meth:`shared_parameters`), which the gradient-based weightings need.
    """

    def __init__(self, input_shape: int | Sequence[int], heads: Mapping[str, int]) -> None:
        super().__init__()
        self.in_features = flat_size(input_shape)
        self.heads_units = check_heads(heads)

    @property
    def tasks(self) -> tuple[str, ...]:
        return tuple(self.heads_units)

    def shared_parameters(self) -> list[nn.Parameter]:
        """Parameters that every task's loss reaches (none for networks that share nothing)."""
        return []

    def representation_module(self) -> nn.Module | None:
        """The module whose output is the representation every task reads (None if there is none)."""
        return None

    def check_input(self, x: torch.Tensor, task: str | None = None) -> tuple[str, ...]:
        """The tasks to compute; a clear error for inputs of the wrong size or an unknown task."""
        features = math.prod(x.shape[1:]) if x.ndim >= 2 else -1
        if features != self.in_features:
            raise ValueError(f"the model expects inputs of {self.in_features} features per example, but x "
                             f"has shape {tuple(x.shape)} ({max(features, 0)} features per example)")
        if task is None:
            return self.tasks
        if task not in self.heads_units:
            raise ValueError(f"unknown task {task!r}; this model has heads {list(self.heads_units)}")
        return (task,)

    def squeeze(self, task: str, out: torch.Tensor) -> torch.Tensor:
        """A one-unit (regression) head's output as shape ``(n,)``, like its targets."""
        return out.squeeze(-1) if self.heads_units[task] == 1 else out
