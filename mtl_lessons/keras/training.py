"""Training multi-task Keras models: ``compile_mtl`` for Keras's own ``fit``, and the book's ``fit``.

``compile_mtl`` declares the weighted loss to Keras (one loss and one weight per output), which
is all that fixed weights need. The book's :func:`fit` writes out what Keras's ``fit`` does inside
(forward pass, per-task losses, their combination, gradients, update) with ``tf.GradientTape``, so
that the combination can be any weighting, learned ones included; it takes the same arguments and
returns the same :class:`~mtl_lessons.history.History` as ``mtl_lessons.torch.fit``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence

import keras
import numpy as np
import tensorflow as tf

from mtl_lessons._checks import (
    check_choice,
    check_epoch_values,
    check_float,
    check_int,
    check_task_weights,
    check_weights_finite,
)
from mtl_lessons.data.base import CLASSIFICATION, SPLITS, MultiTaskData, Split
from mtl_lessons.history import History
from mtl_lessons.keras.losses import masked_task_loss, task_losses, task_metric
from mtl_lessons.keras.weighting import Weighting, as_weighting
from mtl_lessons.schedules import TaskBatches, alternating_tasks, check_schedule
from mtl_lessons.seeding import effective_seed
from mtl_lessons.stopping import EarlyStopping, as_early_stopping

OPTIMIZERS = {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD}


def split_targets(split: Split, tasks: Sequence[str]) -> dict[str, np.ndarray]:
    """The targets of ``split`` as the ``{output name: array}`` dict that Keras expects."""
    missing = [t for t in tasks if t not in split.y]
    if missing:
        raise ValueError(f"no targets for {missing}; the split has {sorted(split.y)}")
    return {t: split.y[t] for t in tasks}


def make_optimizer(name: str | keras.optimizers.Optimizer, lr: float) -> keras.optimizers.Optimizer:
    """Adam or SGD with learning rate ``lr`` (a Keras optimizer passes through unchanged)."""
    if isinstance(name, keras.optimizers.Optimizer):
        return name
    check_choice("optimizer", name, tuple(OPTIMIZERS))
    return OPTIMIZERS[name](learning_rate=check_float("lr", lr, minimum=0.0, strict_minimum=True))


def _output_names(model: keras.Model) -> set[str]:
    heads = getattr(model, "heads_units", None)  # a subclassed model (SoftSharingNet) names its heads
    return set(heads) if heads is not None else set(model.output_names or [])


def check_model_fits_data(model: keras.Model, data: MultiTaskData) -> None:
    """Raise unless the model has one output per task of ``data`` and takes its input shape."""
    if not isinstance(data, MultiTaskData):
        raise TypeError(f"data must be a MultiTaskData (see mtl_lessons.data); got {type(data).__name__}")
    outputs = _output_names(model)
    if outputs != set(data.tasks):
        raise ValueError(f"the model's outputs {sorted(outputs)} do not match the tasks {sorted(data.tasks)}")
    expected = getattr(model, "input_shape", None)  # a functional model's, (None, features...)
    if isinstance(expected, tuple) and len(expected) > 1:
        expected = expected[1:]
    else:  # a subclassed model of the book (MMoENet, SoftSharingNet) keeps its own
        expected = getattr(model, "in_shape", None)
    if expected is not None and math.prod(expected) != math.prod(data.input_shape):
        raise ValueError(f"the model takes inputs of shape {tuple(expected)}, but the data's inputs have "
                         f"shape {data.input_shape}")


def compile_mtl(
    model: keras.Model,
    kinds: Mapping[str, str],
    alpha: Mapping[str, float] | None = None,
    optimizer: str | keras.optimizers.Optimizer = "adam",
    lr: float = 1e-3,
) -> keras.Model:
    """Compile ``model`` with one loss per output and ``loss_weights`` = alpha (the loss's alpha_i).

    Metrics are per output: accuracy for classification, mean squared error for regression. The
    output names of the model must be the task names; a mismatch names both sets.
    """
    outputs = _output_names(model)
    tasks = set(kinds)
    if outputs and outputs != tasks:
        raise ValueError(f"the model's outputs {sorted(outputs)} do not match the tasks {sorted(tasks)}")
    if alpha is not None:
        alpha = check_task_weights("alpha", alpha, kinds)  # known tasks, finite, >= 0
    metrics = {t: ["accuracy"] if kinds[t] == CLASSIFICATION else ["mse"] for t in kinds}
    model.compile(
        optimizer=make_optimizer(optimizer, lr),
        loss=task_losses(kinds),
        loss_weights=None if alpha is None else {t: float(alpha.get(t, 1.0)) for t in kinds},
        metrics=metrics,
    )
    return model


def evaluate(model: keras.Model, data: MultiTaskData, split: str = "test") -> dict[str, float]:
    """Per-task metric on one split: mean squared error for regression, accuracy for classification."""
    check_choice("split", split, SPLITS)
    check_model_fits_data(model, data)
    return _scores(model, getattr(data, split), data.kinds)[0]


def _scores(model: keras.Model, part: Split,
            kinds: Mapping[str, str]) -> tuple[dict[str, float], dict[str, float]]:
    """Per-task metrics and losses of the model in inference mode, over the labelled examples."""
    outputs = model(part.x, training=False)
    return ({t: task_metric(outputs[t], part.y[t], kinds[t]) for t in kinds},
            {t: float(masked_task_loss(outputs[t], part.y[t], kinds[t])) for t in kinds})


def _progress_enabled(progress: bool | None) -> bool:
    if progress is not None:
        return bool(progress)
    return os.environ.get("MTL_LESSONS_PROGRESS", "1") != "0"


def fit(
    model: keras.Model,
    data: MultiTaskData,
    epochs: int = 100,
    batch_size: int | None = 64,
    lr: float = 1e-3,
    weighting: Weighting | Mapping[str, float] | None = None,
    schedule: str = "joint",
    temperature: float | None = None,
    optimizer: str | keras.optimizers.Optimizer = "adam",
    eval_every: int = 1,
    eval_splits: Sequence[str] = ("val",),
    progress: bool | None = None,
    seed: int = 0,
    early_stopping: EarlyStopping | int | None = None,
) -> History:
    """Train ``model`` on every task of ``data``; return the per-task :class:`~mtl_lessons.history.History`.

    The Keras twin of ``mtl_lessons.torch.fit``: each step computes every task's loss on a batch,
    ``weighting.combine`` turns them into the total (fixed weights, all 1, by default; a dict
    ``{task: alpha}`` is accepted as fixed weights), and the optimiser updates the model's and the
    weighting's trainable weights together. Losses a model adds itself (``add_loss``, such as
    ``SoftSharingNet``'s coupling) are added to the total. ``seed`` seeds Python, NumPy and
    TensorFlow for the shuffling; seed before building the model to fix its initial weights too.
    ``schedule`` and ``temperature`` choose joint or alternating steps as in the PyTorch ``fit``
    (an alternating step computes every head but trains only its task's); missing labels (NaN,
    ``MISSING_CLASS``) are left out of every loss and metric, as there.
    NaN or infinite inputs or targets are refused before training; a training loss, a recorded
    metric or a weight that becomes NaN or infinite stops training with an error naming the task
    (or the weights) and the epoch. ``early_stopping`` (an :class:`~mtl_lessons.stopping.EarlyStopping`,
    or an int: its patience, counted in evaluations) stops when the monitored validation number stops
    improving, and gives the model and the weighting back their weights of the best evaluation.
    """
    epochs = check_int("epochs", epochs, minimum=1)
    check_model_fits_data(model, data)
    n = len(data.train)
    batch_size = n if batch_size is None else min(check_int("batch_size", batch_size, minimum=1), n)
    eval_every = check_int("eval_every", eval_every, minimum=1)
    schedule, temperature = check_schedule(schedule, temperature)
    if isinstance(eval_splits, str):
        eval_splits = (eval_splits,)
    for split in eval_splits:
        check_choice("eval_splits entry", split, SPLITS)
    data.check_finite(("train", *eval_splits))  # arrays changed in place since the data were made
    weighting = as_weighting(weighting, data.tasks)
    stopper = as_early_stopping(early_stopping, data.kinds, eval_splits)
    seed = effective_seed(seed)
    keras.utils.set_random_seed(seed)
    losses_fn = task_losses(data.kinds)
    step = make_optimizer(optimizer, lr)
    variables = model.trainable_variables + weighting.trainable_variables
    step.build(variables)  # create the optimiser's slots now: building them inside the trace is slow
    tasks = data.tasks
    incomplete = {t for t in tasks if not data.fully_labelled(t)}  # tasks with missing labels

    def make_step(step_tasks: tuple[str, ...]):
        """The traced training step of the tasks ``step_tasks`` (one trace per set of tasks)."""

        def train_step(x, y):
            with tf.GradientTape() as tape:
                outputs = model(x, training=True)
                losses = {t: masked_task_loss(outputs[t], y[t], data.kinds[t]) if t in incomplete
                          else losses_fn[t](y[t], outputs[t]) for t in step_tasks}
                total, weights = weighting.combine(losses)
                if model.losses:
                    total = total + tf.add_n(model.losses)
            gradients = tape.gradient(total, variables)
            # an alternating step leaves the other heads (and their learned weights) untouched
            step.apply_gradients([(g, v) for g, v in zip(gradients, variables, strict=True) if g is not None])
            return tf.stack([losses[t] for t in step_tasks]), weights

        return tf.function(train_step, reduce_retracing=True)

    steps: dict[tuple[str, ...], object] = {}
    targets = split_targets(data.train, tasks)
    has_label = {t: data.example_labelled(t) for t in incomplete}
    rng = np.random.default_rng(seed)
    own = {t: TaskBatches(data.task_rows(t), batch_size, rng.permutation) for t in tasks}
    dataset = tf.data.Dataset.from_tensor_slices(
        (data.train.x, targets)).shuffle(n, seed=seed).batch(batch_size)
    if incomplete and schedule == "joint":  # the rows too, to count each task's labels in a batch
        dataset = tf.data.Dataset.from_tensor_slices(
            (data.train.x, targets, np.arange(n))).shuffle(n, seed=seed).batch(batch_size)

    def batches():
        """(tasks of the step, inputs, targets, labelled examples per task) for one epoch."""
        if schedule == "joint":
            for x, y, *rows in dataset:
                counts = {t: int(has_label[t][rows[0].numpy()].sum()) if t in incomplete
                          else int(x.shape[0]) for t in tasks}
                yield tuple(t for t in tasks if counts[t] > 0), x, y, counts
            return
        for t in tasks:
            own[t].new_epoch()
        sizes = {t: len(own[t].rows) for t in tasks}
        for t in alternating_tasks(sizes, batch_size, temperature, rng.random):
            rows = own[t].next()
            yield (t,), data.train.x[rows], {t: targets[t][rows]}, {t: len(rows)}

    history = History(dict(data.kinds))
    epoch_range: Iterable[int] = range(1, epochs + 1)
    if _progress_enabled(progress):
        from tqdm.auto import tqdm

        epoch_range = tqdm(epoch_range, desc="epochs", leave=False)
    position = {t: k for k, t in enumerate(tasks)}
    for epoch in epoch_range:
        loss_sum, weight_sum, count = np.zeros(len(tasks)), np.zeros(len(tasks)), np.zeros(len(tasks))
        for step_tasks, x, y, counts in batches():
            if not step_tasks:  # no task has a label in this batch
                continue
            if step_tasks not in steps:
                steps[step_tasks] = make_step(step_tasks)
            losses, weights = steps[step_tasks](x, {t: y[t] for t in step_tasks})
            where = [position[t] for t in step_tasks]
            sizes = np.array([counts[t] for t in step_tasks], dtype=float)
            loss_sum[where] += sizes * losses.numpy()
            weight_sum[where] += sizes * np.asarray(weights)
            count[where] += sizes
        with np.errstate(invalid="ignore"):  # a task that no step trained records NaN, as in torch
            epoch_losses = dict(zip(tasks, loss_sum / count, strict=True))
            mean_weights = dict(zip(tasks, weight_sum / count, strict=True))
        trained_losses = {t: v for t, v, c in zip(tasks, epoch_losses.values(), count, strict=True) if c > 0}
        # TensorFlow's fused kernels can keep the loss finite while the weights turn NaN: check both
        check_epoch_values("training loss", trained_losses, epoch)
        check_weights_finite(all(np.isfinite(v.numpy()).all() for v in variables), epoch)
        history.record_epoch(epoch_losses, mean_weights)
        if epoch % eval_every == 0 or epoch == epochs:
            for split in eval_splits:
                metrics, losses = _scores(model, getattr(data, split), data.kinds)
                check_epoch_values(f"{split} metric", metrics, epoch)
                check_epoch_values(f"{split} loss", losses, epoch)
                history.record_evaluation(epoch, split, metrics, losses)
            if stopper is not None and stopper.update(epoch, history.final_loss(), history.final()):
                best = [model.get_weights(), weighting.get_weights()]
            if stopper is not None and stopper.stop:
                break
    if stopper is not None and stopper.finish(history, epochs):
        model.set_weights(best[0])
        weighting.set_weights(best[1])
    return history
