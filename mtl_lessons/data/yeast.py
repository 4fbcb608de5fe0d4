"""Yeast: 2,417 genes, 103 expression features, 14 functional classes: fourteen real binary tasks.

A gene can belong to several functional classes at once, so each class is a task (Elisseeff and
Weston 2001). The file ships inside the ``river`` package and is fetched at set-up by
:mod:`mtl_lessons.data.sources` (``python -m mtl_lessons.data``); reading it needs no network.
"""

from __future__ import annotations

import gzip

import numpy as np

from mtl_lessons._checks import check_int
from mtl_lessons.data.base import CLASSIFICATION, MultiTaskData, Split, spawn_generators
from mtl_lessons.data.sources import local_path

YEAST_TASKS = tuple(f"class{k}" for k in range(1, 15))


def _table() -> tuple[np.ndarray, np.ndarray]:
    with gzip.open(local_path("yeast", "yeast.csv.gz"), "rt") as handle:
        header = handle.readline().strip().split(",")
        values = np.loadtxt(handle, delimiter=",", dtype=np.float64)
    features = [k for k, name in enumerate(header) if name.startswith("Att")]
    labels = [k for k, name in enumerate(header) if not name.startswith("Att")]
    if len(features) != 103 or len(labels) != 14:
        raise ValueError(
            f"the Yeast file has {len(features)} features and {len(labels)} labels, not 103 and 14"
        )
    return values[:, features].astype(np.float32), values[:, labels].astype(np.int64)


def yeast_tasks(n_val: int = 400, n_test: int = 600, seed: int = 0) -> MultiTaskData:
    """The 14 classes of Yeast as binary tasks ``class1`` ... ``class14`` on the 103 features.

    The 2,417 genes are shuffled by ``seed`` and cut into ``n_val`` validation genes, ``n_test``
    test genes and the rest for training; features are standardised with the training genes'
    mean and standard deviation. ``info["label_rate"]`` gives each task's share of positives.
    """
    x, y = _table()
    n_val = check_int("n_val", n_val, minimum=1, maximum=len(x) // 3)
    n_test = check_int("n_test", n_test, minimum=1, maximum=len(x) // 3)
    order = spawn_generators(seed, 1)[0].permutation(len(x))
    rows = {"val": order[:n_val], "test": order[n_val : n_val + n_test], "train": order[n_val + n_test :]}
    mean, std = x[rows["train"]].mean(0), x[rows["train"]].std(0) + 1e-6

    def split(part: np.ndarray) -> Split:
        return Split((x[part] - mean) / std, {t: y[part, k] for k, t in enumerate(YEAST_TASKS)})

    splits = {name: split(part) for name, part in rows.items()}
    return MultiTaskData(
        splits["train"],
        splits["val"],
        splits["test"],
        kinds=dict.fromkeys(YEAST_TASKS, CLASSIFICATION),
        n_classes=dict.fromkeys(YEAST_TASKS, 2),
        info={
            "generator": "yeast_tasks",
            "source": "yeast",
            "seed": seed,
            "label_rate": {t: float(y[:, k].mean()) for k, t in enumerate(YEAST_TASKS)},
        },
    )
