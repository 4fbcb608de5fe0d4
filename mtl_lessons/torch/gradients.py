"""Each task's gradient on the shared parameters: the Jacobian, and the cosine between tasks.

The gradient-based weightings (PCGrad, MGDA) act on the Jacobian; the relatedness chapter reads
the cosine between two tasks' gradients as a measure of how well they agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch
from torch import nn

from mtl_lessons._checks import check_choice
from mtl_lessons.data import MultiTaskData
from mtl_lessons.torch.losses import task_loss
from mtl_lessons.torch.tensors import to_tensors


def task_jacobian(
    losses: Mapping[str, torch.Tensor], parameters: Sequence[torch.Tensor], retain_graph: bool = False
) -> torch.Tensor:
    """The Jacobian ``(tasks, parameters)``: row ``t`` is ``d L_t / d theta``, flattened.

    Parameters a task's loss does not reach get zeros in its row.
    """
    if not losses:
        raise ValueError("losses must name at least one task")
    parameters = list(parameters)
    if not parameters:
        raise ValueError("parameters must hold at least one tensor to differentiate with respect to")
    rows = []
    names = list(losses)
    for k, task in enumerate(names):
        grads = torch.autograd.grad(losses[task], parameters, allow_unused=True,
                                    retain_graph=retain_graph or k < len(names) - 1)
        rows.append(torch.cat([(torch.zeros_like(p) if g is None else g).flatten()
                               for g, p in zip(grads, parameters, strict=True)]))
    return torch.stack(rows)


def shared_gradients(model: nn.Module, data: MultiTaskData, split: str = "train") -> dict[str, torch.Tensor]:
    """Each task's loss gradient with respect to the shared parameters, as one flat vector."""
    check_choice("split", split, ("train", "val", "test"))
    shared = model.shared_parameters() if hasattr(model, "shared_parameters") else []
    if not shared:
        raise ValueError("the model has no shared parameters (shared_layers=0?): nothing to compare")
    device = shared[0].device
    x, y = to_tensors(getattr(data, split), data.kinds, device)
    outputs = model(x)
    losses = {t: task_loss(outputs[t], y[t], data.kinds[t]) for t in data.tasks}
    jacobian = task_jacobian(losses, shared).detach()
    return dict(zip(data.tasks, jacobian, strict=True))


def gradient_cosine(model: nn.Module, data: MultiTaskData, split: str = "train") -> np.ndarray:
    """Cosine similarity matrix of the tasks' shared-parameter gradients (tasks in data order).

    Positive: a step that helps one task helps the other; negative: the tasks pull the shared
    parameters in conflicting directions (gradient conflict).
    """
    grads = shared_gradients(model, data, split)
    matrix = torch.stack([grads[t] for t in data.tasks])
    unit = matrix / matrix.norm(dim=1, keepdim=True).clamp_min(1e-12)
    return (unit @ unit.T).cpu().numpy()
