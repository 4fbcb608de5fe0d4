"""Checking that the Keras and PyTorch versions of a model compute the same thing."""

from __future__ import annotations

import keras
import numpy as np
import torch


def torch_to_keras_layer_names(torch_model: torch.nn.Module) -> dict[str, str]:
    """Map each ``nn.Linear`` of a PyTorch ``HardSharingNet`` to its Keras layer's name."""
    names = {}
    linear = [m for m in torch_model.trunk if isinstance(m, torch.nn.Linear)]
    for k, _ in enumerate(linear):
        names[f"trunk.{2 * k + 1}"] = f"shared_{k}"  # trunk = Flatten, Linear, ReLU, Linear, ...
    shared = torch_model.shared_layers
    for task, head in torch_model.heads.items():
        layers = [i for i, m in enumerate(head) if isinstance(m, torch.nn.Linear)]
        for k, index in enumerate(layers[:-1]):
            names[f"heads.{task}.{index}"] = f"{task}_hidden_{shared + k}"
        one_unit = head[layers[-1]].out_features == 1  # regression: Dense "<task>_output", then squeeze
        names[f"heads.{task}.{layers[-1]}"] = f"{task}_output" if one_unit else task
    return names


def copy_weights_from_torch(torch_model: torch.nn.Module, keras_model: keras.Model) -> None:
    """Give ``keras_model`` the weights of ``torch_model`` (both ``HardSharingNet``, same sizes).

    A PyTorch ``Linear`` stores its weight as (out, in) and computes ``x W^T + b``; a Keras
    ``Dense`` stores its kernel as (in, out) and computes ``x K + b``: so ``K = W^T``.
    """
    modules = dict(torch_model.named_modules())
    for torch_name, keras_name in torch_to_keras_layer_names(torch_model).items():
        linear = modules[torch_name]
        dense = keras_model.get_layer(keras_name)
        expected = (linear.in_features, linear.out_features)
        if tuple(dense.kernel.shape) != expected:
            raise ValueError(f"layer {keras_name!r} has kernel {tuple(dense.kernel.shape)}; "
                             f"PyTorch layer {torch_name!r} needs {expected}")
        dense.set_weights([linear.weight.detach().cpu().numpy().T, linear.bias.detach().cpu().numpy()])


def max_weight_difference(torch_model: torch.nn.Module, keras_model: keras.Model) -> float:
    """Largest absolute difference between corresponding weights of the two models."""
    modules = dict(torch_model.named_modules())
    worst = 0.0
    for torch_name, keras_name in torch_to_keras_layer_names(torch_model).items():
        linear, dense = modules[torch_name], keras_model.get_layer(keras_name)
        kernel, bias = dense.get_weights()
        worst = max(worst,
                    float(np.abs(linear.weight.detach().cpu().numpy().T - kernel).max()),
                    float(np.abs(linear.bias.detach().cpu().numpy() - bias).max()))
    return worst
