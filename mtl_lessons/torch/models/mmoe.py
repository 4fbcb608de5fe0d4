"""Multi-gate mixture-of-experts (MMoE) and its one-gate variant (OMoE), after Ma et al. (2018).

Several small expert networks read the input; each task mixes the experts' outputs with weights
that a gate computes from the input, ``f^k(x) = sum_i g^k_i(x) f_i(x)`` with
``g^k(x) = softmax(W_gk x)``, and feeds the mixture to its own tower. With one gate per task
(MMoE) two tasks can lean on different experts, which is what lets weakly related tasks share less.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import nn

from mtl_lessons._checks import check_choice, check_int
from mtl_lessons.torch.models.common import MultiTaskNet, check_hidden, mlp

GATES = ("per_task", "one")


class ExpertBank(nn.Module):
    """``n_experts`` ReLU MLPs of the same widths on the same input, computed together.

    Layer ``l`` of every expert is stored as one weight tensor of shape
    ``(n_experts, fan_in, fan_out)``, so a single batched product runs all experts at once: the
    same function and parameter count as a loop over ``n_experts`` separate MLPs, several times
    faster for the book's tiny experts. ``forward`` returns ``(n, n_experts, widths[-1])``.
    """

    def __init__(self, n_experts: int, widths: Sequence[int]) -> None:
        super().__init__()
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for fan_in, fan_out in zip(widths[:-1], widths[1:], strict=True):
            bound = fan_in ** -0.5  # the default initialisation of nn.Linear
            self.weights.append(nn.Parameter(torch.empty(n_experts, fan_in, fan_out).uniform_(-bound, bound)))
            self.biases.append(nn.Parameter(torch.empty(n_experts, fan_out).uniform_(-bound, bound)))

    def forward(self, flat: torch.Tensor) -> torch.Tensor:
        """Every expert's output for flattened inputs ``(n, features)``: shape ``(n, n_experts, width)``."""
        h = torch.relu(torch.einsum("nd,edw->new", flat, self.weights[0]) + self.biases[0])
        for weight, bias in zip(self.weights[1:], self.biases[1:], strict=True):
            h = torch.relu(torch.einsum("ned,edw->new", h, weight) + bias)
        return h



class MMoENet(MultiTaskNet):
    """Multi-gate mixture-of-experts: shared experts, one softmax gate per task, one tower per task.

    ``n_experts`` experts, each a ReLU MLP of widths ``expert_hidden`` on the flattened input; the
    gate of task ``k`` is ``softmax(W_gk x)`` over the experts (a linear map of the input, no
    bias, as in the paper's formula); task ``k``'s tower (ReLU layers ``tower_hidden``, then the
    output layer) reads the gate-weighted sum of the experts' outputs. ``gates="per_task"`` is MMoE;
    ``gates="one"`` gives every task the same gate (OMoE, see :class:`OMoENet`).
    ``forward`` returns ``{task: output}``, a regression head (one unit) as shape ``(n,)``.
    """

    def __init__(
        self,
        input_shape: int | Sequence[int],
        heads: Mapping[str, int],
        n_experts: int = 8,
        expert_hidden: Sequence[int] = (16,),
        tower_hidden: Sequence[int] = (8,),
        gates: str = "per_task",
    ) -> None:
        super().__init__(input_shape, heads)
        self.n_experts = check_int("n_experts", n_experts, minimum=1)
        expert_widths = [self.in_features, *check_hidden(expert_hidden, 1, "expert_hidden")]
        tower_widths = [expert_widths[-1], *check_hidden(tower_hidden, name="tower_hidden")]
        self.gates_mode = str(check_choice("gates", gates, GATES))
        self.flatten = nn.Flatten()
        self.experts = ExpertBank(self.n_experts, expert_widths)
        gate_names = self.tasks if self.gates_mode == "per_task" else ("shared",)
        self.gates = nn.ModuleDict(
            {name: nn.Linear(self.in_features, self.n_experts, bias=False) for name in gate_names})
        self.towers = nn.ModuleDict(
            {task: nn.Sequential(*mlp(tower_widths), nn.Linear(tower_widths[-1], units))
             for task, units in self.heads_units.items()})

    def shared_parameters(self) -> list[nn.Parameter]:
        """The experts' parameters, plus the gate's when all tasks share one gate (OMoE)."""
        shared = list(self.experts.parameters())
        if self.gates_mode == "one":
            shared += list(self.gates.parameters())
        return shared

    def _gate(self, flat: torch.Tensor, task: str) -> torch.Tensor:
        """Task ``task``'s mixing weights over the experts, shape ``(n, n_experts)``."""
        name = task if self.gates_mode == "per_task" else "shared"
        return torch.softmax(self.gates[name](flat), dim=-1)

    def gate_weights(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Each task's gate weights over the experts, ``{task: (n, n_experts)}``, without gradients."""
        tasks = self.check_input(x)
        with torch.no_grad():
            flat = self.flatten(x)
            return {task: self._gate(flat, task) for task in tasks}

    def forward(self, x: torch.Tensor, task: str | None = None) -> dict[str, torch.Tensor]:
        """Outputs of every task's tower, or only of ``task``."""
        tasks = self.check_input(x, task)
        flat = self.flatten(x)
        experts = self.experts(flat)  # (n, n_experts, width)
        outputs = {}
        for name in tasks:
            mixture = torch.einsum("ne,new->nw", self._gate(flat, name), experts)
            outputs[name] = self.squeeze(name, self.towers[name](mixture))
        return outputs


class OMoENet(MMoENet):
    """One-gate mixture-of-experts (OMoE): :class:`MMoENet` with a single gate shared by all tasks."""

    def __init__(
        self,
        input_shape: int | Sequence[int],
        heads: Mapping[str, int],
        n_experts: int = 8,
        expert_hidden: Sequence[int] = (16,),
        tower_hidden: Sequence[int] = (8,),
    ) -> None:
        super().__init__(input_shape, heads, n_experts, expert_hidden, tower_hidden, gates="one")
