"""Regression tasks of controlled relatedness, after the synthetic data of the MMoE paper."""

from __future__ import annotations

import numpy as np

from mtl_lessons._checks import check_float, check_int
from mtl_lessons.data.base import REGRESSION, MultiTaskData, Split
from mtl_lessons.seeding import effective_seed


def _orthonormal_vectors(rng: np.random.Generator, count: int, dim: int) -> np.ndarray:
    """``count`` random orthonormal vectors of length ``dim`` (rows), by a QR decomposition."""
    q, _ = np.linalg.qr(rng.standard_normal((dim, count)))
    return q.T


def related_tasks(
    n_train: int = 1000,
    p: float = 0.5,
    n_tasks: int = 2,
    n_val: int = 500,
    n_test: int = 2000,
    dim: int = 100,
    scale: float = 1.0,
    n_sines: int = 10,
    noise_std: float = 0.1,
    seed: int = 0,
) -> MultiTaskData:
    """Regression tasks whose relatedness is set by ``p``, after the MMoE paper (Ma et al. 2018).

    Task 1 uses the direction ``v_1 = c u_1``; task k >= 2 uses ``v_k = c (p u_1 + sqrt(1-p^2) u_k)``
    with orthonormal ``u``. Each label is ``y_k = v_k.x + sum_i sin(a_i v_k.x + b_i) + noise``, the
    ``a_i, b_i`` drawn once from N(0, 1) and shared by all tasks. ``p`` is the cosine between task
    directions, so the label correlation rises with ``p``: about 0 at ``p = 0`` and about 1 at
    ``p = 1`` (tasks j, k >= 2 have cosine ``p**2``). Inputs are N(0, I). The weights, the training,
    validation and test sets come from independent streams of ``seed``: changing ``n_train`` or
    ``p`` leaves the test inputs and the directions unchanged, so experiments compare like with like.
    """
    n_train = check_int("n_train", n_train, minimum=1)
    n_val = check_int("n_val", n_val, minimum=1)
    n_test = check_int("n_test", n_test, minimum=1)
    n_tasks = check_int("n_tasks", n_tasks, minimum=1)
    dim = check_int("dim", dim, minimum=n_tasks)
    n_sines = check_int("n_sines", n_sines, minimum=0)
    p = check_float("p", p, minimum=-1.0, maximum=1.0)
    scale = check_float("scale", scale, minimum=0.0, strict_minimum=True)
    noise_std = check_float("noise_std", noise_std, minimum=0.0)
    seed = check_int("seed", seed, minimum=0)

    weights_rng, train_rng, val_rng, test_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence(effective_seed(seed)).spawn(4)
    )
    u = _orthonormal_vectors(weights_rng, n_tasks, dim)
    directions = np.empty((n_tasks, dim))
    directions[0] = scale * u[0]
    for k in range(1, n_tasks):
        directions[k] = scale * (p * u[0] + np.sqrt(1.0 - p**2) * u[k])
    alphas = weights_rng.standard_normal(n_sines)
    betas = weights_rng.standard_normal(n_sines)
    names = [f"task{k + 1}" for k in range(n_tasks)]

    def make_split(rng: np.random.Generator, n: int) -> Split:
        x = rng.standard_normal((n, dim))
        projections = x @ directions.T  # (n, n_tasks)
        waves = np.sin(projections[..., None] * alphas + betas).sum(axis=-1)
        y = projections + waves + noise_std * rng.standard_normal((n, n_tasks))
        return Split(x.astype(np.float32), {t: y[:, k].astype(np.float32) for k, t in enumerate(names)})

    return MultiTaskData(
        train=make_split(train_rng, n_train),
        val=make_split(val_rng, n_val),
        test=make_split(test_rng, n_test),
        kinds={t: REGRESSION for t in names},
        info={"generator": "related_tasks", "p": p, "dim": dim, "scale": scale,
              "n_sines": n_sines, "noise_std": noise_std, "seed": seed},
    )


def label_correlation(data: MultiTaskData, split: str = "test") -> np.ndarray:
    """Pearson correlation matrix of the task labels on one split (tasks in ``data.tasks`` order)."""
    if split not in ("train", "val", "test"):
        raise ValueError(f"split must be 'train', 'val' or 'test'; got {split!r}")
    part = getattr(data, split)
    labels = np.stack([part.y[t].astype(np.float64) for t in data.tasks])
    return np.atleast_2d(np.corrcoef(labels))
