"""Wall-clock time of a training step, for the chapters that compare what sharing costs."""

from __future__ import annotations

import time

import torch

from mtl_lessons._checks import check_int
from mtl_lessons.data.base import MultiTaskData
from mtl_lessons.torch.losses import mtl_loss
from mtl_lessons.torch.training import default_device, make_optimizer, to_tensors


def seconds_per_step(
    model: torch.nn.Module, data: MultiTaskData, steps: int = 50, repeats: int = 3
) -> float:
    """Wall-clock seconds of one full-batch training step (Adam on the summed task losses).

    The best of ``repeats`` runs of ``steps`` steps each, so that a busy machine disturbs it less.
    The model is trained along the way: time a throw-away copy if its weights matter. A wall-clock
    time depends on the machine and its load: report it, do not assert on it.
    """
    steps = check_int("steps", steps, minimum=1)
    repeats = check_int("repeats", repeats, minimum=1)
    device = default_device()
    model.to(device).train()
    x, y = to_tensors(data.train, data.kinds, device)
    optimizer = make_optimizer("adam", model.parameters(), 1e-3)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            total, _ = mtl_loss(model(x), y, data.kinds)
            optimizer.zero_grad(set_to_none=True)
            total.backward()
            optimizer.step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        best = min(best, (time.perf_counter() - start) / steps)
    model.eval()
    return best
