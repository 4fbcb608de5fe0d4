"""What a training run records, per task: one format for the PyTorch and the Keras ``fit``.

The history is plain Python (no torch, no TensorFlow), so a plot or a checker reads the runs of
both frameworks the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mtl_lessons.data.base import CLASSIFICATION, SPLITS


@dataclass
class History:
    """Per-task records of one training run.

    ``train_loss[t]`` and ``weights[t]`` hold one value per epoch: the mean training loss of task
    ``t`` and the mean weight the weighting gave it. ``epochs`` lists the evaluated epochs, and
    ``metrics[split][t]`` the metric of task ``t`` there (mean squared error for regression,
    accuracy for classification), for each split that was evaluated; ``losses[split][t]`` the
    task's loss on the whole split with the model in evaluation mode (``train_loss`` is instead
    the mean over the epoch's batches, while the weights moved).

    With early stopping (:class:`~mtl_lessons.stopping.EarlyStopping`), ``stopped_epoch`` is the
    last trained epoch when training stopped before its ``epochs`` (else None), ``best_epoch`` the
    best evaluation's epoch, and ``restored`` whether the model was given back that epoch's
    weights (False when the last evaluation was the best, or without ``restore_best``).
    """

    kinds: dict[str, str]
    train_loss: dict[str, list[float]] = field(default_factory=dict)
    weights: dict[str, list[float]] = field(default_factory=dict)
    epochs: list[int] = field(default_factory=list)
    metrics: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    losses: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    stopped_epoch: int | None = None
    best_epoch: int | None = None
    restored: bool = False

    def __post_init__(self) -> None:
        for task in self.kinds:
            self.train_loss.setdefault(task, [])
            self.weights.setdefault(task, [])

    @property
    def tasks(self) -> tuple[str, ...]:
        return tuple(self.kinds)

    @property
    def val_metric(self) -> dict[str, list[float]]:
        """The validation metric of every task at each evaluated epoch."""
        return self.metrics.get("val", {t: [] for t in self.kinds})

    @property
    def val_loss(self) -> dict[str, list[float]]:
        """The validation loss of every task at each evaluated epoch."""
        return self.losses.get("val", {t: [] for t in self.kinds})

    def record_epoch(self, losses: dict[str, float], weights: dict[str, float]) -> None:
        """Append one epoch's mean training losses and mean weights."""
        for task in self.kinds:
            self.train_loss[task].append(float(losses[task]))
            self.weights[task].append(float(weights[task]))

    def record_evaluation(self, epoch: int, split: str, values: dict[str, float],
                          losses: dict[str, float]) -> None:
        """Append the metrics and losses of one split at an evaluated epoch (``epoch`` is added once)."""
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}; got {split!r}")
        if not self.epochs or self.epochs[-1] != epoch:
            self.epochs.append(epoch)
        for record, numbers in ((self.metrics, values), (self.losses, losses)):
            per_task = record.setdefault(split, {t: [] for t in self.kinds})
            for task in self.kinds:
                per_task[task].append(float(numbers[task]))

    def final(self, split: str = "val") -> dict[str, float]:
        """The last recorded metric of each task on ``split``."""
        return {t: values[-1] for t, values in self.metrics.get(split, {}).items() if values}

    def final_loss(self, split: str = "val") -> dict[str, float]:
        """The last recorded loss of each task on ``split``."""
        return {t: values[-1] for t, values in self.losses.get(split, {}).items() if values}

    def best(self) -> Score:
        """Every task scored at *its own* best validation epoch (per-task early stopping).

        Best means the lowest mean squared error or the highest accuracy. The training value
        reported for an epoch is that epoch's mean training loss.
        """
        if "val" not in self.metrics or not self.epochs:
            raise ValueError("the history has no validation metrics: train with evaluation on 'val'")
        curves = {s: np.array([self.metrics[s][t] for t in self.kinds]).T
                  for s in self.metrics}  # (evaluations, tasks)
        curves["train"] = np.array([[self.train_loss[t][e - 1] for t in self.kinds] for e in self.epochs])
        sign = np.array([-1.0 if k == CLASSIFICATION else 1.0 for k in self.kinds.values()])
        best = (curves["val"] * sign).argmin(axis=0)
        pick = {s: {t: float(curves[s][best[k], k]) for k, t in enumerate(self.kinds)} for s in curves}
        return Score(
            train=pick["train"], val=pick["val"], test=pick.get("test", {}),
            epoch={t: self.epochs[best[k]] for k, t in enumerate(self.kinds)},
            evaluated=list(self.epochs), curves=curves,
        )


@dataclass(frozen=True)
class Score:
    """Per-task metrics of one trained model, each taken at that task's best validation epoch.

    ``curves[split]`` holds every evaluation, shape ``(len(evaluated), tasks)``, for plots.
    """

    train: dict[str, float]
    val: dict[str, float]
    test: dict[str, float]
    epoch: dict[str, int]
    evaluated: list[int]
    curves: dict[str, np.ndarray]
