"""Tasks that share one function at very different scales, after the toy problem of GradNorm.

Chen et al. (2018) motivate GradNorm with regression tasks ``f_t(x) = sigma_t tanh((B + eps_t) x)``:
the same function ``B`` for every task, a small task-specific change ``eps_t``, and scales
``sigma_t`` that differ by orders of magnitude, so the tasks' losses differ by their squares.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mtl_lessons._checks import check_float, check_int
from mtl_lessons.data.base import REGRESSION, MultiTaskData, Split
from mtl_lessons.seeding import effective_seed


def scaled_tasks(
    sigmas: Sequence[float] = (1.0, 100.0),
    n_train: int = 400,
    n_val: int = 200,
    n_test: int = 1000,
    dim: int = 20,
    spread: float = 0.35,
    noise: float | Sequence[float] = 0.05,
    seed: int = 0,
) -> MultiTaskData:
    """One regression task per scale: ``y_t = sigma_t (tanh((b + e_t) . x) + noise z)``.

    ``b`` has N(0, 1) entries and is shared; ``e_t`` has N(0, spread^2) entries, so two tasks'
    directions have a cosine of about ``1 / (1 + spread^2)`` (``info["cosine"]`` gives the drawn
    ones). Inputs are N(0, I / dim), which keeps ``(b + e_t) . x`` of order 1 (the tanh neither
    linear nor saturated). The label noise ``noise``
    (one value, or one per task) is relative to the task's scale: task ``t``'s noise variance is
    ``(sigma_t noise_t)^2``, the floor no model can beat. Splits come from independent streams of
    ``seed``.
    """
    if isinstance(sigmas, (int, float)) or not isinstance(sigmas, Sequence) or not sigmas:
        raise TypeError(f"sigmas must be a non-empty list of task scales such as (1, 100); got {sigmas!r}")
    sigmas = [check_float("sigma", s, minimum=0.0, strict_minimum=True) for s in sigmas]
    n_train = check_int("n_train", n_train, minimum=1)
    n_val = check_int("n_val", n_val, minimum=1)
    n_test = check_int("n_test", n_test, minimum=1)
    dim = check_int("dim", dim, minimum=1)
    spread = check_float("spread", spread, minimum=0.0)
    noises = [noise] * len(sigmas) if isinstance(noise, (int, float)) else list(noise)
    if len(noises) != len(sigmas):
        raise ValueError(f"noise must be one value or one per task ({len(sigmas)}); got {noise!r}")
    noises = [check_float("noise", v, minimum=0.0) for v in noises]
    weights_rng, train_rng, val_rng, test_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence(effective_seed(seed)).spawn(4))
    shared = weights_rng.standard_normal(dim)
    directions = shared + spread * weights_rng.standard_normal((len(sigmas), dim))
    names = [f"task{k + 1}" for k in range(len(sigmas))]
    unit = directions / np.linalg.norm(directions, axis=1, keepdims=True)
    cosines = unit @ unit.T  # between the tasks' directions

    def make_split(rng: np.random.Generator, n: int) -> Split:
        x = rng.standard_normal((n, dim)) / np.sqrt(dim)
        clean = np.tanh(x @ directions.T)  # (n, tasks)
        y = (clean + np.array(noises) * rng.standard_normal(clean.shape)) * np.array(sigmas)
        return Split(x.astype(np.float32), {t: y[:, k].astype(np.float32) for k, t in enumerate(names)})

    return MultiTaskData(
        train=make_split(train_rng, n_train),
        val=make_split(val_rng, n_val),
        test=make_split(test_rng, n_test),
        kinds={t: REGRESSION for t in names},
        info={"generator": "scaled_tasks", "sigmas": tuple(sigmas), "dim": dim, "spread": spread,
              "noise": tuple(noises), "seed": seed, "cosine": np.round(cosines, 4)},
    )
