"""Measuring how related tasks are, as a model sees them: the cosine of their gradients."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from mtl_lessons._checks import check_choice
from mtl_lessons.data import MultiTaskData
from mtl_lessons.torch.losses import task_loss
from mtl_lessons.torch.training import to_tensors


def shared_gradients(model: nn.Module, data: MultiTaskData, split: str = "train") -> dict[str, torch.Tensor]:
    """Each task's loss gradient with respect to the shared parameters, as one flat vector."""
    check_choice("split", split, ("train", "val", "test"))
    shared = model.shared_parameters() if hasattr(model, "shared_parameters") else []
    if not shared:
        raise ValueError("the model has no shared parameters (shared_layers=0?): nothing to compare")
    device = shared[0].device
    x, y = to_tensors(getattr(data, split), data.kinds, device)
    outputs = model(x)
    gradients = {}
    for task in data.tasks:
        loss = task_loss(outputs[task], y[task], data.kinds[task])
        grads = torch.autograd.grad(loss, shared, retain_graph=True)
        gradients[task] = torch.cat([g.flatten() for g in grads]).detach()
    return gradients


def gradient_cosine(model: nn.Module, data: MultiTaskData, split: str = "train") -> np.ndarray:
    """Cosine similarity matrix of the tasks' shared-parameter gradients (tasks in data order).

    Positive: a step that helps one task helps the other; negative: the tasks pull the shared
    parameters in conflicting directions (gradient conflict).
    """
    grads = shared_gradients(model, data, split)
    matrix = torch.stack([grads[t] for t in data.tasks])
    unit = matrix / matrix.norm(dim=1, keepdim=True).clamp_min(1e-12)
    return (unit @ unit.T).cpu().numpy()
