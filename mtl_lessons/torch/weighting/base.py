"""The one contract every way of combining the tasks goes through, in the spirit of torchjd.

A :class:`Weighting` receives the losses of one training step, one per task, and writes the
gradients of that step into the ``.grad`` of the model's parameters. ``fit`` calls it and then
takes the optimiser step, so a new method is a new subclass, never a new training loop.

Two families cover the methods of the book (the same split as torchjd's):

* :class:`LossWeighting` needs only the losses. It maps them to one scalar, most often
  ``sum_t w_t L_t`` with weights that are fixed (:class:`~mtl_lessons.torch.FixedWeights`)
  or learned (:class:`~mtl_lessons.torch.UncertaintyWeighting`), and back-propagates it.
* :class:`GradientWeighting` also needs each task's gradient on the shared parameters, the rows
  of the Jacobian ``J`` (tasks x shared parameters). It maps ``J`` to one update vector for the
  shared parameters (PCGrad and MGDA do this); every task-specific parameter gets the gradient of
  its own task's loss, as in plain training.

A method that fits neither family (GradNorm, which trains its weights on gradient norms) subclasses
:class:`Weighting` and writes :meth:`Weighting.backward` itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import nn

from mtl_lessons.torch.gradients import task_jacobian


class Weighting(nn.Module):
    """Turns one step's per-task losses into the gradients of that step.

    Subclasses implement :meth:`backward`. Weightings with learnable parameters (such as
    uncertainty weighting's log-variances) hold them as ``nn.Parameter``: ``fit`` hands them to the
    optimiser together with the model's. A weighting that sets ``needs_features = True`` also
    receives the shared representation of the batch (the output of the model's
    ``representation_module()``), as MGDA-UB does.
    """

    needs_features: bool = False

    def backward(
        self,
        losses: Mapping[str, torch.Tensor],
        shared: Sequence[nn.Parameter],
        regulariser: torch.Tensor | None = None,
        features: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Fill ``.grad`` for this step; return the weight given to each task (in ``losses`` order).

        ``losses`` maps each task of this step to its mean loss (a scalar tensor); ``shared`` lists
        the parameters that every task's loss reaches; ``regulariser`` is an already computed
        ``R(theta)`` added to the objective unweighted; ``features`` is the batch's shared
        representation, given only to weightings with ``needs_features``.
        """
        raise NotImplementedError

    def end_epoch(self, epoch_losses: Mapping[str, float]) -> None:
        """Called by ``fit`` after each epoch with the epoch's mean training loss of every task."""

    def extra_repr(self) -> str:
        return ""


class LossWeighting(Weighting):
    """A weighting that needs only the losses: :meth:`combine` maps them to one scalar."""

    def combine(self, losses: Mapping[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """The scalar to minimise and the weight applied to each task's loss (in ``losses`` order)."""
        raise NotImplementedError

    def backward(
        self,
        losses: Mapping[str, torch.Tensor],
        shared: Sequence[nn.Parameter],
        regulariser: torch.Tensor | None = None,
        features: torch.Tensor | None = None,
    ) -> torch.Tensor:
        total, weights = self.combine(losses)
        if regulariser is not None:
            total = total + regulariser
        total.backward()
        return weights.detach()


class GradientWeighting(Weighting):
    """A weighting that decides the shared parameters' update from the tasks' gradients.

    :meth:`aggregate` receives the Jacobian ``J`` (one row per task: that task's loss gradient on
    the shared parameters, flattened) and returns one update vector and the weights it implies.
    It costs one backward pass per task instead of one in all.

    With ``on="features"`` the rows are instead each task's gradient with respect to the shared
    representation of the batch (MGDA-UB's cheaper bound): only the weights are kept, and the step
    gives the shared parameters the gradient of ``sum_t w_t L_t`` (heads keep their own task's).
    """

    def __init__(self, on: str = "parameters") -> None:
        super().__init__()
        if on not in ("parameters", "features"):
            raise ValueError(f"on must be 'parameters' (the Jacobian on the shared parameters) or "
                             f"'features' (on the shared representation); got {on!r}")
        self.on = on
        self.needs_features = on == "features"

    def aggregate(self, jacobian: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The update direction ``(parameters,)`` for the shared parameters, and task weights ``(tasks,)``."""
        raise NotImplementedError

    def backward(
        self,
        losses: Mapping[str, torch.Tensor],
        shared: Sequence[nn.Parameter],
        regulariser: torch.Tensor | None = None,
        features: torch.Tensor | None = None,
    ) -> torch.Tensor:
        if self.needs_features:
            if features is None:
                raise ValueError(f"{type(self).__name__}(on='features') needs the shared representation; "
                                 "train it with fit and a model that has one (HardSharingNet with "
                                 "shared_layers >= 1)")
            jacobian = task_jacobian(losses, [features], retain_graph=True)  # (tasks, batch x width)
            weights = self.aggregate(jacobian)[1].detach()
            total = torch.stack(list(losses.values())).sum()
            if regulariser is not None:
                total = total + regulariser
            total.backward(retain_graph=True)  # heads: their own task's gradient; trunk: the plain sum
            # the trunk's gradient becomes that of sum_t w_t L_t: add the part (w_t - 1) of each task
            features.backward(((weights - 1.0) @ jacobian).view_as(features))
            return weights
        shared = [p for p in shared if p.requires_grad]
        total = torch.stack(list(losses.values())).sum()
        if regulariser is not None:
            total = total + regulariser
        if not shared:  # nothing shared: every parameter belongs to one task
            total.backward()
            return torch.ones(len(losses), device=total.device)
        jacobian = task_jacobian(losses, shared, retain_graph=True)
        update, weights = self.aggregate(jacobian)
        total.backward()  # heads: their own task's gradient; shared: the plain sum, replaced below
        correction = update - jacobian.sum(dim=0)
        offset = 0
        for parameter in shared:
            size = parameter.numel()
            parameter.grad.add_(correction[offset: offset + size].view_as(parameter))
            offset += size
        return weights.detach()

    def extra_repr(self) -> str:
        return f"on={self.on!r}"
