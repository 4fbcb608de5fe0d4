"""The container every data generator returns: splits that share inputs and hold one target per task.

Every generator of :mod:`mtl_lessons.data` returns a :class:`MultiTaskData`: train / validation /
test splits that share one input array per split and hold one target array per task. A task may
leave examples unlabelled (NaN, or ``MISSING_CLASS`` for a class), and
:meth:`MultiTaskData.from_parts` joins data sets of different tasks, each with its own examples,
into one. The containers check what they are given, so a wrong shape or an infinite value is
reported where it is made, not ten calls later inside a training loop.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from mtl_lessons._checks import check_choice, check_int, check_kinds

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
        """Raise ``ValueError`` if an input is NaN or infinite, or a target infinite (``name``: the split).

        A NaN target is allowed: it marks a missing label. Checked when the split is made, and
        again by ``fit``: the arrays can be changed in place later.
        """
        where = f" of the {name} split" if name else ""
        if not np.all(np.isfinite(self.x)):
            raise ValueError(f"x{where} holds NaN or infinite values; every input must be a finite number")
        for task, targets in self.y.items():
            if np.any(np.isinf(targets)):
                raise ValueError(f"targets of task {task!r}{where} hold infinite values; a target is a "
                                 "finite number, or NaN for a missing label")

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
                    known = labels[labels != MISSING_CLASS]
                    if np.any(np.isnan(known)) or np.any((known < 0) | (known >= classes) |
                                                         (known != np.round(known))):
                        raise ValueError(f"labels of task {task!r} in the {name} split must be integers "
                                         f"from 0 to {classes - 1}, or MISSING_CLASS ({MISSING_CLASS}) "
                                         "where the label is missing")
            for name in SPLITS:
                if not self.example_labelled(task, name).any():
                    raise ValueError(f"task {task!r} has no labelled example in the {name} split; every "
                                     "task needs at least one in each split")

    @property
    def tasks(self) -> tuple[str, ...]:
        return tuple(self.kinds)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.train.x.shape[1:])

    def check_finite(self, splits: Iterable[str] = SPLITS) -> None:
        """Raise ``ValueError`` naming the split, the inputs or the task where a value is not allowed.

        Inputs must be finite; a target may be NaN (a missing label) but not infinite.
        """
        for name in splits:
            getattr(self, name).check_finite(name)

    def example_labelled(self, task: str, split: str = "train") -> np.ndarray:
        """Boolean mask of the examples of ``split`` that carry a label for ``task``.

        For a dense task (a label per pixel or word) an example counts when any position is labelled.
        """
        if task not in self.kinds:
            raise ValueError(f"unknown task {task!r}; the tasks are {list(self.tasks)}")
        check_choice("split", split, SPLITS)
        mask = labelled(getattr(self, split).y[task], self.kinds[task])
        return mask.reshape(len(mask), -1).any(axis=1)

    def task_rows(self, task: str, split: str = "train") -> np.ndarray:
        """Indices of the examples of ``split`` labelled for ``task``: that task's own data set."""
        return np.flatnonzero(self.example_labelled(task, split))

    def fully_labelled(self, task: str, split: str = "train") -> bool:
        """Whether every example (every position, for a dense task) of ``split`` has a label for ``task``."""
        return bool(labelled(getattr(self, split).y[task], self.kinds[task]).all())

    @classmethod
    def from_parts(cls, *parts: MultiTaskData) -> MultiTaskData:
        """One data set from several, each labelling its own tasks on its own examples.

        The examples of all parts are stacked, split by split; an example has no label for the
        tasks of the other parts (NaN, or ``MISSING_CLASS``). This is how tasks with separate data
        sets (different images, different sizes) are trained together: ``fit`` can alternate over
        each task's own examples, or train jointly on every example with the missing labels
        left out of the losses. A task may appear in several parts (its labelled examples add up).
        """
        if not parts or not all(isinstance(p, MultiTaskData) for p in parts):
            raise TypeError("from_parts takes one or more MultiTaskData; got "
                            f"{[type(p).__name__ for p in parts]}")
        kinds: dict[str, str] = {}
        n_classes: dict[str, int] = {}
        shapes: dict[str, tuple[int, ...]] = {}
        for k, part in enumerate(parts):
            if part.input_shape != parts[0].input_shape:
                raise ValueError(f"part {k} has inputs of shape {part.input_shape}, part 0 "
                                 f"{parts[0].input_shape}; the parts must share one input shape")
            for task, kind in part.kinds.items():
                classes = part.n_classes.get(task, 0)
                if kinds.setdefault(task, kind) != kind or n_classes.setdefault(task, classes) != classes:
                    raise ValueError(f"task {task!r} is not the same kind of task (or class count) in "
                                     "every part that labels it")
                shapes.setdefault(task, part.train.y[task].shape[1:])
        splits = []
        for name in SPLITS:
            pieces = [getattr(p, name) for p in parts]
            x = np.concatenate([piece.x for piece in pieces])
            y = {}
            for task, kind in kinds.items():
                blank = MISSING_CLASS if kind == CLASSIFICATION else np.nan
                y[task] = np.concatenate([
                    piece.y[task] if task in piece.y else
                    np.full((len(piece), *shapes[task]), blank,
                            dtype=np.int64 if kind == CLASSIFICATION else np.float32)
                    for piece in pieces])
            splits.append(Split(x, y))
        info = {"parts": [list(p.tasks) for p in parts],
                "part_sizes": {name: [len(getattr(p, name)) for p in parts] for name in SPLITS}}
        return cls(*splits, kinds=kinds, n_classes={t: c for t, c in n_classes.items() if c},
                   info=info)

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
