"""Hard and partial parameter sharing in Keras, the twin of ``mtl_lessons.torch.HardSharingNet``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import keras
from keras import layers

from mtl_lessons._checks import check_int, check_widths
from mtl_lessons.keras.models.common import check_heads, head_output, input_shape_of


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
    heads = check_heads(heads)
    hidden = check_widths("hidden", hidden)
    if shared_layers is None:
        shared_layers = len(hidden)
    shared_layers = check_int("shared_layers", shared_layers, minimum=0, maximum=len(hidden))
    inputs = keras.Input(shape=input_shape_of(input_shape), name="x")
    features = layers.Flatten(name="flatten")(inputs)
    for k in range(shared_layers):
        features = layers.Dense(hidden[k], activation="relu", name=f"shared_{k}")(features)
    outputs = {}
    for task, units in heads.items():
        h = features
        for k in range(shared_layers, len(hidden)):
            h = layers.Dense(hidden[k], activation="relu", name=f"{task}_hidden_{k}")(h)
        outputs[task] = head_output(h, task, units)
    return keras.Model(inputs, outputs, name="hard_sharing")
