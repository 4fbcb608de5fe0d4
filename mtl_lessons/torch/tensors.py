"""Where tensors live and how a split becomes them: the device, and a split's inputs and targets.

The training loop, the gradient tools and the timing helper all start from these two, so they sit
in a module of their own that imports nothing else of the torch side.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch

from mtl_lessons.data.base import CLASSIFICATION, Split


def default_device() -> torch.device:
    """CUDA when a GPU is there (Colab), else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def to_tensors(
    split: Split, kinds: Mapping[str, str], device: torch.device | str | None = None
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Inputs and per-task targets of a split as tensors on ``device`` (class labels as int64).

    Integer inputs (token ids for an embedding layer) stay integers, as int64; others become float32.
    """
    device = torch.device(device) if device is not None else default_device()
    x_dtype = torch.long if np.issubdtype(split.x.dtype, np.integer) else torch.float32
    x = torch.as_tensor(split.x, dtype=x_dtype, device=device)
    y = {}
    for task, values in split.y.items():
        dtype = torch.long if kinds.get(task) == CLASSIFICATION else torch.float32
        y[task] = torch.as_tensor(values, dtype=dtype, device=device)
    return x, y
