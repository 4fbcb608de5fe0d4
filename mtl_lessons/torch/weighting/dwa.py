"""Dynamic Weight Average (Liu, Johns and Davison 2019): weight the tasks whose loss falls slowest.

At the end of every epoch, each task's rate ``r_t = L_t(e-1) / L_t(e-2)`` compares its mean
training loss over the last two epochs. The next epoch's weights are
``lambda_t = T softmax(r / temperature)_t``: they sum to the number of tasks ``T``, and a task whose
loss stalls (rate near 1) gets more weight than one whose loss is falling fast. The first two
epochs, before two rates exist, use equal weights 1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch

from mtl_lessons._checks import check_finite, check_float, check_scalar_losses
from mtl_lessons.torch.weighting.base import LossWeighting


def dwa_weights(previous: Sequence[float], before: Sequence[float], temperature: float = 2.0) -> list[float]:
    """DWA's weights from two epochs' mean losses (``previous`` = epoch e-1, ``before`` = e-2)."""
    temperature = check_float("temperature", temperature, minimum=0.0, strict_minimum=True)
    if len(previous) != len(before) or not previous:
        raise ValueError(f"previous and before must give one mean loss per task each; got {len(previous)} "
                         f"and {len(before)} values")
    check_finite("previous", previous)
    check_finite("before", before)
    if any(b <= 0 for b in before):
        raise ValueError("DWA divides by the earlier epoch's losses, which must be positive; "
                         f"got {list(before)}")
    rates = torch.tensor([p / b for p, b in zip(previous, before, strict=True)], dtype=torch.float64)
    return (len(rates) * torch.softmax(rates / temperature, dim=0)).tolist()


class DWA(LossWeighting):
    """Minimise ``sum_t lambda_t L_t`` with DWA's weights, updated once per epoch (``end_epoch``)."""

    def __init__(self, temperature: float = 2.0) -> None:
        super().__init__()
        self.temperature = check_float("temperature", temperature, minimum=0.0, strict_minimum=True)
        self.epoch_losses: list[dict[str, float]] = []  # mean training losses of the epochs so far
        self.current: dict[str, float] = {}

    def end_epoch(self, epoch_losses: Mapping[str, float]) -> None:
        self.epoch_losses.append(dict(epoch_losses))
        if len(self.epoch_losses) >= 2:
            before, previous = self.epoch_losses[-2], self.epoch_losses[-1]
            tasks = [t for t in previous if t in before]  # an epoch may leave a task untrained (sampling)
            weights = dwa_weights([previous[t] for t in tasks], [before[t] for t in tasks], self.temperature)
            self.current = dict(zip(tasks, weights, strict=True))

    def combine(self, losses: Mapping[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        check_scalar_losses(losses)
        weights = [self.current.get(t, 1.0) for t in losses]
        total = sum(w * loss for w, loss in zip(weights, losses.values(), strict=True))
        device = next(iter(losses.values())).device
        return total, torch.tensor(weights, device=device)

    def weights_now(self) -> dict[str, float]:
        """The weights of the coming epoch (empty before the end of the second epoch: all 1)."""
        return dict(self.current)

    def extra_repr(self) -> str:
        return f"temperature={self.temperature}"
