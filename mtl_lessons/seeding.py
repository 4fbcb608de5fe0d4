"""The one seeding helper every chapter calls, so that a rerun gives the same numbers."""

from __future__ import annotations

import os
import random
import sys

import numpy as np

from mtl_lessons._checks import check_int


def set_seed(seed: int = 0) -> None:
    """Seed Python, NumPy and PyTorch (and TensorFlow if it is already imported).

    Code that prefers an explicit generator makes its own, ``np.random.default_rng(seed)``.
    TensorFlow is never imported here: importing it is slow and most chapters do not need it.
    """
    seed = check_int("seed", seed, minimum=0)
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency, but stay usable without it
        torch = None
    if torch is not None:
        torch.manual_seed(seed)
    if "tensorflow" in sys.modules:
        sys.modules["tensorflow"].random.set_seed(seed)
