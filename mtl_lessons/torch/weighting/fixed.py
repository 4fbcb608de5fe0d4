"""Fixed task weights: the loss sum_t alpha_t L_t of the loss chapter, alpha_t = 1 by default.

:func:`as_weighting` reads what ``fit`` is given as a weighting: ``None`` and a dict are fixed weights.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch

from mtl_lessons._checks import check_scalar_losses, check_task_weights
from mtl_lessons.torch.weighting.base import LossWeighting, Weighting


class FixedWeights(LossWeighting):
    """Minimise ``sum_t alpha_t L_t`` with weights chosen before training (missing tasks: 1)."""

    def __init__(self, alpha: Mapping[str, float] | None = None) -> None:
        super().__init__()
        self.alpha = {} if alpha is None else check_task_weights("alpha", alpha)

    def combine(self, losses: Mapping[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        check_scalar_losses(losses)
        weights = [self.alpha.get(t, 1.0) for t in losses]
        terms = [loss if w == 1.0 else w * loss for w, loss in zip(weights, losses.values(), strict=True)]
        total = terms[0]
        for term in terms[1:]:  # a plain sum; skipping "times 1" keeps the step as cheap as a bare loop
            total = total + term
        return total, self._as_tensor(tuple(weights))

    def _as_tensor(self, weights: tuple[float, ...]) -> torch.Tensor:
        """The weights as a tensor, made once per combination of tasks (a step stays cheap)."""
        cache = self.__dict__.setdefault("_tensors", {})
        if weights not in cache:
            cache[weights] = torch.tensor(weights)
        return cache[weights]

    def extra_repr(self) -> str:
        return f"alpha={self.alpha or 'all 1'}"


def as_weighting(weighting: Weighting | Mapping[str, float] | None, tasks: Sequence[str]) -> Weighting:
    """``weighting`` as a :class:`~mtl_lessons.torch.Weighting`: ``None`` is equal weights, a dict fixed ones.

    Task names (a dict's, or a :class:`~mtl_lessons.torch.FixedWeights`'s) must be among ``tasks``,
    the data's.
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
