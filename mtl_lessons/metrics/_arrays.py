"""The metrics' input checks: predictions and targets as NumPy arrays of numbers, of one shape.

They take NumPy arrays, lists or tensors of any framework (a PyTorch tensor is detached and moved
to the CPU first), so that a chapter can score whatever a model returned.
"""

from __future__ import annotations

import numpy as np

from mtl_lessons._checks import check_finite


def as_numbers(name: str, values: object) -> np.ndarray:
    """``values`` as a non-empty NumPy array of numbers, or a ``TypeError``/``ValueError`` naming ``name``."""
    if hasattr(values, "detach") and hasattr(values, "cpu"):  # a PyTorch tensor, on any device
        values = values.detach().cpu()
    try:
        array = np.asarray(values)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be an array of numbers; got {type(values).__name__}") from error
    if array.dtype.kind not in "biuf":  # booleans, integers, floats
        raise TypeError(f"{name} must be an array of numbers; got an array of {array.dtype}")
    if array.size == 0:
        raise ValueError(f"{name} is empty; it needs at least one value")
    return array


def prediction_and_target(prediction: object, target: object) -> tuple[np.ndarray, np.ndarray]:
    """Both as finite arrays of numbers (see :func:`as_numbers`), refused unless their shapes match."""
    prediction, target = as_numbers("prediction", prediction), as_numbers("target", target)
    check_finite("prediction", prediction)
    check_finite("target", target)
    if prediction.shape != target.shape:
        raise ValueError(f"prediction has shape {prediction.shape} but target has shape {target.shape}; "
                         "they must match")
    return prediction, target
