"""Multi-task models in Keras 3: the same architectures and names as ``mtl_lessons.torch.models``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import keras
import numpy as np
from keras import layers

from mtl_lessons._checks import check_float, check_int


def _check_heads(heads: Mapping[str, int]) -> dict[str, int]:
    if not isinstance(heads, Mapping) or not heads:
        raise ValueError(f"heads must be a non-empty dict {{task: output units}}, got {heads!r}")
    return {task: check_int(f"heads[{task!r}]", units, minimum=1) for task, units in heads.items()}


def _input_shape(input_shape: int | Sequence[int]) -> tuple[int, ...]:
    shape = (input_shape,) if isinstance(input_shape, int) else tuple(input_shape)
    if not shape:
        raise ValueError("input_shape must not be empty")
    return tuple(check_int("input_shape entry", s, minimum=1) for s in shape)


@keras.saving.register_keras_serializable(package="mtl_lessons")
class Squeeze(layers.Layer):
    """``(n, 1) -> (n,)``: a regression head's output gets the shape of its targets, as in PyTorch."""

    def call(self, x):
        return keras.ops.squeeze(x, axis=-1)


def _head_output(h, task: str, units: int):
    """The output of a task's head: logits ``(n, classes)``, or one value per example ``(n,)``."""
    if units == 1:
        return Squeeze(name=task)(layers.Dense(1, name=f"{task}_output")(h))
    return layers.Dense(units, name=task)(h)


def count_parameters(model: keras.Model) -> int:
    """Number of trainable scalars in ``model``, as ``mtl_lessons.torch.count_parameters`` counts them."""
    return int(sum(np.prod(w.shape) for w in model.trainable_weights))


def HardSharingNet(  # noqa: N802 - the same name as the PyTorch class it mirrors
    input_shape: int | Sequence[int],
    heads: Mapping[str, int],
    hidden: Sequence[int] = (64, 64),
    shared_layers: int | None = None,
) -> keras.Model:
    """Hard parameter sharing as a functional Keras model: one named output per task.

    The same architecture as ``mtl_lessons.torch.HardSharingNet``: the input is flattened, the
    first ``shared_layers`` hidden layers form the shared trunk (``shared_0``, ...), and each
    task's head holds the remaining hidden layers (``<task>_hidden_<k>``) and its output layer
    named after the task, which gives logits ``(n, classes)``; a regression head's one unit
    (``<task>_output``) is squeezed to shape ``(n,)``, the shape of its targets, by a layer named
    after the task.
    """
    heads = _check_heads(heads)
    hidden = [check_int("hidden width", h, minimum=1) for h in hidden]
    if shared_layers is None:
        shared_layers = len(hidden)
    shared_layers = check_int("shared_layers", shared_layers, minimum=0, maximum=len(hidden))
    inputs = keras.Input(shape=_input_shape(input_shape), name="x")
    features = layers.Flatten(name="flatten")(inputs)
    for k in range(shared_layers):
        features = layers.Dense(hidden[k], activation="relu", name=f"shared_{k}")(features)
    outputs = {}
    for task, units in heads.items():
        h = features
        for k in range(shared_layers, len(hidden)):
            h = layers.Dense(hidden[k], activation="relu", name=f"{task}_hidden_{k}")(h)
        outputs[task] = _head_output(h, task, units)
    return keras.Model(inputs, outputs, name="hard_sharing")


class SoftSharingNet(keras.Model):
    """Soft parameter sharing: one column of hidden layers per task, coupled by a penalty.

    ``call`` adds ``lam * sum_{i<j} ||theta_i - theta_j||^2`` over the hidden layers with
    ``add_loss``, so ``fit`` minimises the task losses plus the coupling, as in the PyTorch
    ``SoftSharingNet`` trained with ``regulariser=lambda m: lam * m.coupling()``.
    """

    def __init__(self, input_shape: int | Sequence[int], heads: Mapping[str, int],
                 hidden: Sequence[int] = (64, 64), lam: float = 0.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.heads_units = _check_heads(heads)
        self.hidden = [check_int("hidden width", h, minimum=1) for h in hidden]
        if not self.hidden:
            raise ValueError("hidden must list at least one layer width: the penalty couples hidden layers")
        self.lam = check_float("lam", lam, minimum=0.0)
        self.flatten = layers.Flatten()
        self.columns = {
            task: [layers.Dense(h, activation="relu", name=f"{task}_hidden_{k}")
                   for k, h in enumerate(self.hidden)]
            for task in self.heads_units
        }
        self.outputs_ = {task: layers.Dense(units, name=task) for task, units in self.heads_units.items()}
        self.build((None, *_input_shape(input_shape)))

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
