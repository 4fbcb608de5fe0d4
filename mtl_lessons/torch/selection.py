"""Choosing how many layers to share by k-fold cross-validation on the training data alone.

The articles advise choosing the split between shared and task-specific layers "by
cross-validation". Here it is done for ``HardSharingNet``'s ``shared_layers``: every candidate depth
is trained ``k`` times, each time on all folds of the *training* split but one and scored on the
held-out fold; the depth with the lowest mean score is chosen. The validation and test splits are
never touched by the choice; the test split only serves afterwards to see how good the choice was.
All models train with :func:`~mtl_lessons.torch.train_copies` (full batch, a fixed number of
epochs, no early stopping: picking the epoch on the held-out fold would let it score its own
choice).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mtl_lessons._checks import check_int, check_one_kind
from mtl_lessons.data.base import REGRESSION, MultiTaskData
from mtl_lessons.seeding import effective_seed
from mtl_lessons.torch.batched import SharingSetting, train_copies


@dataclass(frozen=True)
class SharingCV:
    """What :func:`cross_validate_sharing` measured; arrays indexed ``[data set, depth, ...]``.

    ``cv_error``: each task's MSE on the held-out fold divided by the variance of that task's
    targets in the training folds, shape ``(D, depths, folds, seeds, tasks)``. ``test_error``: the
    same for models trained on the whole training split and scored on the test split (divided by
    the target variance of the training split), shape ``(D, depths, seeds, tasks)``.
    """

    depths: tuple[int, ...]
    cv_error: np.ndarray
    test_error: np.ndarray
    seconds: float

    @property
    def cv_score(self) -> np.ndarray:
        """The criterion, ``(D, depths)``: normalised held-out error averaged over folds, seeds and tasks."""
        return self.cv_error.mean(axis=(2, 3, 4))

    @property
    def cv_fold_spread(self) -> np.ndarray:
        """Standard deviation over folds of the per-fold criterion, ``(D, depths)``."""
        return self.cv_error.mean(axis=(3, 4)).std(axis=2)

    @property
    def test_score(self) -> np.ndarray:
        """Normalised test error of each depth, averaged over seeds and tasks, ``(D, depths)``."""
        return self.test_error.mean(axis=(2, 3))

    @property
    def chosen(self) -> np.ndarray:
        """The depth cross-validation chooses for each data set (the lowest ``cv_score``), ``(D,)``."""
        return np.array(self.depths)[self.cv_score.argmin(axis=1)]

    @property
    def best_on_test(self) -> np.ndarray:
        """The depth with the lowest test score, known only in hindsight, ``(D,)``."""
        return np.array(self.depths)[self.test_score.argmin(axis=1)]

    @property
    def regret(self) -> np.ndarray:
        """Test score of the chosen depth minus the best test score, ``(D,)`` (0: the best was chosen)."""
        picked = self.test_score[np.arange(len(self.test_score)), self.cv_score.argmin(axis=1)]
        return picked - self.test_score.min(axis=1)


def kfold_splits(data: MultiTaskData, k: int = 5, seed: int = 0) -> list[MultiTaskData]:
    """``k`` data sets made from ``data.train`` only: each trains on ``k - 1`` folds and holds out one.

    The held-out fold is both the validation and the test split of its data set; every training
    example is held out exactly once. The folds are those of scikit-learn's
    ``KFold(k, shuffle=True, random_state=seed)`` (the seed passed through
    ``mtl_lessons.seeding.effective_seed``), computed with NumPy to spare the import.
    """
    if not isinstance(data, MultiTaskData):
        raise TypeError(f"data must be a MultiTaskData; got {type(data).__name__}")
    n = len(data.train)
    k = check_int("k", k, minimum=2, maximum=n)
    order = np.arange(n)
    np.random.RandomState(effective_seed(seed) % 2**32).shuffle(order)
    sizes = np.full(k, n // k)
    sizes[: n % k] += 1  # the first n % k folds hold one example more, as in KFold
    splits, start = [], 0
    for size in sizes:
        held_out = np.zeros(n, dtype=bool)
        held_out[order[start: start + size]] = True
        start += size
        fold = data.train.select(held_out)
        splits.append(MultiTaskData(data.train.select(~held_out), fold, fold, dict(data.kinds),
                                    dict(data.n_classes), dict(data.info)))
    return splits


def _variances(data: MultiTaskData) -> np.ndarray:
    """Each task's target variance on the training split (the only statistics the criterion may use).

    Over the labelled targets only: a missing one is NaN.
    """
    return np.array([float(np.nanvar(data.train.y[t])) for t in data.tasks])


def _train_grouped(datasets: list[MultiTaskData], **options) -> np.ndarray:
    """``train_copies(...).test`` for data sets whose held-out sizes may differ (one call per size)."""
    groups: dict[int, list[int]] = {}
    for i, d in enumerate(datasets):
        groups.setdefault(len(d.test), []).append(i)
    result: np.ndarray | None = None
    for members in groups.values():
        test = train_copies([datasets[i] for i in members], **options).test
        if result is None:
            result = np.empty((len(datasets), *test.shape[1:]))
        result[members] = test
    assert result is not None
    return result


def cross_validate_sharing(
    datasets: MultiTaskData | Sequence[MultiTaskData],
    depths: Sequence[int] | None = None,
    k: int = 5,
    seeds: Sequence[int] = (0,),
    hidden: Sequence[int] = (32, 32, 32),
    epochs: int = 80,
    lr: float = 1e-2,
    fold_seed: int = 0,
) -> SharingCV:
    """Score every sharing depth by ``k``-fold cross-validation and on the test split; see :class:`SharingCV`.

    For each data set, each depth in ``depths`` (default: 0 to ``len(hidden)``) and each
    initialisation seed, one network is trained per fold (:func:`kfold_splits`) and one on the
    whole training split, all in batched calls of :func:`~mtl_lessons.torch.train_copies`. Every
    task must be a regression task. The criterion is the mean over tasks of the held-out MSE
    divided by the variance of the task's targets in the training folds, so that tasks in
    different units count alike.
    """
    start = time.perf_counter()
    datasets = [datasets] if isinstance(datasets, MultiTaskData) else list(datasets)
    if not datasets or not all(isinstance(d, MultiTaskData) for d in datasets):
        raise TypeError(f"datasets must be a MultiTaskData or a non-empty list of them; got {datasets!r}")
    for data in datasets:
        check_one_kind("cross_validate_sharing scores each task by its MSE over its target variance",
                       data.kinds, REGRESSION)
    hidden = tuple(check_int("hidden width", h, minimum=1) for h in hidden)
    if not hidden:
        raise ValueError("hidden must list at least one layer width")
    if depths is None:
        depths = range(len(hidden) + 1)
    depths = tuple(check_int("depth", d, minimum=0, maximum=len(hidden)) for d in depths)
    if not depths or len(set(depths)) != len(depths):
        raise ValueError(f"depths must list distinct depths from 0 to {len(hidden)}; got {list(depths)}")
    k = check_int("k", k, minimum=2)
    seeds = [check_int("seed", s, minimum=0) for s in seeds]
    if not seeds:
        raise ValueError("seeds must list at least one seed")

    folds = [fold for d in datasets for fold in kfold_splits(d, k, fold_seed)]
    options = dict(settings=[SharingSetting(d) for d in depths], seeds=seeds, hidden=hidden, epochs=epochs,
                   lr=lr, select="last")
    held_out = _train_grouped(folds, **options)  # (D * k, depths, seeds, tasks)
    test = _train_grouped(datasets, **options)   # (D, depths, seeds, tasks)
    fold_var = np.array([_variances(f) for f in folds])  # (D * k, tasks)
    cv = held_out / fold_var[:, None, None, :]
    cv = cv.reshape(len(datasets), k, *cv.shape[1:]).transpose(0, 2, 1, 3, 4)
    test = test / np.array([_variances(d) for d in datasets])[:, None, None, :]
    return SharingCV(depths=depths, cv_error=cv, test_error=test, seconds=time.perf_counter() - start)
