"""How useful a trained trunk is for a task it never saw: a linear probe on its frozen features."""

from __future__ import annotations

import numpy as np
import torch

from mtl_lessons._checks import check_float, check_int
from mtl_lessons.data.base import MultiTaskData


def linear_probe(
    trunk: torch.nn.Module, data: MultiTaskData, task: str, n_fit: int = 40, ridge: float = 1.0
) -> float:
    """Test MSE of a ridge-regression head for ``task`` on the frozen features of ``trunk``.

    The head is fitted on the first ``n_fit`` *validation* examples (inputs the trunk was not
    trained on) and scored on the test split.
    """
    if task not in data.kinds:
        raise ValueError(f"unknown task {task!r}; the tasks are {list(data.tasks)}")
    n_fit = check_int("n_fit", n_fit, minimum=1, maximum=len(data.val))
    ridge = check_float("ridge", ridge, minimum=0.0)
    device = next(trunk.parameters()).device
    with torch.no_grad():
        trunk.eval()
        feats = [trunk(torch.as_tensor(x, device=device)).cpu().numpy().astype(np.float64)
                 for x in (data.val.x[:n_fit], data.test.x)]
    fit_x, test_x = (np.column_stack([f, np.ones(len(f))]) for f in feats)
    penalty = ridge * np.eye(fit_x.shape[1])
    penalty[-1, -1] = 0.0  # no penalty on the bias
    w = np.linalg.solve(fit_x.T @ fit_x + penalty, fit_x.T @ data.val.y[task][:n_fit])
    return float(np.mean((test_x @ w - data.test.y[task]) ** 2))
