"""Early stopping for both ``fit`` functions: watch one validation number, stop when it stops improving.

:class:`EarlyStopping` is plain Python (no torch, no TensorFlow): ``fit`` hands it the validation
losses and metrics of each evaluation, and it says whether this evaluation is the best so far
(``fit`` then keeps a copy of the weights) and whether to stop. Like Keras's ``EarlyStopping``
callback, it is a setting that ``fit`` resets at the start of each run, so one object can serve
several runs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from mtl_lessons._checks import check_float, check_int
from mtl_lessons.data.base import CLASSIFICATION
from mtl_lessons.history import History

LOSS = "loss"


class EarlyStopping:
    """Stop training after ``patience`` evaluations without improvement; keep the best evaluation's weights.

    ``monitor="loss"`` watches the sum over tasks of the validation losses, each task's loss as the
    training objective computes it (squared error, cross-entropy) with weight 1: the weighting's
    weights are left out, because learned weights change during training and would move the
    number without the model improving, and so are regularisers. The sum is on the scale of the
    largest loss; when the tasks' losses differ in scale, or one task matters most, monitor that
    task instead: ``monitor=<task name>`` watches the task's validation metric (mean squared error,
    lower is better; accuracy, higher is better).

    An evaluation improves when its value beats the best so far by more than ``min_delta`` (in the
    monitored units). ``patience`` counts evaluations, not epochs: with ``fit(eval_every=k)`` it
    waits ``patience * k`` epochs. With ``restore_best``, ``fit`` ends with the weights of the best
    evaluation (the model's and the weighting's learnable ones).
    """

    kinds: dict[str, str] | None = None  # the run's tasks, set by start
    best_value: float | None = None
    best_epoch: int | None = None
    wait = 0  # evaluations since the best

    def __init__(self, patience: int, monitor: str = LOSS, min_delta: float = 0.0,
                 restore_best: bool = True) -> None:
        self.patience = check_int("patience", patience, minimum=1)
        if not isinstance(monitor, str):
            raise TypeError(f"monitor must be 'loss' or a task name; got {monitor!r}")
        self.monitor = monitor
        self.min_delta = check_float("min_delta", min_delta, minimum=0.0)
        if not isinstance(restore_best, bool):
            raise TypeError(f"restore_best must be True or False; got {restore_best!r}")
        self.restore_best = restore_best

    def __repr__(self) -> str:
        return (f"EarlyStopping(patience={self.patience}, monitor={self.monitor!r}, "
                f"min_delta={self.min_delta}, restore_best={self.restore_best})")

    @property
    def maximize(self) -> bool:
        """Whether a higher monitored value is better (a classification task's accuracy)."""
        return self.kinds is not None and self.kinds.get(self.monitor) == CLASSIFICATION

    def start(self, kinds: Mapping[str, str]) -> EarlyStopping:
        """Forget any earlier run and check ``monitor`` against the tasks ``{task: kind}`` of this one."""
        if self.monitor != LOSS and self.monitor not in kinds:
            raise ValueError(f"monitor must be 'loss' or one of the tasks {list(kinds)}; "
                             f"got {self.monitor!r}")
        self.kinds = dict(kinds)
        self.best_value, self.best_epoch, self.wait = None, None, 0
        return self

    def value(self, losses: Mapping[str, float], metrics: Mapping[str, float]) -> float:
        """The monitored number of one evaluation, from its per-task validation losses and metrics."""
        if self.kinds is None:
            raise RuntimeError("call start(kinds) before the first evaluation")
        if self.monitor == LOSS:
            missing = [t for t in self.kinds if t not in losses]
            if missing:
                raise ValueError(f"losses must hold every task's validation loss; missing {missing}")
            value = sum(float(losses[t]) for t in self.kinds)
        elif self.monitor not in metrics:
            raise ValueError(f"metrics must hold the validation metric of {self.monitor!r}; "
                             f"got {sorted(metrics)}")
        else:
            value = float(metrics[self.monitor])
        if not math.isfinite(value):
            raise ValueError(f"the monitored validation {self.monitor} is {value}; it must be finite")
        return value

    def update(self, epoch: int, losses: Mapping[str, float], metrics: Mapping[str, float]) -> bool:
        """Take the evaluation of ``epoch``; return whether it is the best so far (keep its weights then)."""
        epoch = check_int("epoch", epoch, minimum=1)
        value = self.value(losses, metrics)
        sign = -1.0 if self.maximize else 1.0
        if self.best_value is None or sign * value < sign * self.best_value - self.min_delta:
            self.best_value, self.best_epoch, self.wait = value, epoch, 0
            return True
        self.wait += 1
        return False

    @property
    def stop(self) -> bool:
        """Whether the last ``patience`` evaluations all failed to improve on the best."""
        return self.wait >= self.patience

    def finish(self, history: History, epochs: int) -> bool:
        """Record the run's end in ``history``; return whether ``fit`` must put the best weights back.

        ``stopped_epoch`` is the last trained epoch if it is before ``epochs``, else None.
        """
        last = history.epochs[-1]
        history.stopped_epoch = last if last < epochs else None
        history.best_epoch = self.best_epoch
        history.restored = self.restore_best and self.best_epoch != last
        return history.restored


def as_early_stopping(
    early_stopping: EarlyStopping | int | None, kinds: Mapping[str, str], eval_splits: Sequence[str]
) -> EarlyStopping | None:
    """``fit``'s ``early_stopping`` (an ``EarlyStopping``, a patience, or None), started for ``kinds``."""
    if early_stopping is None:
        return None
    if not isinstance(early_stopping, EarlyStopping):
        if isinstance(early_stopping, bool) or not isinstance(early_stopping, int):
            raise TypeError("early_stopping must be None, a patience (an int >= 1) or an EarlyStopping; "
                            f"got {early_stopping!r}")
        early_stopping = EarlyStopping(early_stopping)
    if "val" not in eval_splits:
        raise ValueError("early_stopping watches the validation split: keep 'val' in eval_splits; "
                         f"got eval_splits={tuple(eval_splits)}")
    return early_stopping.start(kinds)
