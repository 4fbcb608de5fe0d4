"""Small data sets that each show one mechanism by which multi-task learning helps.

* :func:`eavesdropping_tasks`: a feature that one task shows clearly and another only faintly;
* :func:`subspace_tasks`: tasks whose directions share a subspace (representation bias);
* :func:`sparse_linear_tasks`: many inputs, few relevant ones, the same for every task
  (attention focusing).
"""

from __future__ import annotations

import numpy as np

from mtl_lessons._checks import check_float, check_int
from mtl_lessons.data.base import REGRESSION, MultiTaskData, Split, spawn_generators


def eavesdropping_tasks(
    n_train: int = 100,
    dim: int = 5,
    hidden_weight: float = 0.7,
    noise_std: float = 1.0,
    n_val: int = 200,
    n_test: int = 1000,
    seed: int = 0,
) -> MultiTaskData:
    """Two tasks around one feature ``G(x) = x_1 x_2`` (variance 1) of inputs ``x ~ N(0, I)``.

    ``main = hidden_weight * G + noise`` shows ``G`` only faintly behind its noise;
    ``helper = G + 0.1 * noise`` shows it plainly. A model of ``main`` that ignores ``G`` has a
    test MSE of ``noise_std**2 + hidden_weight**2``; one that has ``G`` exactly, ``noise_std**2``.
    """
    n_train = check_int("n_train", n_train, minimum=1)
    dim = check_int("dim", dim, minimum=2)
    hidden_weight = check_float("hidden_weight", hidden_weight)
    noise_std = check_float("noise_std", noise_std, minimum=0.0)
    sizes = (n_train, check_int("n_val", n_val, minimum=1), check_int("n_test", n_test, minimum=1))

    def make(rng: np.random.Generator, n: int) -> Split:
        x = rng.standard_normal((n, dim))
        g = x[:, 0] * x[:, 1]
        main = hidden_weight * g + noise_std * rng.standard_normal(n)
        helper = g + 0.1 * rng.standard_normal(n)
        return Split(x.astype(np.float32),
                     {"main": main.astype(np.float32), "helper": helper.astype(np.float32)})

    rngs = spawn_generators(seed, 3)
    return MultiTaskData(
        *(make(r, n) for r, n in zip(rngs, sizes, strict=True)),
        kinds={"main": REGRESSION, "helper": REGRESSION},
        info={"generator": "eavesdropping_tasks", "hidden_weight": hidden_weight,
              "noise_std": noise_std, "seed": seed},
    )


def subspace_tasks(
    n_train: int = 500,
    n_tasks: int = 5,
    rank: int = 2,
    dim: int = 10,
    noise_std: float = 0.3,
    n_val: int = 200,
    n_test: int = 1000,
    seed: int = 0,
) -> MultiTaskData:
    """Tasks ``y_k = g(w_k . x) + noise`` whose directions ``w_k`` lie in one ``rank``-dim subspace.

    ``w_k = U a_k`` with ``U`` orthonormal (``dim x rank``) and ``a_k`` random unit vectors;
    ``g(z) = z + sin(2z)``; inputs ``x ~ N(0, I)``. A new task drawn the same way lives in the same
    subspace, so a representation that has learnt the subspace serves it too.
    """
    n_train = check_int("n_train", n_train, minimum=1)
    n_tasks = check_int("n_tasks", n_tasks, minimum=1)
    dim = check_int("dim", dim, minimum=1)
    rank = check_int("rank", rank, minimum=1, maximum=dim)
    noise_std = check_float("noise_std", noise_std, minimum=0.0)
    sizes = (n_train, check_int("n_val", n_val, minimum=1), check_int("n_test", n_test, minimum=1))
    weights_rng, *split_rngs = spawn_generators(seed, 4)
    basis, _ = np.linalg.qr(weights_rng.standard_normal((dim, rank)))
    mix = weights_rng.standard_normal((rank, n_tasks))
    directions = basis @ (mix / np.linalg.norm(mix, axis=0))  # (dim, n_tasks), unit columns
    names = [f"task{k + 1}" for k in range(n_tasks)]

    def make(rng: np.random.Generator, n: int) -> Split:
        x = rng.standard_normal((n, dim))
        z = x @ directions
        y = z + np.sin(2 * z) + noise_std * rng.standard_normal(z.shape)
        return Split(x.astype(np.float32), {t: y[:, k].astype(np.float32) for k, t in enumerate(names)})

    return MultiTaskData(
        *(make(r, n) for r, n in zip(split_rngs, sizes, strict=True)),
        kinds={t: REGRESSION for t in names},
        info={"generator": "subspace_tasks", "rank": rank, "dim": dim, "noise_std": noise_std,
              "seed": seed, "directions": directions},
    )


def sparse_linear_tasks(
    n_train: int = 40,
    n_inputs: int = 100,
    n_relevant: int = 5,
    n_tasks: int = 8,
    noise_std: float = 1.0,
    n_test: int = 2000,
    seed: int = 0,
) -> MultiTaskData:
    """Linear tasks that all depend on the same first ``n_relevant`` of ``n_inputs`` inputs.

    Each task has its own N(0, 1) weights on the relevant inputs (so the labels of different
    tasks are only weakly correlated, with either sign: chapter 1 prints a mean absolute correlation
    of about 0.3) and zero weight on every other input. The validation split
    holds a single example: fit these tasks with cross-validation on the training split.
    """
    n_train = check_int("n_train", n_train, minimum=2)
    n_inputs = check_int("n_inputs", n_inputs, minimum=1)
    n_relevant = check_int("n_relevant", n_relevant, minimum=1, maximum=n_inputs)
    n_tasks = check_int("n_tasks", n_tasks, minimum=1)
    noise_std = check_float("noise_std", noise_std, minimum=0.0)
    n_test = check_int("n_test", n_test, minimum=1)
    weights_rng, *split_rngs = spawn_generators(seed, 4)
    weights = np.zeros((n_inputs, n_tasks))
    weights[:n_relevant] = weights_rng.standard_normal((n_relevant, n_tasks))
    names = [f"task{k + 1}" for k in range(n_tasks)]

    def make(rng: np.random.Generator, n: int) -> Split:
        x = rng.standard_normal((n, n_inputs))
        y = x @ weights + noise_std * rng.standard_normal((n, n_tasks))
        return Split(x.astype(np.float32), {t: y[:, k].astype(np.float32) for k, t in enumerate(names)})

    sizes = (n_train, 1, n_test)
    return MultiTaskData(
        *(make(r, n) for r, n in zip(split_rngs, sizes, strict=True)),
        kinds={t: REGRESSION for t in names},
        info={"generator": "sparse_linear_tasks", "n_relevant": n_relevant, "weights": weights,
              "seed": seed},
    )
