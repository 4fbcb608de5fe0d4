"""New data sets from old ones: keep some tasks, change a task's unit, standardise the targets."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from mtl_lessons._checks import check_float
from mtl_lessons.data.base import REGRESSION, SPLITS, MultiTaskData, Split


def map_splits(data: MultiTaskData, change: Callable[[Split], Split], **info) -> MultiTaskData:
    """``data`` with ``change`` applied to each of its three splits (kinds kept, ``info`` added)."""
    return MultiTaskData(*(change(getattr(data, s)) for s in SPLITS), kinds=dict(data.kinds),
                         n_classes=dict(data.n_classes), info={**data.info, **info})


def select_tasks(data: MultiTaskData, tasks: Sequence[str]) -> MultiTaskData:
    """The same inputs with only the labels of ``tasks``."""
    if isinstance(tasks, str):
        tasks = [tasks]
    tasks = list(tasks)
    unknown = [t for t in tasks if t not in data.kinds]
    if not tasks or unknown:
        raise ValueError(f"tasks must name some of {list(data.tasks)}; got {tasks!r}")
    splits = [Split(getattr(data, s).x, {t: getattr(data, s).y[t] for t in tasks}) for s in SPLITS]
    return MultiTaskData(*splits, kinds={t: data.kinds[t] for t in tasks},
                         n_classes={t: c for t, c in data.n_classes.items() if t in tasks},
                         info=dict(data.info))


def scale_task(data: MultiTaskData, task: str, factor: float) -> MultiTaskData:
    """``data`` with the labels of regression ``task`` multiplied by ``factor``.

    The task is the same up to its unit, but its squared error, and so its pull on any shared
    parameter, grows by ``factor**2``.
    """
    if task not in data.kinds:
        raise ValueError(f"unknown task {task!r}; the tasks are {list(data.tasks)}")
    if data.kinds[task] != REGRESSION:
        raise ValueError(f"only a regression task can be scaled; {task!r} is {data.kinds[task]}")
    factor = check_float("factor", factor, minimum=0.0, strict_minimum=True)
    return map_splits(
        data, lambda s: Split(s.x, {t: y * np.float32(factor) if t == task else y
                                    for t, y in s.y.items()}),
        scaled={**data.info.get("scaled", {}), task: factor},
    )
