"""MGDA (Sener and Koltun 2018): step along the shortest vector in the convex hull of the task gradients.

If that vector is not zero, a small step against it lowers every task's loss at once; if it is zero,
the shared parameters are Pareto-stationary: no direction helps every task. For two tasks the
shortest vector has a closed form; for more, the Frank-Wolfe iteration of the paper finds it.
"""

from __future__ import annotations

import numpy as np
import torch

from mtl_lessons._checks import check_float, check_int, check_matrix
from mtl_lessons.torch.weighting.base import GradientWeighting


def two_task_min_norm(gramian: torch.Tensor) -> torch.Tensor:
    """Weights ``(gamma, 1 - gamma)`` of the shortest vector ``gamma g_1 + (1 - gamma) g_2``.

    Minimising ``|gamma g_1 + (1 - gamma) g_2|^2`` over ``gamma`` gives
    ``gamma = (g_2 . (g_2 - g_1)) / |g_1 - g_2|^2``, clipped to ``[0, 1]``; ``gramian`` holds the
    dot products ``g_i . g_j``. Equal gradients give ``gamma = 1/2``.
    """
    check_matrix("gramian", gramian, "(tasks, tasks)", square=True)
    if gramian.shape[0] != 2:
        raise ValueError(f"gramian must be the (2, 2) matrix of two tasks; got shape {tuple(gramian.shape)}")
    g11, g12, g22 = gramian[0, 0], gramian[0, 1], gramian[1, 1]
    distance = g11 + g22 - 2 * g12  # |g_1 - g_2|^2
    if distance <= 1e-12 * max(float(g11 + g22), 1e-30):
        gamma = torch.tensor(0.5, dtype=gramian.dtype, device=gramian.device)
    else:
        gamma = ((g22 - g12) / distance).clamp(0.0, 1.0)
    return torch.stack([gamma, 1 - gamma])


def min_norm_weights(gramian: torch.Tensor, max_iters: int = 250, tolerance: float = 1e-6) -> torch.Tensor:
    """Weights on the simplex of the shortest vector in the convex hull of the gradients.

    ``gramian[i, j] = g_i . g_j``. Two tasks: the closed form. More: Frank-Wolfe (the paper's
    Algorithm 2) from equal weights; each iteration moves towards the task whose gradient agrees
    least with the current vector, by the step that shortens it most, until the step is below
    ``tolerance``.
    """
    check_matrix("gramian", gramian, "(tasks, tasks)", square=True)
    max_iters = check_int("max_iters", max_iters, minimum=1)
    tolerance = check_float("tolerance", tolerance, minimum=0.0, strict_minimum=True)
    tasks = gramian.shape[0]
    if tasks == 1:
        return torch.ones(1, dtype=gramian.dtype, device=gramian.device)
    if tasks == 2:
        return two_task_min_norm(gramian)
    # the iteration runs on the small (tasks, tasks) Gramian in NumPy: many tiny steps, no autograd
    gram = gramian.detach().double().cpu().numpy()
    weights = np.full(tasks, 1.0 / tasks)
    for _ in range(max_iters):
        t = int(np.argmin(gram @ weights))  # the gradient least aligned with the current vector
        # the best point on the segment between the current vector u and g_t (two-vector closed form)
        uu, ut, tt = weights @ gram @ weights, weights @ gram[:, t], gram[t, t]
        distance = tt + uu - 2 * ut
        step = 0.5 if distance <= 1e-12 * max(tt + uu, 1e-30) else min(max((uu - ut) / distance, 0.0), 1.0)
        weights = (1 - step) * weights
        weights[t] += step
        if step < tolerance:
            break
    return torch.as_tensor(weights, dtype=gramian.dtype, device=gramian.device)


class MGDA(GradientWeighting):
    """MGDA: the update is the minimum-norm point of the convex hull of the task gradients.

    ``on="parameters"`` (default) takes the gradients on the shared parameters, one backward pass per
    task. ``on="features"`` is the paper's MGDA-UB: the weights come from the gradients with respect
    to the shared representation (an upper bound of the same problem, much cheaper when the trunk is
    large), and the shared parameters follow ``sum_t w_t g_t``.
    """

    def __init__(self, on: str = "parameters", max_iters: int = 250, tolerance: float = 1e-6) -> None:
        super().__init__(on)
        self.max_iters = check_int("max_iters", max_iters, minimum=1)
        self.tolerance = check_float("tolerance", tolerance, minimum=0.0, strict_minimum=True)

    def aggregate(self, jacobian: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        check_matrix("jacobian", jacobian, "(tasks, parameters)")
        weights = min_norm_weights(jacobian @ jacobian.T, self.max_iters, self.tolerance)
        return weights @ jacobian, weights
