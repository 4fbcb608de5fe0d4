"""The book's one training loop for multi-task models: ``fit``, with a swappable task weighting.

``fit`` owns everything that is the same for every method (batches, the optimiser, evaluation,
the per-task history, the checks); how the tasks' losses become one update is the job of the
weighting it is given (:mod:`mtl_lessons.torch.weighting`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence

import torch
from torch import nn

from mtl_lessons._checks import (
    check_choice,
    check_epoch_values,
    check_float,
    check_int,
    check_weights_finite,
)
from mtl_lessons.data.base import SPLITS, MultiTaskData
from mtl_lessons.history import History
from mtl_lessons.schedules import TaskBatches, alternating_tasks, check_schedule
from mtl_lessons.seeding import effective_seed
from mtl_lessons.stopping import EarlyStopping, as_early_stopping
from mtl_lessons.torch.losses import task_loss, task_metric
from mtl_lessons.torch.tensors import default_device, to_tensors
from mtl_lessons.torch.weighting.base import Weighting
from mtl_lessons.torch.weighting.fixed import as_weighting

OPTIMIZERS = ("adam", "sgd")


def make_optimizer(
    name: str, parameters: Iterable[nn.Parameter], lr: float, weight_decay: float = 0.0
) -> torch.optim.Optimizer:
    """Adam (its update fused into one kernel where this torch can) or plain SGD.

    For the book's tiny networks the fused Adam is the fastest on a CPU; torch versions that only
    fuse on a GPU get the default Adam, which computes the same update.
    """
    check_choice("optimizer", name, OPTIMIZERS)
    parameters = list(parameters)
    if name == "sgd":
        return torch.optim.SGD(parameters, lr=lr, weight_decay=weight_decay)
    try:
        return torch.optim.Adam(parameters, lr=lr, weight_decay=weight_decay, fused=True)
    except (RuntimeError, TypeError, ValueError):
        return torch.optim.Adam(parameters, lr=lr, weight_decay=weight_decay)


def check_model_fits_data(model: nn.Module, data: MultiTaskData) -> None:
    """Raise unless the model has one head per task of ``data`` and takes its input size."""
    if not isinstance(data, MultiTaskData):
        raise TypeError(f"data must be a MultiTaskData (see mtl_lessons.data); got {type(data).__name__}")
    heads = set(getattr(model, "tasks", data.tasks))
    if heads != set(data.tasks):
        raise ValueError(f"the model's heads {sorted(heads)} do not match the data's tasks "
                         f"{sorted(data.tasks)}")
    expected = getattr(model, "in_features", None)
    given = math.prod(data.input_shape)
    if expected is not None and expected != given:
        raise ValueError(f"the model takes inputs of {expected} features, but the data's inputs have "
                         f"shape {data.input_shape} ({given} features)")


@torch.no_grad()
def _scores(model: nn.Module, x: torch.Tensor, y: Mapping[str, torch.Tensor],
            kinds: Mapping[str, str]) -> tuple[dict[str, float], dict[str, float]]:
    """Per-task metrics and losses of the model in evaluation mode."""
    was_training = model.training
    model.eval()
    outputs = model(x)
    model.train(was_training)
    return ({t: task_metric(outputs[t], y[t], kinds[t]) for t in kinds},
            {t: task_loss(outputs[t], y[t], kinds[t]).item() for t in kinds})


def evaluate(model: nn.Module, data: MultiTaskData, split: str = "test") -> dict[str, float]:
    """Per-task metric on one split: mean squared error for regression, accuracy for classification."""
    check_choice("split", split, SPLITS)
    check_model_fits_data(model, data)
    x, y = to_tensors(getattr(data, split), data.kinds, next(model.parameters()).device)
    return _scores(model, x, y, data.kinds)[0]


def _all_finite(parameters: Sequence[torch.Tensor]) -> bool:
    """Whether every entry of ``parameters`` is a finite number (one check for all of them)."""
    return bool(torch.cat([p.detach().flatten() for p in parameters]).isfinite().all())


def _progress_enabled(progress: bool | None) -> bool:
    if progress is not None:
        return bool(progress)
    return os.environ.get("MTL_LESSONS_PROGRESS", "1") != "0"


def _shared_parameters(model: nn.Module) -> list[nn.Parameter]:
    shared = model.shared_parameters() if hasattr(model, "shared_parameters") else []
    return [p for p in shared if p.requires_grad]


def _capture_features(model: nn.Module, weighting: Weighting) -> dict:
    """For a weighting that reads the shared representation, a dict the model's trunk writes it to."""
    captured: dict = {}
    if not weighting.needs_features:
        return captured
    module = model.representation_module() if hasattr(model, "representation_module") else None
    if module is None:
        raise ValueError(f"{type(weighting).__name__} reads the shared representation, but this model has "
                         "none: use a model whose tasks share layers (HardSharingNet, shared_layers >= 1)")
    captured["handle"] = module.register_forward_hook(
        lambda _module, _inputs, output: captured.__setitem__("features", output))
    return captured


