"""MGDA (Sener and Koltun 2018): step along the shortest vector in the convex hull of the task gradients.

If that vector is not zero, a small step against it lowers every task's loss at once; if it is zero,
the shared parameters are Pareto-stationary: no direction helps every task. For two tasks the
shortest vector has a closed form. For more, the package solves the small quadratic programme
exactly; the paper's Frank-Wolfe iteration, kept to read and to compare, stops near it.
"""

from __future__ import annotations

import numpy as np
import quadprog
import torch

from mtl_lessons._checks import check_choice, check_float, check_int, check_matrix
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


def frank_wolfe_min_norm(
    gramian: torch.Tensor, max_iters: int = 250, tolerance: float = 1e-6
) -> torch.Tensor:
    """Weights on the simplex of a short vector in the convex hull of the gradients, by Frank-Wolfe.

    The paper's Algorithm 2, the one to read: from equal weights, each iteration moves towards the
    task whose gradient agrees least with the current vector, by the step that shortens it most,
    until the step is below ``tolerance`` or ``max_iters`` steps are taken. ``gramian[i, j]`` is
    ``g_i . g_j``. It approaches the shortest vector without reaching it. With these defaults, on
    20,000 random Gramians of 3 to 8 tasks (full rank or not, with and without conflicts, gradient
    norms spread over four orders of magnitude), its vector ended at most 2.8 % of the longest
    gradient's norm away from the shortest one, in length and in distance; the tests check 5 % on
    others. Its weights can be much further from the exact ones (by up to 0.5 on the simplex) where
    several weightings give nearly the same vector. :func:`exact_min_norm` finds the shortest vector.
    """
    check_matrix("gramian", gramian, "(tasks, tasks)", square=True)
    max_iters = check_int("max_iters", max_iters, minimum=1)
    tolerance = check_float("tolerance", tolerance, minimum=0.0, strict_minimum=True)
    tasks = gramian.shape[0]
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


RIDGE = 1e-10  # the ridge added to the Gramian, relative to its mean diagonal (see exact_min_norm)
POLISH_STEPS = 50  # Frank-Wolfe steps after the solver, at most


def exact_min_norm(gramian: torch.Tensor) -> torch.Tensor:
    """Weights on the simplex of the shortest vector in the convex hull, solved as a quadratic programme.

    ``min_w w^T G w`` subject to ``w >= 0`` and ``sum_t w_t = 1``, with ``G = gramian``, by the
    Goldfarb-Idnani dual method of ``quadprog``. That method needs ``G`` positive *definite*, and a
    Gramian is only positive semi-definite: singular when the gradients are linearly dependent
    (more tasks than parameters, two parallel gradients), and rounding can even leave its smallest
    eigenvalues slightly below 0. So ``G`` is scaled to a mean diagonal of 1 and a ridge is added:
    ``RIDGE`` plus whatever lifts the smallest eigenvalue to 0. The ridge adds ``ridge * |w|^2 <=
    ridge`` to the objective, so the vector's squared norm is off by at most that (in units of the
    mean squared gradient norm), and where several weightings give the shortest vector it picks the
    one closest to equal weights. The ridge's bias is then removed on the solver's face of the simplex,
    and a few Frank-Wolfe steps from there (which never lengthen the vector) correct the rare face
    that the ridge made wrong. All-zero gradients give equal weights.
    """
    check_matrix("gramian", gramian, "(tasks, tasks)", square=True)
    tasks = gramian.shape[0]
    gram = gramian.detach().double().cpu().numpy()
    gram = (gram + gram.T) / 2
    scale = np.trace(gram) / tasks
    if scale <= 0:  # every gradient is zero: every weighting gives the zero vector
        return torch.full((tasks,), 1.0 / tasks, dtype=gramian.dtype, device=gramian.device)
    gram = gram / scale
    ridge = RIDGE + max(0.0, -float(np.linalg.eigvalsh(gram)[0]))
    constraints = np.hstack([np.ones((tasks, 1)), np.eye(tasks)])  # sum_t w_t = 1, then w_t >= 0
    bounds = np.r_[1.0, np.zeros(tasks)]
    weights = quadprog.solve_qp(gram + ridge * np.eye(tasks), np.zeros(tasks), constraints, bounds, meq=1)[0]
    weights = np.clip(weights, 0.0, None)  # the solver's rounding can leave -1e-17
    weights = _without_ridge(gram, weights / weights.sum())
    # Where the ridge outweighs tiny gradients (norms 1e5 times apart), the solver's face can be
    # wrong; Frank-Wolfe steps from its answer then move towards the minimum (none at the minimum).
    weights = _polish(gram, weights)
    return torch.as_tensor(weights, dtype=gramian.dtype, device=gramian.device)


