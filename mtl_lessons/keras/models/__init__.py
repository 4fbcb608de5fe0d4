"""Multi-task models in Keras 3: the same architectures and names as ``mtl_lessons.torch.models``.

One module per architecture, as on the PyTorch side; ``common`` holds what they all use.
"""

from mtl_lessons.keras.models.common import Squeeze, count_parameters
from mtl_lessons.keras.models.hard import HardSharingNet
from mtl_lessons.keras.models.mmoe import MMoENet, OMoENet
from mtl_lessons.keras.models.soft import SoftSharingNet
from mtl_lessons.keras.models.text import TextEncoderNet

__all__ = ["HardSharingNet", "MMoENet", "OMoENet", "SoftSharingNet", "Squeeze", "TextEncoderNet",
           "count_parameters"]
