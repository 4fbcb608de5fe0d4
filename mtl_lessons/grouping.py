"""Task grouping: split the tasks into groups that are each trained as one multi-task network.

Given an affinity matrix ``A[i, j]`` (how much task ``i`` helps task ``j``, such as the lookahead
affinity of :mod:`mtl_lessons.torch.affinity`), a grouping is scored as in Fifty et al. (2021): each
task receives the mean affinity of its group's other members onto it, and the score is the sum of
these over the tasks (a task alone in its group receives 0). With few tasks every partition into
``k`` groups can be scored, so the best one is found exactly rather than by a heuristic.
"""

from __future__ import annotations

import numpy as np

from mtl_lessons._checks import check_int, check_matrix

MAX_ASSIGNMENTS = 5_000_000


def _checked_affinity(affinity: object) -> np.ndarray:
    check_matrix("affinity", affinity, "(tasks, tasks)", square=True)
    return np.asarray(affinity, dtype=float)


def _group_labels(groups: object, n_tasks: int) -> np.ndarray:
    """Each task's group number, after checking that ``groups`` is a partition of the tasks."""
    if isinstance(groups, (str, bytes)) or not hasattr(groups, "__iter__"):
        raise TypeError(f"groups must be a sequence of groups of task indices; got {groups!r}")
    labels = np.full(n_tasks, -1)
    for g, group in enumerate(groups):
        if isinstance(group, (str, bytes)) or not hasattr(group, "__iter__") or not list(group):
            raise ValueError(f"groups[{g}] must be a non-empty sequence of task indices; got {group!r}")
        for task in group:
            task = check_int(f"a task index in groups[{g}]", task, minimum=0, maximum=n_tasks - 1)
            if labels[task] >= 0:
                raise ValueError(f"task {task} is in more than one group")
            labels[task] = g
    if (labels < 0).any():
        raise ValueError(f"groups must hold every task once; missing: {np.flatnonzero(labels < 0).tolist()}")
    return labels


def _scores(affinity: np.ndarray, labels: np.ndarray, n_groups: int) -> np.ndarray:
    """The score of each row of ``labels`` (assignments ``(N, T)`` of tasks to groups 0..k-1)."""
    n, n_tasks = labels.shape
    members = (labels[:, None, :] == np.arange(n_groups)[None, :, None]).astype(float)  # (N, k, T)
    off_diagonal = affinity - np.diag(np.diag(affinity))
    into = (members.reshape(n * n_groups, n_tasks) @ off_diagonal).reshape(n, n_groups, n_tasks)
    received = np.take_along_axis(into, labels[:, None, :], axis=1)[:, 0]  # from task j's own group
    others = np.take_along_axis(members.sum(-1), labels, axis=1) - 1
    return np.where(others > 0, received / np.maximum(others, 1), 0.0).sum(-1)


def grouping_score(affinity: object, groups: object) -> float:
    """Total affinity of a partition ``groups`` (lists of task indices) under ``affinity[i, j]``.

    Task ``j`` receives the mean of ``affinity[i, j]`` over the other tasks ``i`` of its group (0
    when it is alone); the score is the sum over the tasks.
    """
    affinity = _checked_affinity(affinity)
    labels = _group_labels(groups, len(affinity))
    return float(_scores(affinity, labels[None, :], int(labels.max()) + 1)[0])


def best_grouping(affinity: object, n_groups: int) -> tuple[tuple[int, ...], ...]:
    """The partition of the tasks into ``n_groups`` non-empty groups with the highest score.

    Every assignment of tasks to groups is scored (task 0 always in the first group), which is
    ``n_groups ** (tasks - 1)`` of them: up to 5 million are allowed (14 tasks in 3 groups is 1.6
    million). Groups are returned as sorted task indices, ordered by their first task.
    """
    affinity = _checked_affinity(affinity)
    n_tasks = len(affinity)
    n_groups = check_int("n_groups", n_groups, minimum=1, maximum=n_tasks)
    total = n_groups ** (n_tasks - 1)
    if total > MAX_ASSIGNMENTS:
        raise ValueError(f"{n_tasks} tasks in {n_groups} groups have {total:,} assignments to score, more "
                         f"than {MAX_ASSIGNMENTS:,}: use fewer groups or fewer tasks")
    best_score, best_labels = -np.inf, None
    places = n_groups ** np.arange(n_tasks - 1)
    for start in range(0, total, 100_000):
        codes = np.arange(start, min(start + 100_000, total))
        labels = np.zeros((len(codes), n_tasks), dtype=np.int64)
        labels[:, 1:] = (codes[:, None] // places) % n_groups
        full = np.all([(labels == g).any(axis=1) for g in range(n_groups)], axis=0)
        if not full.any():
            continue
        scores = _scores(affinity, labels[full], n_groups)
        k = int(np.argmax(scores))
        if scores[k] > best_score:
            best_score, best_labels = scores[k], labels[full][k]
    groups = [tuple(int(t) for t in np.flatnonzero(best_labels == g)) for g in range(n_groups)]
    return tuple(sorted(groups))
