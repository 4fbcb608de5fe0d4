"""GradNorm (Chen et al. 2018): learn the task weights so that the tasks train at similar rates.

At a chosen shared layer ``W`` (the last one by default) each task's weighted loss has a gradient
of norm ``G_t = w_t |grad_W L_t|``. A task that has trained less than the others, measured by its
loss ratio ``L_t / L_t(0)`` relative to the mean ratio ``r_t``, should get a larger gradient:
the target is ``mean(G) r_t^a``, with the asymmetry ``a`` (the paper's alpha). The weights take a
gradient step on ``sum_t |G_t - target_t|`` (targets held constant), the network a step on
``sum_t w_t L_t``, and the weights are then kept positive and renormalised to sum to ``T``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import nn

from mtl_lessons._checks import check_float
from mtl_lessons.torch.weighting.base import Weighting


class GradNorm(Weighting):
    """GradNorm's learned weights ``w_t``, trained by ``fit``'s optimiser alongside the model.

    ``tasks`` names the tasks in order; ``asymmetry`` is the paper's alpha (larger pulls harder
    towards equal training rates; 0 asks only for equal gradient norms). ``parameters`` picks the
    shared tensors whose gradient norms are balanced; by default the last weight matrix among the
    shared parameters ``fit`` passes in. Every step needs every task's loss (``schedule="joint"``).
    """

    def __init__(self, tasks: Sequence[str], asymmetry: float = 1.5,
                 parameters: Sequence[nn.Parameter] | None = None) -> None:
        super().__init__()
        if isinstance(tasks, str) or not tasks or len(set(tasks)) != len(tasks):
            raise ValueError(f"tasks must list each task name once, such as data.tasks; got {tasks!r}")
        self.tasks = tuple(tasks)
        self.asymmetry = check_float("asymmetry", asymmetry, minimum=0.0)
        self.raw = nn.ParameterDict({t: nn.Parameter(torch.ones(())) for t in self.tasks})
        self.layer = None if parameters is None else list(parameters)
        self.initial: torch.Tensor | None = None  # every task's loss at the first step, L_t(0)

    def _normalise(self) -> None:
        """Keep the weights positive and summing to the number of tasks (after each optimiser step)."""
        with torch.no_grad():
            values = torch.stack([self.raw[t] for t in self.tasks]).clamp_min(1e-3)
            values *= len(self.tasks) / values.sum()
            for task, value in zip(self.tasks, values, strict=True):
                self.raw[task].copy_(value)

    def _balanced_tensors(self, shared: Sequence[nn.Parameter]) -> list[nn.Parameter]:
        if self.layer is not None:
            return self.layer
        matrices = [p for p in shared if p.ndim >= 2 and p.requires_grad]
        if not matrices:
            raise ValueError("GradNorm balances the gradient norms at a shared layer, but the model shares "
                             "no weight matrix: use a model with shared layers (HardSharingNet, "
                             "shared_layers >= 1)")
        return [matrices[-1]]

    def backward(
        self,
        losses: Mapping[str, torch.Tensor],
        shared: Sequence[nn.Parameter],
        regulariser: torch.Tensor | None = None,
        features: torch.Tensor | None = None,
    ) -> torch.Tensor:
        if tuple(losses) != self.tasks:
            raise ValueError("GradNorm needs every task's loss in each step, in the order "
                             f"{list(self.tasks)}; got {list(losses)} (train with schedule='joint')")
        self._normalise()
        layer = self._balanced_tensors(shared)
        loss = torch.stack(list(losses.values()))
        if self.initial is None:
            self.initial = loss.detach().clamp_min(1e-12)
        # |grad_W L_t| for each task (the weight w_t > 0 only scales it: G_t = w_t |grad_W L_t|)
        norms = torch.stack([
            torch.sqrt(sum((g * g).sum() for g in torch.autograd.grad(value, layer, retain_graph=True)))
            for value in loss])
        weights = torch.stack([self.raw[t] for t in self.tasks])
        gradient_norms = weights * norms
        ratio = loss.detach() / self.initial  # how far each task's loss has come down
        target = (gradient_norms.mean() * (ratio / ratio.mean()) ** self.asymmetry).detach()
        balance = (gradient_norms - target).abs().sum()
        weight_grads = torch.autograd.grad(balance, list(self.raw.values()), retain_graph=True)
        total = (weights.detach() * loss).sum()
        if regulariser is not None:
            total = total + regulariser
        total.backward()
        for parameter, grad in zip(self.raw.values(), weight_grads, strict=True):
            parameter.grad = grad
        return weights.detach()

    def weights_now(self) -> dict[str, float]:
        """The weights of the next step: positive, summing to the number of tasks."""
        self._normalise()
        return {t: float(self.raw[t].detach()) for t in self.tasks}

    def extra_repr(self) -> str:
        return f"tasks={self.tasks}, asymmetry={self.asymmetry}"
