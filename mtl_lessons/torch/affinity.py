"""Inter-task affinity by lookahead (Fifty et al., 2021): how one task's step changes another's loss.

Take a gradient step on the shared parameters along task ``i``'s gradient alone, and look at every
task's loss after it, the task-specific parameters unchanged:

    Z[i, j] = 1 - L_j(theta_s - lr * grad_s L_i, theta_j) / L_j(theta_s, theta_j).

``Z[i, j] > 0``: task ``i``'s step lowers task ``j``'s loss (it helps); ``< 0``: it raises it.
Unlike the gradient cosine, the affinity is measured in the quantity we care about (the loss),
it is not symmetric, and it includes the curvature that a step of size ``lr`` meets. Fifty et al.
average it over a whole training run of the all-in-one network, and group the tasks by it.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.func import functional_call

from mtl_lessons._checks import check_choice, check_float, check_int
from mtl_lessons.data import MultiTaskData
from mtl_lessons.torch.gradients import shared_gradients
from mtl_lessons.torch.losses import task_loss
from mtl_lessons.torch.tensors import to_tensors
from mtl_lessons.torch.training import check_model_fits_data, fit


def lookahead_affinity(model: nn.Module, data: MultiTaskData, lr: float, split: str = "train") -> np.ndarray:
    """The affinity matrix ``Z[i, j]`` (tasks in data order) at the model's current weights.

    Each task's gradient step (plain gradient descent with ``lr``, on the shared parameters only)
    is tried on a copy of the weights: the model itself is left unchanged.
    """
    check_model_fits_data(model, data)
    lr = check_float("lr", lr, minimum=0.0, strict_minimum=True)
    check_choice("split", split, ("train", "val", "test"))
    grads = shared_gradients(model, data, split)  # raises when nothing is shared
    shared = model.shared_parameters()
    names = {id(p): name for name, p in model.named_parameters()}
    x, y = to_tensors(getattr(data, split), data.kinds, shared[0].device)

    def losses(outputs: dict[str, torch.Tensor]) -> torch.Tensor:
        return torch.stack([task_loss(outputs[t], y[t], data.kinds[t]) for t in data.tasks])

    affinity = np.empty((len(data.tasks), len(data.tasks)))
    with torch.no_grad():
        before = losses(model(x))
        for i, task in enumerate(data.tasks):
            steps = torch.split(grads[task], [p.numel() for p in shared])
            moved = {names[id(p)]: p - lr * g.view_as(p) for p, g in zip(shared, steps, strict=True)}
            after = losses(functional_call(model, moved, (x,)))
            affinity[i] = (1 - after / before).cpu().double().numpy()
    return affinity


def task_affinity(model: nn.Module, data: MultiTaskData, epochs: int = 50, lr: float = 0.1,
                  every: int = 1) -> np.ndarray:
    """Train ``model`` on the summed losses and average :func:`lookahead_affinity` over the run.

    Training is full-batch gradient descent with ``lr`` (``fit`` with ``optimizer="sgd"``), the
    same kind of step as the lookahead; the affinity is measured before the first step and after
    every ``every`` epochs (``epochs`` must be a multiple of ``every``). Fifty et al. (2021)
    average over training because the affinity of one moment changes as the shared layers learn.
    """
    epochs = check_int("epochs", epochs, minimum=1)
    every = check_int("every", every, minimum=1, maximum=epochs)
    if epochs % every:
        raise ValueError(f"epochs ({epochs}) must be a multiple of every ({every})")
    lr = check_float("lr", lr, minimum=0.0, strict_minimum=True)
    measured = [lookahead_affinity(model, data, lr)]
    for _ in range(epochs // every):
        fit(model, data, epochs=every, batch_size=None, lr=lr, optimizer="sgd", eval_splits=(),
            progress=False)
        measured.append(lookahead_affinity(model, data, lr))
    return np.mean(measured, axis=0)
