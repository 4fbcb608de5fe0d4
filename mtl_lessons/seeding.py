"""The one seeding helper every chapter calls, so that a rerun gives the same numbers.

Every seed the package uses (``set_seed``, the data generators, ``fit``, the batched engine)
passes through :func:`effective_seed`. It returns the seed unchanged, unless the environment
variable ``MTL_SEED_OFFSET`` is set: then every seed is shifted by that offset. ``make
robustness`` uses it to rerun each chapter with data and initialisations that are all different
from the chapter's own, and to see which of its stated findings still hold.
"""

from __future__ import annotations

import os
import random
import sys

import numpy as np

from mtl_lessons._checks import check_int


def seed_offset() -> int:
    """The shift ``MTL_SEED_OFFSET`` asks for (0 when it is unset, as in every normal run)."""
    text = os.environ.get("MTL_SEED_OFFSET", "0")
    try:
        return check_int("MTL_SEED_OFFSET", int(text), minimum=0)
    except ValueError as error:
        raise ValueError(f"MTL_SEED_OFFSET must be a whole number >= 0; got {text!r}") from error


def effective_seed(seed: int) -> int:
    """``seed`` checked, plus the robustness offset (which is 0 in a normal run)."""
    return check_int("seed", seed, minimum=0) + seed_offset()


def set_seed(seed: int = 0) -> None:
    """Seed Python, NumPy and PyTorch (and TensorFlow if it is already imported).

    Code that prefers an explicit generator makes its own, ``np.random.default_rng(seed)``.
    TensorFlow is never imported here: importing it is slow and most chapters do not need it.
    """
    seed = effective_seed(seed)
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
