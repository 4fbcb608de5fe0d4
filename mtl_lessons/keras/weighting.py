"""Ways of combining the tasks' losses in Keras: the same names and formulas as in PyTorch.

A weighting is a Keras layer whose :meth:`combine` maps the tasks' losses to the scalar to
minimise and the weight given to each task, the contract of ``mtl_lessons.torch.weighting``'s
``LossWeighting``. Its trainable weights (uncertainty weighting's log-variances) are trained by
:func:`mtl_lessons.keras.fit` together with the model's.
"""

from __future__ import annotations

from collections.abc import Mapping

import keras
import numpy as np

from mtl_lessons._checks import check_kinds, check_scalar_losses, check_task_weights
from mtl_lessons.data.base import CLASSIFICATION, REGRESSION


class Weighting(keras.layers.Layer):
    """Base: ``combine(losses) -> (total, weights)``; ``call`` returns the total alone."""

    def combine(self, losses: Mapping) -> tuple:
        raise NotImplementedError

    def call(self, losses: Mapping):
        return self.combine(losses)[0]


class FixedWeights(Weighting):
    """Minimise ``sum_t alpha_t L_t`` with weights chosen before training (missing tasks: 1)."""

    def __init__(self, alpha: Mapping[str, float] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.alpha = {} if alpha is None else check_task_weights("alpha", alpha)

    def combine(self, losses: Mapping) -> tuple:
        check_scalar_losses(losses)
        weights = [self.alpha.get(t, 1.0) for t in losses]
        total = sum(w * loss for w, loss in zip(weights, losses.values(), strict=True))
        return total, keras.ops.convert_to_tensor(np.array(weights, dtype="float32"))


class UncertaintyWeighting(Weighting):
    """Task weights learned as log-variances ``s_t`` (Kendall, Gal & Cipolla 2018).

    The weighted loss is ``sum_t c_t exp(-s_t) L_t + s_t / 2`` with ``c_t = 1/2`` for regression
    and ``1`` for classification. Minimising over ``s_t`` gives ``s_t = log(2 c_t L_t)``: a task
    whose loss stays large gets a small weight. The total can be negative; that is normal.
    """

    def __init__(self, kinds: Mapping[str, str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.kinds = check_kinds(kinds, (REGRESSION, CLASSIFICATION))
        self.log_vars = {t: self.add_weight(shape=(), initializer="zeros", name=f"log_var_{t}")
                         for t in self.kinds}

    def factor(self, task: str) -> float:
        """``c_t``: 1/2 for a regression task (Gaussian likelihood), 1 for classification."""
        return 0.5 if self.kinds[task] == REGRESSION else 1.0

    def combine(self, losses: Mapping) -> tuple:
        check_scalar_losses(losses)
        unknown = set(losses) - set(self.kinds)
        if unknown:
            raise ValueError(f"no log-variance for tasks {sorted(unknown)}; this weighting knows "
                             f"{list(self.kinds)}")
        total = 0.0
        weights = []
        for task, loss in losses.items():
            s = self.log_vars[task]
            weight = self.factor(task) * keras.ops.exp(-s)
            total += weight * loss + 0.5 * s
            weights.append(weight)
        return total, keras.ops.stack(weights)

    def weights_now(self) -> dict[str, float]:
        """The effective weight ``c_t exp(-s_t)`` of each task's loss at this moment."""
        return {t: self.factor(t) * float(np.exp(-float(s.numpy()))) for t, s in self.log_vars.items()}


def as_weighting(weighting: Weighting | Mapping[str, float] | None, tasks) -> Weighting:
    """``weighting`` as a :class:`Weighting`: ``None`` is equal weights, a dict is fixed weights.

    Task names (a dict's, or a :class:`FixedWeights`'s) must be among ``tasks``, the data's.
    """
    if weighting is None:
        return FixedWeights()
    if isinstance(weighting, FixedWeights):  # its alpha must name tasks of the data, as a dict's must
        check_task_weights("FixedWeights alpha", weighting.alpha, tasks)
    if isinstance(weighting, Weighting):
        return weighting
    if isinstance(weighting, Mapping):
        return FixedWeights(check_task_weights("weighting", weighting, tasks))
    raise TypeError("weighting must be a Weighting (such as FixedWeights or UncertaintyWeighting), a dict "
                    f"{{task: weight}} or None; got {type(weighting).__name__}")
