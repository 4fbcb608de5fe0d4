"""A small training loop for multi-task models, with per-task history."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from mtl_lessons._checks import check_choice, check_float, check_int
from mtl_lessons.data import CLASSIFICATION, MultiTaskData, Split
from mtl_lessons.torch.losses import mtl_loss, task_metric

SCHEDULES = ("joint", "alternating")


def default_device() -> torch.device:
    """CUDA when a GPU is there (Colab), else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@dataclass
class History:
    """Per-epoch records: mean training loss per task, and validation metric per task."""

    train_loss: dict[str, list[float]] = field(default_factory=dict)
    val_metric: dict[str, list[float]] = field(default_factory=dict)
    epochs: list[int] = field(default_factory=list)

    def final(self) -> dict[str, float]:
        """The last validation metric of each task."""
        return {t: values[-1] for t, values in self.val_metric.items() if values}


def to_tensors(
    split: Split, kinds: Mapping[str, str], device: torch.device | str | None = None
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Inputs and per-task targets of a split as tensors on ``device`` (class labels as int64)."""
    device = torch.device(device) if device is not None else default_device()
    x = torch.as_tensor(split.x, dtype=torch.float32, device=device)
    y = {}
    for task, values in split.y.items():
        dtype = torch.long if kinds.get(task) == CLASSIFICATION else torch.float32
        y[task] = torch.as_tensor(values, dtype=dtype, device=device)
    return x, y


def _check_tasks(model: nn.Module, data: MultiTaskData) -> None:
    heads = set(getattr(model, "tasks", data.tasks))
    if heads != set(data.tasks):
        raise ValueError(
            f"the model's heads {sorted(heads)} do not match the data's tasks {sorted(data.tasks)}"
        )


@torch.no_grad()
def evaluate(model: nn.Module, data: MultiTaskData, split: str = "test") -> dict[str, float]:
    """Per-task metric on one split: MSE for regression, accuracy for classification."""
    check_choice("split", split, ("train", "val", "test"))
    _check_tasks(model, data)
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    x, y = to_tensors(getattr(data, split), data.kinds, device)
    outputs = model(x)
    model.train(was_training)
    return {t: task_metric(outputs[t], y[t], data.kinds[t]) for t in data.tasks}


def _progress_enabled(progress: bool | None) -> bool:
    if progress is not None:
        return bool(progress)
    return os.environ.get("MTL_LESSONS_PROGRESS", "1") != "0"


def fit(
    model: nn.Module,
    data: MultiTaskData,
    epochs: int = 100,
    batch_size: int = 64,
    lr: float = 1e-3,
    alpha: Mapping[str, float] | None = None,
    schedule: str = "joint",
    weight_decay: float = 0.0,
    regulariser: Callable[[nn.Module], torch.Tensor] | None = None,
    eval_every: int = 1,
    device: torch.device | str | None = None,
    progress: bool | None = None,
    seed: int | None = None,
) -> History:
    """Train ``model`` on every task of ``data`` with Adam; return the per-task history.

    ``schedule="joint"`` puts every task in every batch and minimises ``sum_i alpha_i L_i + R``.
    ``schedule="alternating"`` gives each task its own shuffled loader and takes one step per
    batch of a single task, in turn, through that task's head only (the articles' task-id loop).
    ``regulariser(model)`` returns ``R(theta)``; ``alpha`` defaults to 1 for every task.
    The progress bar is on unless ``progress=False`` or ``MTL_LESSONS_PROGRESS=0``.
    """
    epochs = check_int("epochs", epochs, minimum=1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    eval_every = check_int("eval_every", eval_every, minimum=1)
    lr = check_float("lr", lr, minimum=0.0, strict_minimum=True)
    weight_decay = check_float("weight_decay", weight_decay, minimum=0.0)
    check_choice("schedule", schedule, SCHEDULES)
    _check_tasks(model, data)
    if alpha is not None:
        unknown = set(alpha) - set(data.tasks)
        if unknown:
            raise ValueError(f"alpha names unknown tasks {sorted(unknown)}; tasks are {data.tasks}")
    if seed is not None:
        torch.manual_seed(check_int("seed", seed, minimum=0))

    device = torch.device(device) if device is not None else default_device()
    model.to(device)
    model.train()
    x, y = to_tensors(data.train, data.kinds, device)
    n = len(x)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    history = History({t: [] for t in data.tasks}, {t: [] for t in data.tasks})

    epoch_range = range(1, epochs + 1)
    if _progress_enabled(progress):
        from tqdm.auto import tqdm

        epoch_range = tqdm(epoch_range, desc="epochs", leave=False)

    def step(task_outputs: dict[str, torch.Tensor], targets: dict[str, torch.Tensor]) -> dict:
        total, per_task = mtl_loss(task_outputs, targets, data.kinds, alpha)
        if regulariser is not None:
            total = total + regulariser(model)
        optimizer.zero_grad(set_to_none=True)
        total.backward()
        optimizer.step()
        return per_task

    for epoch in epoch_range:
        sums = {t: 0.0 for t in data.tasks}
        counts = {t: 0 for t in data.tasks}
        if schedule == "joint":
            order = torch.randperm(n, device=device)
            for start in range(0, n, batch_size):
                idx = order[start : start + batch_size]
                per_task = step(model(x[idx]), {t: v[idx] for t, v in y.items()})
                for t, loss in per_task.items():
                    sums[t] = sums[t] + loss.detach() * len(idx)
                    counts[t] += len(idx)
        else:
            orders = {t: torch.randperm(n, device=device) for t in data.tasks}
            for start in range(0, n, batch_size):
                for t in data.tasks:
                    idx = orders[t][start : start + batch_size]
                    per_task = step(model(x[idx], task=t), {t: y[t][idx]})
                    sums[t] = sums[t] + per_task[t].detach() * len(idx)
                    counts[t] += len(idx)
        for t in data.tasks:
            history.train_loss[t].append(float(sums[t]) / max(counts[t], 1))
        if epoch % eval_every == 0 or epoch == epochs:
            history.epochs.append(epoch)
            for t, value in evaluate(model, data, "val").items():
                history.val_metric[t].append(value)
    model.eval()
    return history


def mean_and_spread(values: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation over seeds (``axis``), as the book reports them."""
    values = np.asarray(values, dtype=float)
    return values.mean(axis=axis), values.std(axis=axis)
