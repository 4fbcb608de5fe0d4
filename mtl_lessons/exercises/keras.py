"""Checkers for the exercises of the TensorFlow/Keras chapter.

Importing this module is cheap: TensorFlow and Keras are imported only inside the checker that
runs a student's training step. ``mtl_lessons.exercises`` itself never imports this module.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from mtl_lessons._checks import check_float
from mtl_lessons.exercises import Feedback, checker, close_to, multiple_choice

EXERCISE_LOSSES = (0.05, 0.8)  # the two regression losses of the uncertainty-weighting exercise
UNCERTAINTY_ANSWER = "b"


@checker
def check_article_b_parameters(unflattened: object, flattened: object) -> Feedback:
    """Exercise 5.1: parameter counts of article B's model on 28 x 28 images, without and with Flatten."""
    upper = 128 * 64 + 64 + 64 * 10 + 10  # Dense(64) and the output layer Dense(10)
    expected_unflattened = 28 * 128 + 128 + upper
    expected_flattened = 28 * 28 * 128 + 128 + upper
    for name, value in (("unflattened", unflattened), ("flattened", flattened)):
        if isinstance(value, bool) or not isinstance(value, int):
            return Feedback(False, f"{name} should be a whole number of parameters; got {value!r}.")
    no_biases = {expected_unflattened - 128 - 64 - 10, expected_flattened - 128 - 64 - 10}
    if unflattened != expected_unflattened:
        if unflattened == expected_flattened:
            return Feedback(False, "Without Flatten, the first Dense layer does not see all 784 pixels: "
                                   "it acts on the last axis only, one image row of 28 pixels.")
        if unflattened in no_biases:
            return Feedback(False, "Count the biases too: one per unit of every Dense layer.")
        return Feedback(False, f"unflattened = {unflattened} is not right. The first Dense(128) acts on "
                               "the last axis, of size 28; add the Dense(64) and Dense(10) layers.")
    if flattened != expected_flattened:
        if flattened in no_biases:
            return Feedback(False, "Count the biases too: one per unit of every Dense layer.")
        return Feedback(False, f"flattened = {flattened} is not right. After Flatten the first layer "
                               "sees 28 x 28 = 784 inputs; the two layers above it do not change.")
    return Feedback(True, f"{unflattened:,} parameters without Flatten, {flattened:,} with it. Only "
                          "the first layer changes: it sees one row of 28 pixels instead of all 784.")


def _reference_step(model, losses_fn, alpha, x, y, learning_rate: float) -> dict[str, float]:
    """One plain SGD step on ``sum_t alpha_t L_t`` (the answer the checker compares with)."""
    import tensorflow as tf

    with tf.GradientTape() as tape:
        outputs = model(x, training=True)
        losses = {t: losses_fn[t](y[t], outputs[t]) for t in outputs}
        total = tf.add_n([alpha[t] * losses[t] for t in losses])
    gradients = tape.gradient(total, model.trainable_variables)
    for variable, gradient in zip(model.trainable_variables, gradients, strict=True):
        variable.assign_sub(learning_rate * gradient)
    return {t: float(v) for t, v in losses.items()}


def _max_gap(first: list, second: list) -> float:
    return max(float(abs(a - b).max()) for a, b in zip(first, second, strict=True))


@checker
def check_weighted_step(function: Callable) -> Feedback:
    """Exercise 5.2: ``function(model, optimizer, losses_fn, alpha, x, y)`` takes one step on the
    weighted sum.

    It must return ``{task: L_t}`` (the losses before the step) and leave the model with the
    weights of one optimiser step on ``sum_t alpha_t L_t``.
    """
    import keras
    import numpy as np

    from mtl_lessons.data import digit_pairs
    from mtl_lessons.keras import HardSharingNet, task_losses

    python_state = random.getstate()  # building models draws seeds: leave the caller's stream alone
    try:
        data = digit_pairs(n_train=32, n_val=8, n_test=8, seed=1)
        heads = data.output_sizes()
        models = [HardSharingNet(data.input_shape, heads, hidden=(8,)) for _ in range(3)]
    finally:
        random.setstate(python_state)
    rng = np.random.default_rng(0)
    start = [rng.normal(0.0, 0.3, w.shape).astype("float32") for w in models[0].get_weights()]
    for model in models:
        model.set_weights(start)
    student, reference, unweighted = models
    alpha = {"left": 1.0, "right": 0.25}
    learning_rate = 0.5
    losses_fn = task_losses(data.kinds)
    x, y = data.train.x, dict(data.train.y)

    returned = function(student, keras.optimizers.SGD(learning_rate=learning_rate), losses_fn,
                        dict(alpha), x, y)
    expected = _reference_step(reference, losses_fn, alpha, x, y, learning_rate)
    _reference_step(unweighted, losses_fn, {t: 1.0 for t in alpha}, x, y, learning_rate)

    weights = student.get_weights()
    gap = _max_gap(weights, reference.get_weights())
    if gap > 1e-5:
        if _max_gap(weights, start) == 0.0:
            return Feedback(False, "The model's weights did not change: compute the gradients with the "
                                   "tape and pass them to optimizer.apply_gradients.")
        if _max_gap(weights, unweighted.get_weights()) < 1e-5:
            return Feedback(False, "Your step minimised the plain sum L_left + L_right: multiply each "
                                   "task's loss by its alpha before adding.")
        return Feedback(False, f"After your step the weights differ from one SGD step on "
                               f"sum_t alpha_t L_t by up to {gap:.3g}.")
    if not isinstance(returned, dict) or set(returned) != set(expected):
        return Feedback(False, "The update is right, but the function should return a dict "
                               f"{{task: loss}} with the keys {sorted(expected)}; got {returned!r}.")
    for task, value in expected.items():
        try:
            number = float(returned[task])
        except (TypeError, ValueError):
            return Feedback(False, f"The loss returned for {task!r} should be a number or a scalar "
                                   f"tensor; got {returned[task]!r}.")
        if abs(number - value) > 1e-5:
            return Feedback(False, f"The update is right, but the loss returned for {task!r} is "
                                   f"{number:.5g} instead of {value:.5g}: return the unweighted "
                                   "per-task losses computed before the step.")
    return Feedback(True, "One step on the weighted sum, exactly as compile(loss_weights=alpha) "
                          "followed by fit would take it.")


