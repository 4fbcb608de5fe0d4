"""The order of an epoch's steps when tasks alternate: which task each step trains, on which examples.

Both frameworks' ``fit`` use it with their own random generator. Each task walks through its own
labelled examples (its own data set) in a shuffled order, batch by batch, and starts a new
shuffled pass when it has used them all. Which task the next step serves is either the tasks in
turn (``temperature=None``), or a draw with probability ``p_t ∝ n_t^(1/τ)``, where ``n_t`` is
the size of task ``t``'s data set: ``τ = 1`` samples tasks in proportion to their size, a large
``τ`` nearly uniformly (temperature sampling, as in Arivazhagan et al. 2019).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from mtl_lessons._checks import check_choice, check_float, check_int

SCHEDULES = ("joint", "alternating")


def check_schedule(schedule: str, temperature: float | None) -> tuple[str, float | None]:
    """``fit``'s ``schedule`` and ``temperature``, checked: a temperature only for alternating steps."""
    check_choice("schedule", schedule, SCHEDULES)
    if temperature is not None:
        if schedule != "alternating":
            raise ValueError("temperature chooses the task of each alternating step: it needs "
                             f"schedule='alternating'; got schedule={schedule!r}")
        temperature = check_float("temperature", temperature, minimum=0.0, strict_minimum=True)
    return schedule, temperature


def task_probabilities(sizes: Mapping[str, int], temperature: float) -> dict[str, float]:
    """``p_t ∝ n_t^(1/temperature)``: 1 is proportional to the data set sizes, large is nearly uniform."""
    temperature = check_float("temperature", temperature, minimum=0.0, strict_minimum=True)
    if not sizes:
        raise ValueError("sizes must name at least one task")
    for task, n in sizes.items():
        check_int(f"size of task {task!r}", n, minimum=1)
    logs = np.array([math.log(n) / temperature for n in sizes.values()])
    weights = np.exp(logs - logs.max())  # computed in logs: n^(1/τ) overflows for small τ
    return dict(zip(sizes, (weights / weights.sum()).tolist(), strict=True))


def alternating_tasks(
    sizes: Mapping[str, int], batch_size: int, temperature: float | None,
    uniform: Callable[[int], Sequence[float]] | None = None,
) -> list[str]:
    """The task of every step of one alternating epoch.

    ``temperature=None``: the tasks in turn, one batch each, for as many rounds as the largest data
    set has batches (a smaller task starts a new pass over its examples when it runs out). A
    number: as many steps as all tasks have batches together, each step's task drawn from
    :func:`task_probabilities` with the ``uniform(k)`` random numbers in ``[0, 1)`` it is given.
    """
    batch_size = check_int("batch_size", batch_size, minimum=1)
    batches = {t: math.ceil(check_int(f"size of task {t!r}", n, minimum=1) / batch_size)
               for t, n in sizes.items()}
    tasks = list(sizes)
    if temperature is None:
        return tasks * max(batches.values())
    if uniform is None:
        raise ValueError("sampling tasks by temperature needs uniform, a source of random numbers")
    cumulative = np.cumsum(list(task_probabilities(sizes, temperature).values()))
    steps = sum(batches.values())
    draws = np.searchsorted(cumulative, np.asarray(uniform(steps), dtype=float), side="right")
    return [tasks[min(int(k), len(tasks) - 1)] for k in draws]


class TaskBatches:
    """One task's examples (``rows``), served a batch at a time in a shuffled order.

    ``permutation(n)`` returns a random order of ``0..n-1`` (``torch.randperm`` or NumPy's); a new
    one is drawn at :meth:`new_epoch` and whenever the examples are used up.
    """

    def __init__(self, rows, batch_size: int, permutation: Callable[[int], object]) -> None:
        self.rows, self.batch_size, self.permutation = rows, batch_size, permutation
        self.order, self.position = None, 0

    def new_epoch(self) -> None:
        """Start a fresh shuffled pass over the examples."""
        self.order, self.position = self.rows[self.permutation(len(self.rows))], 0

    def next(self):
        """The rows of the next batch (the last batch of a pass may be smaller)."""
        if self.order is None or self.position >= len(self.rows):
            self.new_epoch()
        batch = self.order[self.position: self.position + self.batch_size]
        self.position += self.batch_size
        return batch
