"""Pairs of handwritten digits side by side, one task per question: scikit-learn's 8 x 8 or real MNIST."""

from __future__ import annotations

import numpy as np

from mtl_lessons._checks import check_choice, check_int
from mtl_lessons.data.base import CLASSIFICATION, MultiTaskData, Split, spawn_generators
from mtl_lessons.data.mnist import mnist_digits

DIGIT_IMAGES = ("sklearn", "mnist")
DIGIT_POOLS = ("disjoint", "one")
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
    images: str = "sklearn",
    pools: str = "disjoint",
) -> MultiTaskData:
    """Images of two handwritten digits side by side, one task per question.

    ``images="sklearn"``: scikit-learn's bundled 8 x 8 digits (1,797 of them; pairs of 8 x 16
    pixels). ``images="mnist"``: 5,000 real 28 x 28 MNIST digits (pairs of 28 x 56 pixels; fetched
    at set-up, see :func:`~mtl_lessons.data.mnist.mnist_digits`). The digits are first split into
    disjoint train / validation / test pools, so that no test digit image was seen in training;
    pairs are then drawn at random within each pool. ``pools="one"`` is the careless split that
    chapter 2 measures: every split draws its pairs from all the images, so test pairs reuse
    training images. Pixel values are scaled to [0, 1]. Tasks are chosen from ``DIGIT_TASKS`` (all
    classification).
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

    check_choice("images", images, DIGIT_IMAGES)
    check_choice("pools", pools, DIGIT_POOLS)
    if images == "mnist":
        pixels, labels = mnist_digits()
    else:
        from sklearn.datasets import load_digits  # bundled with scikit-learn: no download

        digits = load_digits()
        pixels, labels = (digits.images / 16.0).astype(np.float32), digits.target.astype(np.int64)
    pool_rng, pair_rng = spawn_generators(seed, 2)
    order = pool_rng.permutation(len(labels))
    cut1, cut2 = int(0.6 * len(order)), int(0.75 * len(order))
    if pools == "one":
        drawn_from = dict.fromkeys(("train", "val", "test"), order)
    else:
        drawn_from = {"train": order[:cut1], "val": order[cut1:cut2], "test": order[cut2:]}

    def make_split(pool: np.ndarray, n: int) -> Split:
        left = pair_rng.choice(pool, size=n)
        right = pair_rng.choice(pool, size=n)
        x = np.concatenate([pixels[left], pixels[right]], axis=2)  # (n, 8, 16) or (n, 28, 56)
        a, b = labels[left], labels[right]
        answers = {"left": a, "right": b, "left_parity": a % 2, "right_parity": b % 2,
                   "sum": a + b, "same": (a == b).astype(np.int64)}
        return Split(x, {t: answers[t] for t in tasks})

    return MultiTaskData(
        train=make_split(drawn_from["train"], n_train),
        val=make_split(drawn_from["val"], n_val),
        test=make_split(drawn_from["test"], n_test),
        kinds={t: CLASSIFICATION for t in tasks},
        n_classes={t: DIGIT_TASKS[t] for t in tasks},
        info={"generator": "digit_pairs", "images": images, "seed": seed, "pools": pools,
              "pool_sizes": {k: len(v) for k, v in drawn_from.items()}},
    )
