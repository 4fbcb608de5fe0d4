"""Training with weights learned during training: a GradientTape loop with uncertainty weighting."""

from __future__ import annotations

from collections.abc import Mapping

import keras
import numpy as np
import tensorflow as tf

from mtl_lessons._checks import check_float, check_int
from mtl_lessons.data import CLASSIFICATION, REGRESSION, MultiTaskData, Split
from mtl_lessons.keras.models import task_losses


def split_targets(split: Split, tasks: tuple[str, ...] | list[str]) -> dict[str, np.ndarray]:
    """The targets of ``split`` as the ``{output name: array}`` dict that Keras expects."""
    missing = [t for t in tasks if t not in split.y]
    if missing:
        raise ValueError(f"no targets for {missing}; the split has {sorted(split.y)}")
    return {t: split.y[t] for t in tasks}


class UncertaintyWeighting(keras.layers.Layer):
    """Task weights learned as log-variances ``s_t`` (Kendall, Gal & Cipolla 2018).

    The weighted loss is ``sum_t c_t exp(-s_t) L_t + s_t / 2`` with ``c_t = 1/2`` for regression
    and ``1`` for classification. Minimising over ``s_t`` gives ``s_t = log(2 c_t L_t)``: a task
    whose loss stays large gets a small weight. The total can be negative; that is normal.
    """

    def __init__(self, kinds: Mapping[str, str], **kwargs) -> None:
        super().__init__(**kwargs)
        for task, kind in kinds.items():
            if kind not in (REGRESSION, CLASSIFICATION):
                raise ValueError(f"kind of task {task!r} must be {REGRESSION!r} or {CLASSIFICATION!r}")
        self.kinds = dict(kinds)
        self.log_vars = {t: self.add_weight(shape=(), initializer="zeros", name=f"log_var_{t}")
                         for t in self.kinds}

    def call(self, losses: Mapping[str, tf.Tensor]) -> tf.Tensor:
        total = 0.0
        for task, loss in losses.items():
            factor = 0.5 if self.kinds[task] == REGRESSION else 1.0
            s = self.log_vars[task]
            total += factor * keras.ops.exp(-s) * loss + 0.5 * s
        return total

    def weights_now(self) -> dict[str, float]:
        """The effective weight ``c_t exp(-s_t)`` of each task's loss at this moment."""
        return {t: (0.5 if self.kinds[t] == REGRESSION else 1.0) * float(np.exp(-float(s.numpy())))
                for t, s in self.log_vars.items()}


def fit_uncertainty(
    model: keras.Model,
    data: MultiTaskData,
    epochs: int = 20,
    batch_size: int = 64,
    learning_rate: float = 1e-3,
    seed: int = 0,
) -> tuple[dict[str, dict[str, list[float]]], UncertaintyWeighting]:
    """Train ``model`` and the task weights together with a hand-written GradientTape loop.

    This is what ``model.fit`` does inside (forward, losses, gradients, update), written out so
    that the weights can be learned too. Returns the per-epoch history (training loss per task,
    effective weight per task) and the weighting layer. ``seed`` seeds Python, NumPy and
    TensorFlow (``keras.utils.set_random_seed``) for the shuffling; seed before building the
    model to fix its initial weights too.
    """
    epochs = check_int("epochs", epochs, minimum=1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    learning_rate = check_float("learning_rate", learning_rate, minimum=0.0, strict_minimum=True)
    outputs = set(model.output_names)
    if outputs != set(data.tasks):
        raise ValueError(f"the model's outputs {sorted(outputs)} do not match the tasks {sorted(data.tasks)}")
    keras.utils.set_random_seed(check_int("seed", seed, minimum=0))
    weighting = UncertaintyWeighting(data.kinds)
    losses_fn = task_losses(data.kinds)
    optimizer = keras.optimizers.Adam(learning_rate=learning_rate)
    variables = model.trainable_variables + weighting.trainable_variables
    optimizer.build(variables)  # create Adam's slots now: building them inside the trace is slow

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            out = model(x, training=True)
            losses = {t: losses_fn[t](y[t], out[t]) for t in data.tasks}
            total = weighting(losses)
        gradients = tape.gradient(total, variables)
        optimizer.apply_gradients(zip(gradients, variables, strict=True))
        return losses

    dataset = tf.data.Dataset.from_tensor_slices(
        (data.train.x, split_targets(data.train, data.tasks))
    ).shuffle(len(data.train), seed=seed).batch(batch_size)
    history = {"loss": {t: [] for t in data.tasks}, "weight": {t: [] for t in data.tasks}}
    for _ in range(epochs):
        sums = {t: 0.0 for t in data.tasks}
        batches = 0
        for x, y in dataset:
            losses = train_step(x, y)
            for t in data.tasks:
                sums[t] += float(losses[t])
            batches += 1
        for t, w in weighting.weights_now().items():
            history["loss"][t].append(sums[t] / batches)
            history["weight"][t].append(w)
    return history, weighting
