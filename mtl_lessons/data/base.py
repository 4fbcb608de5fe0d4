"""The container every data generator returns: splits that share inputs and hold one target per task.

Every generator of :mod:`mtl_lessons.data` returns a :class:`MultiTaskData`: train / validation /
test splits that share one input array per split and hold one target array per task. The
containers check what they are given, so a wrong shape or a NaN is reported where it is made,
not ten calls later inside a training loop.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from mtl_lessons._checks import check_int, check_kinds

REGRESSION = "regression"
CLASSIFICATION = "classification"
KINDS = (REGRESSION, CLASSIFICATION)
SPLITS = ("train", "val", "test")
MISSING_CLASS = -100
"""The label of an example whose class is not known for a task (PyTorch's default ``ignore_index``).

A missing regression target is NaN. A task's loss and metric average over its labelled examples only.
"""


def labelled(targets: object, kind: str) -> np.ndarray:
    """Boolean mask of the examples that carry a label: not NaN (regression), not ``MISSING_CLASS``."""
    targets = np.asarray(targets)
    if kind == CLASSIFICATION:
        return targets != MISSING_CLASS
    return ~np.isnan(targets.astype(float, copy=False))


@dataclass(frozen=True)
class Split:
    """One split: inputs ``x`` of shape ``(n, ...)`` and a target array per task.

    A task's targets have shape ``(n,)``, one per example, or ``(n, ...)`` for dense tasks that
    predict one value per position (a class or depth per pixel, a tag per word).
    """

    x: np.ndarray
    y: dict[str, np.ndarray]

    def __post_init__(self) -> None:
        if not isinstance(self.x, np.ndarray) or self.x.ndim < 2:
            shape = getattr(self.x, "shape", None)
            raise ValueError(f"x must be a NumPy array of shape (n, features...); got shape {shape}")
        if not isinstance(self.y, dict) or not self.y:
            raise ValueError(f"y must be a non-empty dict {{task: targets}}; got {type(self.y).__name__}")
        for task, targets in self.y.items():
            targets = np.asarray(targets)
            if targets.ndim == 0 or targets.shape[0] != len(self.x):
                raise ValueError(f"targets of task {task!r} have shape {targets.shape}; expected "
                                 f"({len(self.x)},) or ({len(self.x)}, positions...), one row per example")
        self.check_finite()

    def __len__(self) -> int:
        return len(self.x)

    def check_finite(self, name: str | None = None) -> None:
        """Raise ``ValueError`` if an input or a target is NaN or infinite; ``name`` names the split.

        Checked when the split is made, and again by ``fit``: the arrays can be changed in place later.
        """
        where = f" of the {name} split" if name else ""
        if not np.all(np.isfinite(self.x)):
            raise ValueError(f"x{where} holds NaN or infinite values; every input must be a finite number")
        for task, targets in self.y.items():
            if not np.all(np.isfinite(targets)):
                raise ValueError(f"targets of task {task!r}{where} hold NaN or infinite values; every target "
                                 "must be a finite number")

    def subset(self, n: int) -> Split:
        """The first ``n`` examples (the splits are already shuffled)."""
        n = check_int("n", n, minimum=1, maximum=len(self))
        return Split(self.x[:n], {t: y[:n] for t, y in self.y.items()})

    def select(self, rows: np.ndarray) -> Split:
        """The examples at ``rows`` (indices or a boolean mask), for subsets chosen by a rule."""
        rows = np.asarray(rows)
        if rows.dtype == bool and rows.shape != (len(self),):
            raise ValueError(f"a boolean mask needs one entry per example ({len(self)}); "
                             f"got shape {rows.shape}")
        if len(self.x[rows]) == 0:
            raise ValueError("rows selects no example; a split needs at least one")
        return Split(self.x[rows], {t: y[rows] for t, y in self.y.items()})


@dataclass(frozen=True)
class MultiTaskData:
    """Splits plus what a model needs to know about each task: its kind and its class count."""

    train: Split
    val: Split
    test: Split
    kinds: dict[str, str]
    n_classes: dict[str, int] = field(default_factory=dict)
    info: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_kinds(self.kinds, KINDS)
        for name in SPLITS:
            split = getattr(self, name)
            if not isinstance(split, Split):
                raise TypeError(f"{name} must be a Split; got {type(split).__name__}")
            if len(split) == 0:
                raise ValueError(f"the {name} split has no examples; every split needs at least one "
                                 "(train to learn from, val and test to measure on)")
            if set(split.y) != set(self.kinds):
                raise ValueError(f"the {name} split has targets for {sorted(split.y)} but the tasks are "
                                 f"{sorted(self.kinds)}")
            if split.x.shape[1:] != self.train.x.shape[1:]:
                raise ValueError(f"the {name} split has inputs of shape {split.x.shape[1:]}, the training "
                                 f"split {self.train.x.shape[1:]}; every split needs the same input shape")
        unknown = set(self.n_classes) - set(self.kinds)
        if unknown:
            raise ValueError(f"n_classes names unknown tasks {sorted(unknown)}")
        for task, kind in self.kinds.items():
            if kind == CLASSIFICATION:
                classes = check_int(f"n_classes[{task!r}]", self.n_classes.get(task, -1), minimum=2)
                for name in SPLITS:
                    labels = getattr(self, name).y[task]
                    if labels.min() < 0 or labels.max() >= classes or np.any(labels != np.round(labels)):
                        raise ValueError(f"labels of task {task!r} in the {name} split must be integers "
                                         f"from 0 to {classes - 1}")

    @property
    def tasks(self) -> tuple[str, ...]:
        return tuple(self.kinds)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.train.x.shape[1:])

    def check_finite(self, splits: Iterable[str] = SPLITS) -> None:
        """Raise ``ValueError`` naming the split, the inputs or the task where a value is NaN or infinite."""
        for name in splits:
            getattr(self, name).check_finite(name)

    def output_sizes(self) -> dict[str, int]:
        """Units each task head needs: 1 for regression, the class count for classification."""
        return {t: self.n_classes.get(t, 1) for t in self.tasks}

    def with_train_size(self, n: int) -> MultiTaskData:
        """The same data set with only the first ``n`` training examples."""
        return MultiTaskData(self.train.subset(n), self.val, self.test, self.kinds,
                             self.n_classes, self.info)


def spawn_generators(seed: int, count: int) -> list[np.random.Generator]:
    """``count`` independent NumPy generators from one seed (one per split or per set of weights)."""
    from mtl_lessons.seeding import effective_seed

    return [np.random.default_rng(s) for s in np.random.SeedSequence(effective_seed(seed)).spawn(count)]
