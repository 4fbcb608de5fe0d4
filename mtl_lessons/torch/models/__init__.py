"""The book's multi-task networks in PyTorch, one architecture per module."""

from mtl_lessons.torch.models.common import MultiTaskNet, count_parameters
from mtl_lessons.torch.models.cross_stitch import CrossStitchNet
from mtl_lessons.torch.models.hard import HardSharingNet
from mtl_lessons.torch.models.soft import SoftSharingNet

__all__ = ["CrossStitchNet", "HardSharingNet", "MultiTaskNet", "SoftSharingNet", "count_parameters"]
