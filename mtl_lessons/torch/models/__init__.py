"""The book's multi-task networks in PyTorch, one architecture per module."""

from mtl_lessons.torch.models.common import MultiTaskNet, count_parameters
from mtl_lessons.torch.models.cross_stitch import CrossStitchNet
from mtl_lessons.torch.models.dense import SceneNet
from mtl_lessons.torch.models.esmm import CVRNet, ESMMNet, positive_probabilities
from mtl_lessons.torch.models.hard import HardSharingNet
from mtl_lessons.torch.models.mmoe import MMoENet, OMoENet
from mtl_lessons.torch.models.soft import SoftSharingNet
from mtl_lessons.torch.models.tagger import SequenceTaggerNet

__all__ = [
    "CVRNet",
    "CrossStitchNet",
    "ESMMNet",
    "HardSharingNet",
    "MMoENet",
    "MultiTaskNet",
    "OMoENet",
    "SceneNet",
    "SequenceTaggerNet",
    "SoftSharingNet",
    "count_parameters",
    "positive_probabilities",
]
