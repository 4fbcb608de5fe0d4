"""Wall-clock time of a training step, for the chapters that compare what sharing or a weighting costs."""

from __future__ import annotations

import time

import torch

from mtl_lessons._checks import check_int
from mtl_lessons.data.base import MultiTaskData
from mtl_lessons.torch.losses import task_loss
from mtl_lessons.torch.tensors import default_device, to_tensors
from mtl_lessons.torch.training import make_optimizer
from mtl_lessons.torch.weighting.base import Weighting
from mtl_lessons.torch.weighting.fixed import as_weighting


def seconds_per_step(
    model: torch.nn.Module,
    data: MultiTaskData,
    steps: int = 50,
    repeats: int = 3,
    weighting: Weighting | None = None,
) -> float:
    """Wall-clock seconds of one full-batch training step (Adam), the losses combined by ``weighting``.

    ``weighting=None`` is the plain sum of the task losses. The best of ``repeats`` runs of
    ``steps`` steps each, so that a busy machine disturbs it less. The model is trained along the
    way: time a throw-away copy if its weights matter. A wall-clock time depends on the machine and
    its load: report it, do not assert on it.
    """
    steps = check_int("steps", steps, minimum=1)
    repeats = check_int("repeats", repeats, minimum=1)
    weighting = as_weighting(weighting, data.tasks)
    device = default_device()
    model.to(device).train()
    weighting.to(device)
    x, y = to_tensors(data.train, data.kinds, device)
    shared = model.shared_parameters() if hasattr(model, "shared_parameters") else []
    shared = [p for p in shared if p.requires_grad]
    features: dict = {}
    module = model.representation_module() if hasattr(model, "representation_module") else None
    handle = None
    if weighting.needs_features and module is not None:
        handle = module.register_forward_hook(lambda _m, _i, output: features.__setitem__("z", output))
    optimizer = make_optimizer("adam", [*model.parameters(), *weighting.parameters()], 1e-3)
    best = float("inf")
    try:
        for _ in range(repeats):
            start = time.perf_counter()
            for _ in range(steps):
                outputs = model(x)
                losses = {t: task_loss(outputs[t], y[t], data.kinds[t]) for t in data.tasks}
                optimizer.zero_grad(set_to_none=True)
                weighting.backward(losses, shared, None, features.get("z"))
                optimizer.step()
            if device.type == "cuda":
                torch.cuda.synchronize()
            best = min(best, (time.perf_counter() - start) / steps)
    finally:
        if handle is not None:
            handle.remove()
    model.eval()
    return best
