"""Multi-gate mixture-of-experts in Keras, the twin of ``mtl_lessons.torch.MMoENet`` and ``OMoENet``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import keras
import numpy as np
from keras import layers

from mtl_lessons._checks import check_choice, check_int, check_widths
from mtl_lessons.keras.models.common import check_heads, check_input, input_shape_of

GATES = ("per_task", "one")


@keras.saving.register_keras_serializable(package="mtl_lessons")
class ExpertBank(layers.Layer):
    """``n_experts`` ReLU MLPs of the same widths on the same input, computed by batched products.

    Layer ``l`` of every expert is one weight of shape ``(n_experts, fan_in, fan_out)``, the layout
    of the torch ``ExpertBank``; the output has shape ``(n, n_experts, widths[-1])``.
    """

    def __init__(self, n_experts: int, widths: Sequence[int], **kwargs) -> None:
        super().__init__(**kwargs)
        self.n_experts = check_int("n_experts", n_experts, minimum=1)
        self.widths = list(widths)
        self.kernels, self.biases = [], []
        for k, (fan_in, fan_out) in enumerate(zip(self.widths[:-1], self.widths[1:], strict=True)):
            bound = fan_in ** -0.5  # as torch's nn.Linear, so both twins start alike
            init = keras.initializers.RandomUniform(-bound, bound)
            self.kernels.append(self.add_weight(shape=(self.n_experts, fan_in, fan_out), initializer=init,
                                                name=f"kernel_{k}"))
            self.biases.append(self.add_weight(shape=(self.n_experts, fan_out), initializer=init,
                                               name=f"bias_{k}"))

    def call(self, flat):
        h = keras.ops.relu(keras.ops.einsum("nd,edw->new", flat, self.kernels[0]) + self.biases[0])
        for kernel, bias in zip(self.kernels[1:], self.biases[1:], strict=True):
            h = keras.ops.relu(keras.ops.einsum("ned,edw->new", h, kernel) + bias)
        return h

    def get_config(self) -> dict:
        return {**super().get_config(), "n_experts": self.n_experts, "widths": self.widths}


class MMoENet(keras.Model):
    """Multi-gate mixture-of-experts: shared experts, one softmax gate per task, one tower per task.

    The same architecture, arguments and parameter count as ``mtl_lessons.torch.MMoENet``:
    ``n_experts`` ReLU experts of widths ``expert_hidden`` on the flattened input, a gate
    ``softmax(W_gk x)`` (no bias) per task (``gates="per_task"``, MMoE) or one for all tasks
    (``gates="one"``, OMoE), and per task a tower of ReLU layers ``tower_hidden`` then the output
    layer. ``call`` returns ``{task: output}``, a regression head as shape ``(n,)``.
    """

    def __init__(
        self,
        input_shape: int | Sequence[int],
        heads: Mapping[str, int],
        n_experts: int = 8,
        expert_hidden: Sequence[int] = (16,),
        tower_hidden: Sequence[int] = (8,),
        gates: str = "per_task",
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.heads_units = check_heads(heads)
        self.in_shape = shape = input_shape_of(input_shape)  # Keras's input_shape is a read-only property
        in_features = int(np.prod(shape))
        self.n_experts = check_int("n_experts", n_experts, minimum=1)
        expert_widths = [in_features, *check_widths("expert_hidden", expert_hidden, at_least=1)]
        tower_widths = check_widths("tower_hidden", tower_hidden)
        self.gates_mode = str(check_choice("gates", gates, GATES))
        self.flatten = layers.Flatten()
        self.experts = ExpertBank(self.n_experts, expert_widths, name="experts")
        gate_names = list(self.heads_units) if self.gates_mode == "per_task" else ["shared"]
        self.gates = {name: layers.Dense(self.n_experts, use_bias=False, name=f"gate_{name}")
                      for name in gate_names}
        self.towers = {task: [layers.Dense(w, activation="relu", name=f"{task}_tower_{k}")
                              for k, w in enumerate(tower_widths)] for task in self.heads_units}
        self.outputs_ = {task: layers.Dense(units, name=f"{task}_output")
                         for task, units in self.heads_units.items()}
        self.build((None, *shape))

    def build(self, input_shape) -> None:
        width = int(np.prod(input_shape[1:]))
        for gate in self.gates.values():
            gate.build((None, width))
        for task in self.heads_units:
            fan_in = self.experts.widths[-1]
            for layer in self.towers[task]:
                layer.build((None, fan_in))
                fan_in = layer.units
            self.outputs_[task].build((None, fan_in))
        self.built = True

    def _gate(self, flat, task: str):
        """Task ``task``'s mixing weights over the experts, shape ``(n, n_experts)``."""
        name = task if self.gates_mode == "per_task" else "shared"
        return keras.ops.softmax(self.gates[name](flat), axis=-1)

    def gate_weights(self, x) -> dict[str, np.ndarray]:
        """Each task's gate weights over the experts, ``{task: (n, n_experts)}`` as NumPy arrays."""
        x = np.asarray(x, dtype="float32")
        check_input(x, self.in_shape)
        flat = self.flatten(keras.ops.convert_to_tensor(x))
        return {task: keras.ops.convert_to_numpy(self._gate(flat, task)) for task in self.heads_units}

    def call(self, x):
        check_input(x, self.in_shape)
        flat = self.flatten(x)
        experts = self.experts(flat)  # (n, n_experts, width)
        outputs = {}
        for task, units in self.heads_units.items():
            h = keras.ops.einsum("ne,new->nw", self._gate(flat, task), experts)
            for layer in self.towers[task]:
                h = layer(h)
            out = self.outputs_[task](h)
            outputs[task] = keras.ops.squeeze(out, axis=-1) if units == 1 else out
        return outputs


class OMoENet(MMoENet):
    """One-gate mixture-of-experts (OMoE): :class:`MMoENet` with a single gate shared by all tasks."""

    def __init__(
        self,
        input_shape: int | Sequence[int],
        heads: Mapping[str, int],
        n_experts: int = 8,
        expert_hidden: Sequence[int] = (16,),
        tower_hidden: Sequence[int] = (8,),
        **kwargs,
    ) -> None:
        super().__init__(input_shape, heads, n_experts, expert_hidden, tower_hidden, gates="one", **kwargs)
