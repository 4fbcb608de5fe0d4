"""Soft parameter sharing in Keras, the twin of ``mtl_lessons.torch.SoftSharingNet``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import keras
from keras import layers

from mtl_lessons._checks import check_float, check_widths
from mtl_lessons.keras.models.common import check_heads, check_input, input_shape_of


class SoftSharingNet(keras.Model):
    """Soft parameter sharing: one column of hidden layers per task, coupled by a penalty.

    ``call`` adds ``lam * sum_{i<j} ||theta_i - theta_j||^2`` over the hidden layers with
    ``add_loss``, so ``fit`` minimises the task losses plus the coupling, as in the PyTorch
    ``SoftSharingNet`` trained with ``regulariser=lambda m: lam * m.coupling()``.
    """

    def __init__(self, input_shape: int | Sequence[int], heads: Mapping[str, int],
                 hidden: Sequence[int] = (64, 64), lam: float = 0.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.heads_units = check_heads(heads)
        self.hidden = check_widths("hidden", hidden, at_least=1)  # the penalty couples hidden layers
        self.lam = check_float("lam", lam, minimum=0.0)
        self.flatten = layers.Flatten()
        self.columns = {
            task: [layers.Dense(h, activation="relu", name=f"{task}_hidden_{k}")
                   for k, h in enumerate(self.hidden)]
            for task in self.heads_units
        }
        self.outputs_ = {task: layers.Dense(units, name=task) for task, units in self.heads_units.items()}
        self.in_shape = input_shape_of(input_shape)  # Keras's input_shape is a read-only property
        self.build((None, *self.in_shape))

    def build(self, input_shape) -> None:
        width = 1
        for s in input_shape[1:]:
            width *= s
        for task in self.heads_units:
            fan_in = width
            for layer in self.columns[task]:
                layer.build((None, fan_in))
                fan_in = layer.units
            self.outputs_[task].build((None, fan_in))
        self.built = True

    def coupling(self):
        """``sum_{i<j} ||theta_i - theta_j||^2`` over every pair of task columns."""
        tasks = list(self.heads_units)
        total = 0.0
        for i in range(len(tasks)):
            for j in range(i + 1, len(tasks)):
                for a, b in zip(self.columns[tasks[i]], self.columns[tasks[j]], strict=True):
                    total += keras.ops.sum((a.kernel - b.kernel) ** 2)
                    total += keras.ops.sum((a.bias - b.bias) ** 2)
        return total

    def call(self, x):
        check_input(x, self.in_shape)
        x = self.flatten(x)
        outputs = {}
        for task in self.heads_units:
            h = x
            for layer in self.columns[task]:
                h = layer(h)
            out = self.outputs_[task](h)
            outputs[task] = keras.ops.squeeze(out, axis=-1) if self.heads_units[task] == 1 else out
        if self.lam > 0:
            self.add_loss(self.lam * self.coupling())
        return outputs
