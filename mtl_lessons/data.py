"""Deterministic multi-task data sets, made with NumPy alone (no downloads).

Every generator returns a :class:`MultiTaskData`: train / validation / test splits that share one
input array per split and hold one target array per task.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mtl_lessons._checks import check_float, check_int

REGRESSION = "regression"
CLASSIFICATION = "classification"


@dataclass(frozen=True)
class Split:
    """One split: inputs ``x`` of shape ``(n, ...)`` and a target array ``(n,)`` per task."""

    x: np.ndarray
    y: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.x)

    def subset(self, n: int) -> Split:
        """The first ``n`` examples (the splits are already shuffled)."""
        n = check_int("n", n, minimum=1, maximum=len(self))
        return Split(self.x[:n], {t: y[:n] for t, y in self.y.items()})


@dataclass(frozen=True)
class MultiTaskData:
    """Splits plus what a model needs to know about each task."""

    train: Split
    val: Split
    test: Split
    kinds: dict[str, str]
    n_classes: dict[str, int] = field(default_factory=dict)
    info: dict[str, object] = field(default_factory=dict)

    @property
    def tasks(self) -> tuple[str, ...]:
        return tuple(self.kinds)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.train.x.shape[1:])

    def output_sizes(self) -> dict[str, int]:
        """Units each task head needs: 1 for regression, the class count for classification."""
        return {t: self.n_classes.get(t, 1) for t in self.tasks}

    def with_train_size(self, n: int) -> MultiTaskData:
        """The same data set with only the first ``n`` training examples."""
        return MultiTaskData(self.train.subset(n), self.val, self.test, self.kinds,
                             self.n_classes, self.info)


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

    Task 1 uses the direction ``w_1 = c u_1``; task k >= 2 uses ``w_k = c (p u_1 + sqrt(1-p^2) u_k)``
    with orthonormal ``u``. Each label is ``y_k = w_k.x + sum_i sin(a_i w_k.x + b_i) + noise``, the
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
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4)
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


DIGIT_TASKS = {
    "left": 10,  # the left digit
    "right": 10,  # the right digit
    "left_parity": 2,  # is the left digit odd?
    "right_parity": 2,
    "sum": 19,  # left + right, 0 to 18
    "same": 2,  # are the two digits equal?
}


def digit_pairs(
    n_train: int = 2000,
    n_val: int = 500,
    n_test: int = 1000,
    tasks: tuple[str, ...] = ("left", "right"),
    seed: int = 0,
) -> MultiTaskData:
    """Images of two handwritten digits side by side (8 x 16 pixels), one task per question.

    The digits are scikit-learn's bundled 8 x 8 images (1,797 of them, no download). They are
    first split into disjoint train / validation / test pools, so that no test digit image was
    seen in training; pairs are then drawn at random within each pool. Pixel values are scaled
    to [0, 1]. Tasks are chosen from ``DIGIT_TASKS`` (all classification).
    """
    n_train = check_int("n_train", n_train, minimum=1)
    n_val = check_int("n_val", n_val, minimum=1)
    n_test = check_int("n_test", n_test, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    if isinstance(tasks, str):
        tasks = (tasks,)
    tasks = tuple(tasks)
    unknown = [t for t in tasks if t not in DIGIT_TASKS]
    if not tasks or unknown:
        raise ValueError(f"unknown digit task(s) {unknown or tasks!r}; choose from {sorted(DIGIT_TASKS)}")
    if len(set(tasks)) != len(tasks):
        raise ValueError(f"tasks must not repeat; got {tasks!r}")

    from sklearn.datasets import load_digits  # bundled with scikit-learn: no download

    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)
    labels = digits.target.astype(np.int64)
    pool_rng, pair_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    order = pool_rng.permutation(len(labels))
    cut1, cut2 = int(0.6 * len(order)), int(0.75 * len(order))
    pools = {"train": order[:cut1], "val": order[cut1:cut2], "test": order[cut2:]}

    def make_split(pool: np.ndarray, n: int) -> Split:
        left = pair_rng.choice(pool, size=n)
        right = pair_rng.choice(pool, size=n)
        x = np.concatenate([images[left], images[right]], axis=2)  # (n, 8, 16)
        a, b = labels[left], labels[right]
        answers = {"left": a, "right": b, "left_parity": a % 2, "right_parity": b % 2,
                   "sum": a + b, "same": (a == b).astype(np.int64)}
        return Split(x, {t: answers[t] for t in tasks})

    return MultiTaskData(
        train=make_split(pools["train"], n_train),
        val=make_split(pools["val"], n_val),
        test=make_split(pools["test"], n_test),
        kinds={t: CLASSIFICATION for t in tasks},
        n_classes={t: DIGIT_TASKS[t] for t in tasks},
        info={"generator": "digit_pairs", "seed": seed, "pool_sizes": {k: len(v) for k, v in pools.items()}},
    )
