"""Pieces every Keras model of the book uses: checked arguments, regression heads of shape (n,)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import keras
import numpy as np
from keras import layers

from mtl_lessons._checks import check_int


def check_heads(heads: Mapping[str, int]) -> dict[str, int]:
    """``{task: output units}`` checked: a non-empty dict of positive integers."""
    if not isinstance(heads, Mapping) or not heads:
        raise ValueError(f"heads must be a non-empty dict {{task: output units}}, got {heads!r}")
    return {task: check_int(f"heads[{task!r}]", units, minimum=1) for task, units in heads.items()}


def input_shape_of(input_shape: int | Sequence[int]) -> tuple[int, ...]:
    """An input shape as a tuple of positive integers (an int means a flat vector)."""
    shape = (input_shape,) if isinstance(input_shape, int) else tuple(input_shape)
    if not shape:
        raise ValueError("input_shape must not be empty")
    return tuple(check_int("input_shape entry", s, minimum=1) for s in shape)


def check_input(x, input_shape: tuple[int, ...]) -> None:
    """Raise unless each example of ``x`` has as many values as an input of ``input_shape`` (a model's).

    The check of the subclassed models (``MMoENet``, ``SoftSharingNet``); a functional model's
    inputs are checked by Keras. Dimensions not known yet (while tracing) pass.
    """
    shape = tuple(x.shape)
    if len(shape) >= 2 and None in shape[1:]:
        return
    expected = math.prod(input_shape)
    features = math.prod(shape[1:]) if len(shape) >= 2 else 0
    if features != expected:
        raise ValueError(f"the model expects inputs of shape {input_shape} ({expected} features per "
                         f"example), but x has shape {shape} ({features} features per example)")


@keras.saving.register_keras_serializable(package="mtl_lessons")
class Squeeze(layers.Layer):
    """``(n, 1) -> (n,)``: a regression head's output gets the shape of its targets, as in PyTorch."""

    def call(self, x):
        return keras.ops.squeeze(x, axis=-1)


def head_output(h, task: str, units: int):
    """The output of a task's head: logits ``(n, classes)``, or one value per example ``(n,)``."""
    if units == 1:
        return Squeeze(name=task)(layers.Dense(1, name=f"{task}_output")(h))
    return layers.Dense(units, name=task)(h)


def count_parameters(model: keras.Model) -> int:
    """Number of trainable scalars in ``model``, as ``mtl_lessons.torch.count_parameters`` counts them."""
    return int(sum(np.prod(w.shape) for w in model.trainable_weights))
