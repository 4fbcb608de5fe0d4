"""Per-task early stopping: train once, score every task at its own best validation epoch.

Chapter-sized experiments compare designs (shared against independent networks, one depth against
another) on small, noisy data, where a model judged after its last epoch has often memorised
noise. Scoring each task at its best validation epoch compares them at their best, fairly.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from mtl_lessons._checks import check_one_kind
from mtl_lessons.data.base import REGRESSION, MultiTaskData
from mtl_lessons.history import Score
from mtl_lessons.seeding import set_seed
from mtl_lessons.torch.models.hard import HardSharingNet
from mtl_lessons.torch.training import fit


def fit_and_score(
    model: torch.nn.Module,
    data: MultiTaskData,
    epochs: int = 100,
    lr: float = 1e-2,
    eval_every: int = 5,
    seed: int = 0,
) -> Score:
    """Train ``model`` full-batch with Adam on the summed task losses; score each task.

    This is :func:`~mtl_lessons.torch.fit` with ``batch_size=None`` and evaluation on the
    validation and test splits every ``eval_every`` epochs; :meth:`History.best` then keeps, for
    each task, the numbers of the epoch where *its own* validation error was lowest. For
    independent networks that is exactly early stopping each network on its own. The metric is
    the mean squared error, so every task must be a regression task.
    """
    check_one_kind("fit_and_score scores each task by its MSE", data.kinds, REGRESSION)
    history = fit(model, data, epochs=epochs, batch_size=None, lr=lr, eval_every=eval_every,
                  eval_splits=("val", "test"), seed=seed, progress=False)
    return history.best()


def mtl_and_stl(
    data: MultiTaskData, hidden: Sequence[int] = (32, 32), seed: int = 0, **train_options
) -> dict[str, Score]:
    """Train hard sharing (every hidden layer shared) and independent networks on ``data``.

    Both start from ``seed`` and train the same way; returns ``{"MTL": ..., "STL": ...}``.
    ``train_options`` go to :func:`fit_and_score`.
    """
    scores = {}
    for name, shared in (("MTL", len(hidden)), ("STL", 0)):
        set_seed(seed)
        model = HardSharingNet(data.input_shape, data.output_sizes(), hidden, shared)
        scores[name] = fit_and_score(model, data, seed=seed, **train_options)
    return scores
