"""torchjd's methods behind the book's contract: any aggregator or scalarizer, by changing one argument.

torchjd (https://torchjd.org) maintains many multi-task methods in two families that match the
book's: an ``Aggregator`` maps the Jacobian of the task losses to one update (UPGrad, CAGrad,
Nash-MTL, IMTL-G, PCGrad, MGDA, ...), a ``Scalarizer`` maps the vector of losses to one scalar
(DWA, UW, FAMO, ...). :func:`from_torchjd` wraps either, so ``fit(..., weighting=from_torchjd(UPGrad()))``
trains with it.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch

from mtl_lessons._checks import check_matrix
from mtl_lessons.torch.weighting.base import GradientWeighting, LossWeighting, Weighting


class TorchJDAggregator(GradientWeighting):
    """A torchjd ``Aggregator`` on the shared parameters.

    A :class:`~mtl_lessons.torch.weighting.base.GradientWeighting`: one backward pass per task.
    """

    def __init__(self, aggregator) -> None:
        super().__init__()
        self.aggregator = aggregator

    def aggregate(self, jacobian: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        check_matrix("jacobian", jacobian, "(tasks, parameters)")
        update = self.aggregator(jacobian)
        weighting = getattr(self.aggregator, "gramian_weighting", None)
        if weighting is not None:  # most aggregators: weights from the Gramian J J^T
            with torch.no_grad():
                weights = weighting(jacobian @ jacobian.T)
        else:  # the weights whose combination of the rows comes closest to the update
            solution = torch.linalg.lstsq(jacobian.T.detach(), update.detach().unsqueeze(1)).solution
            weights = solution.squeeze(1)
        return update, weights

    def extra_repr(self) -> str:
        return f"aggregator={self.aggregator!r}"


class TorchJDScalarizer(LossWeighting):
    """A torchjd ``Scalarizer``; stateful ones (DWA) step once per epoch.

    A :class:`~mtl_lessons.torch.weighting.base.LossWeighting`: one backward pass in all.
    """

    def __init__(self, scalarizer) -> None:
        super().__init__()
        self.scalarizer = scalarizer  # an nn.Module: its learnable parameters (UW's) reach the optimiser

    def combine(self, losses: Mapping[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        values = torch.stack(list(losses.values()))
        total = self.scalarizer(values)
        # the weight of each task is how much the scalar moves with its loss
        (weights,) = torch.autograd.grad(total, values, retain_graph=True)
        return total, weights

    def end_epoch(self, epoch_losses: Mapping[str, float]) -> None:
        if hasattr(self.scalarizer, "step"):
            self.scalarizer.step()

    def extra_repr(self) -> str:
        return f"scalarizer={self.scalarizer!r}"


def from_torchjd(method) -> Weighting:
    """Wrap a torchjd ``Aggregator`` or ``Scalarizer`` so that ``fit`` can train with it."""
    from torchjd.aggregation import Aggregator
    from torchjd.scalarization import Scalarizer

    if isinstance(method, Aggregator):
        return TorchJDAggregator(method)
    if isinstance(method, Scalarizer):
        return TorchJDScalarizer(method)
    raise TypeError("from_torchjd takes a torchjd aggregator (such as torchjd.aggregation.UPGrad()) or "
                    f"scalarizer (such as torchjd.scalarization.DWA()); got {type(method).__name__}")