def _polish(gram: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """At most ``POLISH_STEPS`` Frank-Wolfe steps, each taken only if it shortens the vector: none at
    the minimum, where no gradient has a smaller product with the vector than the vector itself."""
    for _ in range(POLISH_STEPS):
        t = int(np.argmin(gram @ weights))
        uu, ut, tt = weights @ gram @ weights, weights @ gram[:, t], gram[t, t]
        distance = tt + uu - 2 * ut
        if uu - ut <= 1e-12 * uu or distance <= 0:  # no gradient shortens it beyond rounding
            break
        step = min((uu - ut) / distance, 1.0)
        weights = (1 - step) * weights
        weights[t] += step
    return weights


def _without_ridge(gram: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The ridge's bias removed: the exact minimum on the face of the simplex the solver's weights lie on.

    On that face (the tasks with a positive weight) the minimum of ``w^T G w`` with ``sum w = 1``
    solves a linear (KKT) system; least squares also covers a singular ``G``. Kept only if its
    weights stay on the simplex and its vector is no longer than the solver's.
    """
    face = weights > 1e-9
    size = int(face.sum())
    system = np.zeros((size + 1, size + 1))
    system[:size, :size] = gram[np.ix_(face, face)]
    system[:size, size] = system[size, :size] = 1.0
    solution = np.linalg.lstsq(system, np.r_[np.zeros(size), 1.0], rcond=None)[0][:size]
    if np.any(solution < 0):
        return weights
    refined = np.zeros_like(weights)
    refined[face] = solution / solution.sum()
    return refined if refined @ gram @ refined <= weights @ gram @ weights else weights


SOLVERS = ("exact", "frank-wolfe")


def min_norm_weights(
    gramian: torch.Tensor, solver: str = "exact", max_iters: int = 250, tolerance: float = 1e-6
) -> torch.Tensor:
    """Weights on the simplex of the shortest vector in the convex hull of the gradients.

    ``gramian[i, j] = g_i . g_j``. One task: weight 1. Two tasks: the closed form
    :func:`two_task_min_norm`. More: ``solver="exact"`` solves the quadratic programme
    (:func:`exact_min_norm`); ``solver="frank-wolfe"`` runs the paper's iteration
    (:func:`frank_wolfe_min_norm`, with ``max_iters`` and ``tolerance``), which stops near it.
    """
    check_matrix("gramian", gramian, "(tasks, tasks)", square=True)
    check_choice("solver", solver, SOLVERS)
    tasks = gramian.shape[0]
    if tasks == 1:
        return torch.ones(1, dtype=gramian.dtype, device=gramian.device)
    if tasks == 2:
        return two_task_min_norm(gramian)
    if solver == "exact":
        return exact_min_norm(gramian)
    return frank_wolfe_min_norm(gramian, max_iters, tolerance)


class MGDA(GradientWeighting):
    """MGDA: the update is the minimum-norm point of the convex hull of the task gradients.

    ``on="parameters"`` (default) takes the gradients on the shared parameters, one backward pass per
    task. ``on="features"`` is the paper's MGDA-UB: the weights come from the gradients with respect
    to the shared representation (an upper bound of the same problem, much cheaper when the trunk is
    large), and the shared parameters follow ``sum_t w_t g_t``. ``solver`` picks how more than two
    tasks are solved (:func:`~mtl_lessons.torch.weighting.mgda.min_norm_weights`): ``"exact"``
    (default) or the paper's ``"frank-wolfe"``, which uses ``max_iters`` and ``tolerance``.
    """

    def __init__(
        self, on: str = "parameters", solver: str = "exact", max_iters: int = 250, tolerance: float = 1e-6
    ) -> None:
        super().__init__(on)
        self.solver = check_choice("solver", solver, SOLVERS)
        self.max_iters = check_int("max_iters", max_iters, minimum=1)
        self.tolerance = check_float("tolerance", tolerance, minimum=0.0, strict_minimum=True)

    def aggregate(self, jacobian: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        check_matrix("jacobian", jacobian, "(tasks, parameters)")
        weights = min_norm_weights(jacobian @ jacobian.T, self.solver, self.max_iters, self.tolerance)
        return weights @ jacobian, weights

    def extra_repr(self) -> str:
        return f"on={self.on!r}, solver={self.solver!r}"