def fit(
    model: nn.Module,
    data: MultiTaskData,
    epochs: int = 100,
    batch_size: int | None = 64,
    lr: float = 1e-3,
    weighting: Weighting | Mapping[str, float] | None = None,
    schedule: str = "joint",
    temperature: float | None = None,
    optimizer: str = "adam",
    weight_decay: float = 0.0,
    regulariser: Callable[[nn.Module], torch.Tensor] | None = None,
    eval_every: int = 1,
    eval_splits: Sequence[str] = ("val",),
    device: torch.device | str | None = None,
    progress: bool | None = None,
    seed: int | None = None,
    early_stopping: EarlyStopping | int | None = None,
) -> History:
    """Train ``model`` on every task of ``data``; return the per-task :class:`~mtl_lessons.history.History`.

    Each step computes every task's mean loss on a batch and hands them to ``weighting``, which
    writes the gradients (fixed weights ``alpha`` by default, all 1; a dict ``{task: alpha}`` is
    accepted as fixed weights); then the optimiser (``"adam"`` or ``"sgd"``) takes its step.
    ``regulariser(model)`` returns ``R(theta)``, added to the objective. ``batch_size=None`` (or
    one at least the training size) trains full-batch, in the data's order.

    ``schedule="joint"`` puts every task in every batch. ``schedule="alternating"`` takes one step
    per batch of a single task, through that task's head only (the articles' task-id loop): each
    task walks through its own labelled examples in a shuffled order (its own data set, see
    ``MultiTaskData.from_parts``); the tasks take turns (``temperature=None``) or each step draws
    its task with probability ``∝ n_t^(1/temperature)`` (see :mod:`mtl_lessons.schedules`).

    Missing labels (NaN targets, ``MISSING_CLASS``) are left out of every loss and metric: a task's
    loss is its mean over the labelled examples of the batch, and a batch without a label for a
    task leaves that task out of the step.

    Every ``eval_every`` epochs (and after the last) the metric of each task is recorded on each
    split of ``eval_splits``. NaN or infinite inputs or targets are refused before training; a
    training loss, a recorded metric or a weight that becomes NaN or infinite stops training with an
    error naming the task (or the weights) and the epoch. The progress bar is on unless
    ``progress=False`` or ``MTL_LESSONS_PROGRESS=0``.

    ``early_stopping`` (an :class:`~mtl_lessons.stopping.EarlyStopping`, or an int: its patience,
    counted in evaluations) stops when the validation loss, or the metric it monitors, stops
    improving, and gives the model and the weighting back their ``state_dict`` of the best
    evaluation; ``"val"`` must be in ``eval_splits``.
    """
    epochs = check_int("epochs", epochs, minimum=1)
    check_model_fits_data(model, data)
    n = len(data.train)
    batch_size = n if batch_size is None else min(check_int("batch_size", batch_size, minimum=1), n)
    lr = check_float("lr", lr, minimum=0.0, strict_minimum=True)
    weight_decay = check_float("weight_decay", weight_decay, minimum=0.0)
    eval_every = check_int("eval_every", eval_every, minimum=1)
    schedule, temperature = check_schedule(schedule, temperature)
    if isinstance(eval_splits, str):
        eval_splits = (eval_splits,)
    for split in eval_splits:
        check_choice("eval_splits entry", split, SPLITS)
    data.check_finite(("train", *eval_splits))  # arrays changed in place since the data were made
    if regulariser is not None and not callable(regulariser):
        raise TypeError("regulariser must be a function of the model returning R(theta); "
                        f"got {regulariser!r}")
    weighting = as_weighting(weighting, data.tasks)
    stopper = as_early_stopping(early_stopping, data.kinds, eval_splits)
    if seed is not None:
        torch.manual_seed(effective_seed(seed))

    device = torch.device(device) if device is not None else default_device()
    model.to(device).train()
    weighting.to(device)
    x, y = to_tensors(data.train, data.kinds, device)
    evaluated = {s: to_tensors(getattr(data, s), data.kinds, device) for s in eval_splits}
    trained = [*model.parameters(), *weighting.parameters()]
    step = make_optimizer(optimizer, trained, lr, weight_decay)
    shared = _shared_parameters(model)
    captured = _capture_features(model, weighting)
    tasks = data.tasks
    position = {t: k for k, t in enumerate(tasks)}
    history = History(dict(data.kinds))

    epoch_range: Iterable[int] = range(1, epochs + 1)
    if _progress_enabled(progress):
        from tqdm.auto import tqdm

        epoch_range = tqdm(epoch_range, desc="epochs", leave=False)

    # which examples carry each task's label: kept only for tasks with missing labels
    has_label = {t: torch.as_tensor(data.example_labelled(t), device=device) for t in tasks
                 if not data.fully_labelled(t)}
    own = {t: TaskBatches(torch.as_tensor(data.task_rows(t), device=device), batch_size,
                          lambda k: torch.randperm(k, device=device)) for t in tasks}

    def batches() -> Iterable[tuple[tuple[str, ...], torch.Tensor | None]]:
        """(tasks of the step, row indices or None for all rows) for one epoch."""
        if schedule == "joint":
            if batch_size >= n:
                yield tasks, None
                return
            order = torch.randperm(n, device=device)
            for start in range(0, n, batch_size):
                yield tasks, order[start: start + batch_size]
        else:
            for t in tasks:
                own[t].new_epoch()
            sizes = {t: len(own[t].rows) for t in tasks}
            for t in alternating_tasks(sizes, batch_size, temperature,
                                       lambda k: torch.rand(k, dtype=torch.float64).numpy()):
                yield (t,), own[t].next()

    def labels_in(task: str, idx: torch.Tensor | None) -> int:
        """How many examples of the batch carry a label for ``task``."""
        if task not in has_label:
            return n if idx is None else len(idx)
        return int(has_label[task].sum() if idx is None else has_label[task][idx].sum())

    try:
        for epoch in epoch_range:
            records = []  # per step: (tasks, losses, weights, labelled examples per task)
            for step_tasks, idx in batches():
                counts = {t: labels_in(t, idx) for t in step_tasks}
                step_tasks = tuple(t for t in step_tasks if counts[t] > 0)  # no label: not in this step
                if not step_tasks:
                    continue
                xb = x if idx is None else x[idx]
                one_head = schedule == "alternating" and len(tasks) > 1
                outputs = model(xb, task=step_tasks[0]) if one_head else model(xb)
                losses = {t: task_loss(outputs[t], y[t] if idx is None else y[t][idx], data.kinds[t])
                          for t in step_tasks}
                step.zero_grad(set_to_none=True)
                applied = weighting.backward(losses, shared, regulariser(model) if regulariser else None,
                                             captured.get("features"))
                step.step()
                records.append((step_tasks, torch.stack(list(losses.values())).detach(), applied,
                                [counts[t] for t in step_tasks]))
            where = torch.tensor([position[t] for r in records for t in r[0]], device=device)
            sizes = torch.tensor([float(c) for r in records for c in r[3]], device=device)
            step_losses = torch.cat([r[1] for r in records]) * sizes
            step_weights = torch.cat([r[2].to(device) for r in records]) * sizes
            counts = torch.zeros(len(tasks), device=device).index_add_(0, where, sizes)
            loss_sums = torch.zeros(len(tasks), device=device).index_add_(0, where, step_losses)
            weight_sums = torch.zeros(len(tasks), device=device).index_add_(0, where, step_weights)
            # a task that no step of the epoch trained (a rare draw of temperature sampling) records NaN
            epoch_losses = dict(zip(tasks, (loss_sums / counts).tolist(), strict=True))
            trained_losses = {t: v for t, v, c in zip(tasks, epoch_losses.values(), counts.tolist(),
                                                       strict=True) if c > 0}
            check_epoch_values("training loss", trained_losses, epoch)
            check_weights_finite(_all_finite(trained), epoch)
            mean_weight = (weight_sums / counts).tolist()
            history.record_epoch(epoch_losses, dict(zip(tasks, mean_weight, strict=True)))
            weighting.end_epoch(trained_losses)
            if epoch % eval_every == 0 or epoch == epochs:
                for split, (xs, ys) in evaluated.items():
                    metrics, losses = _scores(model, xs, ys, data.kinds)
                    check_epoch_values(f"{split} metric", metrics, epoch)
                    check_epoch_values(f"{split} loss", losses, epoch)
                    history.record_evaluation(epoch, split, metrics, losses)
                if stopper is not None and stopper.update(epoch, history.final_loss(), history.final()):
                    best = [{k: v.clone() for k, v in m.state_dict().items()} for m in (model, weighting)]
                if stopper is not None and stopper.stop:
                    break
    finally:
        if "handle" in captured:
            captured.pop("handle").remove()
    if stopper is not None and stopper.finish(history, epochs):
        model.load_state_dict(best[0])
        weighting.load_state_dict(best[1])
    model.eval()
    return history
