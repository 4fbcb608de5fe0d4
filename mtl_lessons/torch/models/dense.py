"""A small convolutional network for dense prediction: one encoder, a head per task.

:class:`SceneNet` reads an image ``(n, channels, H, W)`` with a tiny U-Net-like encoder (one
convolution at full resolution, one at half and two at quarter resolution, upsampling and skip
connections), which gives a feature map at full resolution. Each task's head has one
convolution of its own; per-pixel tasks (segmentation, depth) then output a class or value per
pixel, and a per-image number (a count) is the mean of a per-pixel map. ``shared=True`` is hard
sharing, one encoder for all tasks; ``shared=False`` gives each task an encoder of its own, the
single-task baseline, trained in the same model, step and loop.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from mtl_lessons._checks import check_int
from mtl_lessons.data.base import CLASSIFICATION, MultiTaskData
from mtl_lessons.torch.models.common import MultiTaskNet


def conv_block(c_in: int, c_out: int, stride: int = 1, normalise: bool = True) -> nn.Sequential:
    """A 3 x 3 convolution, then batch normalisation (a small network then trains in few steps), then ReLU."""
    if not normalise:
        return nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1), nn.ReLU())
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False),
                         nn.BatchNorm2d(c_out), nn.ReLU())


class SceneEncoder(nn.Module):
    """Image ``(n, c_in, H, W)`` -> features ``(n, channels, H, W)``, a tiny U-Net.

    One convolution at full resolution, one at half and two at quarter resolution (whose units
    see 17 pixels across); each level is projected to ``channels`` by a 1 x 1
    convolution, upsampled and added, so the fine detail of the first level reaches the output
    beside the context of the coarse ones (a skip connection).
    """

    def __init__(self, in_channels: int, channels: int) -> None:
        super().__init__()
        c = channels
        self.fine = conv_block(in_channels, c)
        self.halved = conv_block(c, 2 * c, stride=2)
        self.quartered = nn.Sequential(conv_block(2 * c, 2 * c, stride=2), conv_block(2 * c, 2 * c))
        self.project = nn.ModuleList([nn.Conv2d(c, c, 1), nn.Conv2d(2 * c, c, 1, bias=False),
                                      nn.Conv2d(2 * c, c, 1, bias=False)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        levels = [self.fine(x)]
        levels.append(self.halved(levels[0]))
        levels.append(self.quartered(levels[1]))
        size = levels[0].shape[-2:]
        merged = sum(F.interpolate(p(h), size=size) if k else p(h)
                     for k, (p, h) in enumerate(zip(self.project, levels, strict=True)))
        return torch.relu(merged)


class SceneNet(MultiTaskNet):
    """Dense multi-task network: a shared (or per-task) encoder, then one head per task.

    ``heads`` maps each task to its output units (classes for a classification task, 1 for
    regression); the tasks named in ``per_pixel`` predict a value or class per pixel, shape
    ``(n, H, W)`` or logits ``(n, classes, H, W)``, the others one per image, ``(n,)`` or
    ``(n, classes)``. ``shared=False`` builds a separate encoder per task (single-task learning).
    """

    def __init__(
        self,
        input_shape: Sequence[int],
        heads: Mapping[str, int],
        per_pixel: Sequence[str] = (),
        channels: int = 8,
        shared: bool = True,
    ) -> None:
        super().__init__(input_shape, heads)
        shape = tuple(input_shape)
        if len(shape) != 3:
            raise ValueError(f"input_shape must be (channels, height, width) of an image; got {shape}")
        per_pixel = (per_pixel,) if isinstance(per_pixel, str) else tuple(per_pixel)
        unknown = [t for t in per_pixel if t not in self.heads_units]
        if unknown:
            raise ValueError(f"per_pixel names tasks {unknown} that have no head; the heads are "
                             f"{list(self.heads_units)}")
        self.channels = check_int("channels", channels, minimum=1)
        self.per_pixel = per_pixel
        self.shared = bool(shared)
        if self.shared:
            self.encoder = SceneEncoder(shape[0], channels)
        else:
            self.encoders = nn.ModuleDict({t: SceneEncoder(shape[0], channels) for t in self.tasks})
        self.heads = nn.ModuleDict()
        for task, units in self.heads_units.items():
            if task in per_pixel:  # a layer of the task's own, then a class or value per pixel
                self.heads[task] = nn.Sequential(conv_block(channels, channels, normalise=False),
                                                 nn.Conv2d(channels, units, 1))
            elif units == 1:  # a number per image as the mean of a per-pixel map (a count adds up)
                self.heads[task] = nn.Sequential(conv_block(channels, channels, normalise=False),
                                                 nn.Conv2d(channels, 1, 1))
            else:  # classes per image: the mean of every channel, then an MLP
                self.heads[task] = nn.Sequential(nn.Linear(channels, channels), nn.ReLU(),
                                                 nn.Linear(channels, units))
        self.to(memory_format=torch.channels_last)  # about twice as fast for small convolutions on a CPU

    @torch.no_grad()
    def recalibrate(self, x: torch.Tensor | np.ndarray, batch_size: int = 64) -> None:
        """Recompute batch normalisation's statistics over the images ``x`` (call after training).

        During training batch normalisation keeps a running average of each channel's mean and
        variance for evaluation; after a few hundred steps that average still mixes in early
        statistics, and a per-image mean such as a count shifts with it. One pass over the
        training images in training mode, with an exact average, fixes that ("precise BN").
        """
        device = next(self.parameters()).device
        x = torch.as_tensor(np.asarray(x), dtype=torch.float32)
        batches = [x[k: k + batch_size].to(device) for k in range(0, len(x), batch_size)]
        torch.optim.swa_utils.update_bn(batches, self)
        self.eval()

    @classmethod
    def for_data(cls, data: MultiTaskData, channels: int = 8, shared: bool = True) -> SceneNet:
        """The network for a data set, its heads starting from the training targets' prior.

        Tasks whose targets have one value per pixel get dense heads. Each regression head's bias
        starts at the mean training target and each classification head's biases at the log class
        frequencies, so that no task begins with a huge loss merely because of its unit or offset
        (a depth around 3 would otherwise take hundreds of Adam steps just to reach its mean).
        """
        if not isinstance(data, MultiTaskData):
            raise TypeError(f"data must be a MultiTaskData; got {type(data).__name__}")
        per_pixel = [t for t in data.tasks if data.train.y[t].ndim == 3]
        model = cls(data.input_shape, data.output_sizes(), per_pixel, channels, shared)
        with torch.no_grad():
            for task in data.tasks:
                targets = np.asarray(data.train.y[task])
                last = [m for m in model.heads[task].modules() if isinstance(m, (nn.Linear, nn.Conv2d))][-1]
                if data.kinds[task] == CLASSIFICATION:
                    share = np.bincount(targets.ravel().astype(np.int64), minlength=last.out_channels
                                        if isinstance(last, nn.Conv2d) else last.out_features)
                    last.bias.copy_(torch.as_tensor(np.log((share + 1.0) / (share.sum() + len(share)))))
                else:
                    last.bias.fill_(float(targets.mean()))
        return model

    def shared_parameters(self) -> list[nn.Parameter]:
        """The encoder's parameters when it is shared; none for separate encoders."""
        return list(self.encoder.parameters()) if self.shared else []

    def representation_module(self) -> nn.Module | None:
        """The shared encoder, whose feature map every head reads (None for separate encoders)."""
        return self.encoder if self.shared else None

    def head_output(self, task: str, features: torch.Tensor) -> torch.Tensor:
        """One head applied to an encoder's feature map ``(n, channels, H, W)``."""
        if task in self.per_pixel:
            return self.squeeze_map(task, self.heads[task](features))
        if self.heads_units[task] == 1:
            return self.heads[task](features).mean(dim=(1, 2, 3))
        return self.heads[task](features.mean(dim=(2, 3)))

    def squeeze_map(self, task: str, out: torch.Tensor) -> torch.Tensor:
        """A one-channel (regression) map ``(n, 1, H, W)`` as ``(n, H, W)``, like its targets."""
        return out.squeeze(1) if self.heads_units[task] == 1 else out

    def forward(self, x: torch.Tensor, task: str | None = None) -> dict[str, torch.Tensor]:
        """Outputs of every head, or of the one head named by ``task``."""
        tasks = self.check_input(x, task)
        x = x.contiguous(memory_format=torch.channels_last)
        if self.shared:
            features = self.encoder(x)
            return {t: self.head_output(t, features) for t in tasks}
        return {t: self.head_output(t, self.encoders[t](x)) for t in tasks}