def regression_optimum(loss: float) -> tuple[float, float, float]:
    """Uncertainty weighting of one regression task with mean loss ``L``, at the best ``s``.

    Returns ``(s, weight, term)``: ``s = log L``, the effective weight ``exp(-s) / 2 = 1 / (2L)``
    and the task's term of the total loss, ``exp(-s) L / 2 + s / 2 = (1 + log L) / 2``.
    """
    loss = check_float("loss", loss, minimum=0.0, strict_minimum=True)
    s = math.log(loss)
    return s, 0.5 * math.exp(-s), 0.5 * math.exp(-s) * loss + 0.5 * s


@checker
def check_uncertainty_optimum(weight_1: object, weight_2: object, total: object) -> Feedback:
    """Exercise 5.3: effective weights and total loss at the optimum, for the losses ``EXERCISE_LOSSES``."""
    optima = [regression_optimum(loss) for loss in EXERCISE_LOSSES]
    numbers = []
    for name, value in (("weight_1", weight_1), ("weight_2", weight_2), ("total", total)):
        try:
            numbers.append(float(value))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return Feedback(False, f"{name} should be a number; got {value!r}.")
    for k, (number, (_, weight, _)) in enumerate(zip(numbers[:2], optima, strict=True)):
        loss = EXERCISE_LOSSES[k]
        if abs(number - weight) <= 1e-3 * weight:
            continue
        if abs(number - 1 / loss) <= 1e-3 / loss:
            return Feedback(False, f"weight_{k + 1} = {number:.4g} is exp(-s) = 1/L. The loss multiplies "
                                   "exp(-s) by 1/2 for a regression task: the effective weight is 1/(2L).")
        if abs(number - loss) <= 1e-3 * loss:
            return Feedback(False, f"weight_{k + 1} = {number:.4g} equals the loss itself. At the optimum "
                                   "s = log L, so the weight exp(-s)/2 is inversely proportional to L.")
        return Feedback(False, f"weight_{k + 1} = {number:.4g} is not right: set the derivative of "
                               "exp(-s) L / 2 + s / 2 with respect to s to zero.")
    expected_total = sum(term for _, _, term in optima)
    if abs(numbers[2] - len(optima) * 0.5) < 1e-3:
        return Feedback(False, "At the optimum each weighted loss exp(-s) L / 2 equals 1/2, but the "
                               "terms s / 2 = (log L) / 2 belong to the total too.")
    if abs(numbers[2] + expected_total) < 1e-3:
        return Feedback(False, "Check the sign: log L is negative when L < 1.")
    feedback = close_to(numbers[2], expected_total, 1e-3, "The total loss at the optimum")
    if feedback:
        return Feedback(True, f"Weights {optima[0][1]:.4g} and {optima[1][1]:.4g}, and a total of "
                              f"{expected_total:.4g}: negative, because log L < 0 for small losses. A "
                              "negative total is normal for uncertainty weighting.")
    return feedback


UNCERTAINTY_FEEDBACK = {
    "a": "Uncertainty weighting knows nothing about importance: it only sees each task's current "
         "loss. A small weight means that the task's loss is large, not that the task matters less.",
    "c": "That would be a gradient-based method such as GradNorm. Uncertainty weighting never "
         "looks at gradients: the optimum of 1/2 exp(-s) L + s/2 depends on the loss L alone.",
    "d": "The chapter repeats the run over several seeds, and the noisy task gets the smaller "
         "weight on every one of them.",
}


@checker
def check_uncertainty_reading(answer: object) -> Feedback:
    """Exercise 5.4: which statement explains the weights that uncertainty weighting learned."""
    if not isinstance(answer, str) or answer.strip().lower() not in ("a", "b", "c", "d"):
        return Feedback(False, f"Answer with one letter, 'a', 'b', 'c' or 'd'; got {answer!r}.")
    letter = answer.strip().lower()
    if letter == UNCERTAINTY_ANSWER:
        return Feedback(True, "Each learned weight tracks 1/(2 L_t): the noisy task keeps a large "
                              "loss, so it gets a small weight, and every weighted loss tends to 1/2.")
    return Feedback(False, UNCERTAINTY_FEEDBACK[letter])


_LEARNED_WEIGHTS = {
    "a": "`loss_weights` are constants of the compiled loss: changing them between epochs (even from a "
         "callback) is a schedule you choose, not weights learned by gradient descent.",
    "b": "the weights must be trainable variables inside the differentiated loss: a layer that holds the "
         "log-variances and combines the losses, called inside the `tf.GradientTape` step, as the "
         "package's `fit` does with `UncertaintyWeighting` (overriding `train_step` is the same idea "
         "inside `model.fit`).",
    "c": "a metric is computed after the step and never reaches the gradient: the log-variances would not "
         "be trained.",
    "d": "Keras 3 has no such argument; and a weight that the optimiser should learn has to be a "
         "variable inside the differentiated computation.",
}


@checker
def check_learned_weights_design(answer: object) -> Feedback:
    """Exercise 5.5 (design): where, in Keras, task weights that are learned during training must live."""
    return multiple_choice(answer, "b", _LEARNED_WEIGHTS)
