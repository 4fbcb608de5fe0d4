"""PyTorch side of the book: models, the multi-task loss and a training loop.

The names match ``mtl_lessons.keras`` wherever the idea is the same.

The book's models are tiny, and for tiny models several CPU threads cost more in coordination
than they save (ten times more on a busy two-core machine): importing this module therefore
runs PyTorch on one CPU thread. Set ``MTL_LESSONS_TORCH_THREADS`` to change that.
"""

import os

import torch

from mtl_lessons.torch.losses import mtl_loss, task_loss, task_metric
from mtl_lessons.torch.models import CrossStitchNet, HardSharingNet, SoftSharingNet, count_parameters
from mtl_lessons.torch.relatedness import gradient_cosine, shared_gradients
from mtl_lessons.torch.training import History, default_device, evaluate, fit, to_tensors

torch.set_num_threads(int(os.environ.get("MTL_LESSONS_TORCH_THREADS", "1")))

__all__ = [
    "CrossStitchNet",
    "gradient_cosine",
    "shared_gradients",
    "HardSharingNet",
    "SoftSharingNet",
    "count_parameters",
    "History",
    "default_device",
    "evaluate",
    "fit",
    "mtl_loss",
    "task_loss",
    "task_metric",
    "to_tensors",
]
