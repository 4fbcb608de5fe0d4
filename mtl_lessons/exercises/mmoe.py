"""Checkers for the exercises of the chapter on multi-gate mixture-of-experts (MMoE).

Each returns a :class:`~mtl_lessons.exercises.Feedback` that says what is wrong, never crashes on
an unfinished stub, and recognises the typical slips: a mixture without the softmax, a count that
forgets the biases or the gates, a distance without its factor 1/2.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mtl_lessons._checks import check_finite, check_float
from mtl_lessons.exercises import Feedback, as_number, checker, multiple_choice

# Exercise 9.1: an MMoE mixture by hand ----------------------------------------------------------

MIXTURE_EXPERTS = np.array([[1.0, 0.0], [0.0, 2.0], [3.0, 1.0]])  # 3 experts, outputs of 2 units
MIXTURE_LOGITS = {"task1": np.array([1.0, 2.0, 1.0]), "task2": np.array([2.0, -1.0, 0.5])}


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def mixture_reference(expert_outputs: np.ndarray, gate_logits: np.ndarray) -> np.ndarray:
    """``f^k(x) = sum_i softmax(logits)_i f_i(x)`` for one example: experts ``(n_experts, width)``."""
    return _softmax(np.asarray(gate_logits, dtype=float)) @ np.asarray(expert_outputs, dtype=float)


_MIXTURE_CASES = [  # (expert outputs, gate logits, what the case tests)
    (MIXTURE_EXPERTS, MIXTURE_LOGITS["task1"], "the exercise's experts with task 1's gate logits"),
    (MIXTURE_EXPERTS, MIXTURE_LOGITS["task2"], "the exercise's experts with task 2's gate logits"),
    (np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]]), np.array([3.0, 3.0]),
     "two experts of three units and equal logits (the mixture is their average)"),
    (np.array([[1.0], [4.0], [-2.0], [0.0]]), np.array([-1.0, 0.0, 2.0, 1.0]), "four experts of one unit"),
]


@checker
def check_mmoe_mixture(function: Callable) -> Feedback:
    """Exercise 9.1: ``function(expert_outputs, gate_logits)`` returns one task's mixture of the experts."""
    for experts, logits, what in _MIXTURE_CASES:
        value = function(experts.copy(), logits.copy())
        try:
            mixture = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            return Feedback(False, f"Return the mixture as an array of {experts.shape[1]} number(s); "
                                   f"got {value!r}.")
        expected = mixture_reference(experts, logits)
        if mixture.shape != expected.shape:
            if mixture.shape == logits.shape:
                return Feedback(False, f"For {what} you returned {len(logits)} numbers, one per expert: "
                                       "those are gate weights. The mixture has the width of an expert's "
                                       "output: sum the experts' outputs weighted by the gate, g @ f.")
            return Feedback(False, f"For {what} the mixture has shape {expected.shape} (one value per "
                                   f"unit of an expert's output); yours has shape {mixture.shape}.")
        if np.allclose(mixture, expected, atol=1e-6):
            continue
        if np.allclose(mixture, logits @ experts, atol=1e-6):
            return Feedback(False, f"For {what} you weighted the experts by the raw logits. The gate is a "
                                   "softmax of the logits: exponentiate, then divide by the sum.")
        if logits.sum() != 0 and np.allclose(mixture, (logits / logits.sum()) @ experts, atol=1e-6):
            return Feedback(False, f"For {what} you divided the logits by their sum: that is not a softmax "
                                   "(the weights can be negative). Use exp(logits) / sum(exp(logits)).")
        if np.allclose(mixture, experts.mean(axis=0), atol=1e-6):
            return Feedback(False, f"For {what} you returned the plain average of the experts; the gate "
                                   "weights them by softmax(logits), which is uniform only for equal logits.")
        if np.allclose(mixture, experts[np.argmax(logits)], atol=1e-6):
            return Feedback(False, f"For {what} you took the expert with the largest logit only; MMoE's gate "
                                   "is soft: every expert contributes with its softmax weight.")
        return Feedback(False, f"For {what} the mixture is {np.round(expected, 4).tolist()}; yours is "
                               f"{np.round(mixture, 4).tolist()}. Compute g = softmax(logits), then g @ f.")
    return Feedback(True, "Your mixture matches softmax(logits) @ experts on every case: the same experts, "
                          "mixed differently for each task.")


# Exercise 9.2: counting the parameters of an MMoE ------------------------------------------------

COUNT_SETTING = {"inputs": 20, "n_experts": 4, "expert_units": 12, "tower_units": 6, "tasks": 3}


def mmoe_parameter_count(inputs: int, n_experts: int, expert_units: int, tower_units: int, tasks: int,
                         gates: int | None = None) -> int:
    """Parameters of an MMoE with one-layer experts and towers, bias-free gates and one-unit outputs."""
    gates = tasks if gates is None else gates
    experts = n_experts * (inputs * expert_units + expert_units)
    gate = gates * inputs * n_experts
    towers = tasks * (expert_units * tower_units + tower_units + tower_units + 1)
    return experts + gate + towers


def shared_bottom_count(inputs: int, width: int, tower_units: int, tasks: int) -> int:
    """Parameters of a shared bottom of ``width`` units with one-layer towers and one-unit outputs."""
    return inputs * width + width + tasks * (width * tower_units + tower_units + tower_units + 1)


@checker
def check_mmoe_parameters(mmoe_params: object, bottom_width: object) -> Feedback:
    """Exercise 9.2: the MMoE's parameter count and the widest shared bottom that has no more."""
    s = COUNT_SETTING
    count = as_number(mmoe_params, "`mmoe_params`")
    if isinstance(count, Feedback):
        return count
    expected = mmoe_parameter_count(**s)
    d, e, u, v, t = s["inputs"], s["n_experts"], s["expert_units"], s["tower_units"], s["tasks"]
    slips = {
        mmoe_parameter_count(**s, gates=1): "that is OMoE's count: MMoE has one gate per task, "
                                            f"{t} gates of {d} x {e} weights",
        expected - t * d * e: "you left out the gates: each task's gate is a matrix W_gk of "
                              "n_experts x inputs",
        expected + t * e: "the gates of this chapter have no bias, softmax(W_gk x): drop the gate biases",
        expected - e * u: "each expert's hidden layer has biases too: add n_experts x expert_units",
        expected - t * (v + 1): "each tower has a hidden layer and an output layer, each with its biases: "
                                "tower_units x (expert_units + 1) + tower_units + 1 per task",
        expected - e * (d * u + u) + (d * u + u): "there are n_experts experts, each with its own weights",
    }
    if count != expected:
        for wrong, message in slips.items():
            if count == wrong:
                return Feedback(False, f"mmoe_params = {count:g}: {message}.")
        return Feedback(False, f"mmoe_params = {count:g} is not the count; add experts (weights and "
                               "biases), the gates (one per task, no bias) and the towers (hidden layer "
                               "and output layer, with biases).")
    width = as_number(bottom_width, "`bottom_width`")
    if isinstance(width, Feedback):
        return width
    best = max(w for w in range(1, expected) if shared_bottom_count(d, w, v, t) <= expected)
    if width == best:
        return Feedback(True, f"{expected} parameters for the MMoE; a shared bottom of {best} units has "
                              f"{shared_bottom_count(d, best, v, t)}, one more unit would have "
                              f"{shared_bottom_count(d, best + 1, v, t)}.")
    if width in (expected // (d + 1), round(expected / (d + 1))):
        return Feedback(False, f"bottom_width = {width:g} counts only the bottom layer; the towers read "
                               "the bottom's width too: each tower's first layer has width x tower_units "
                               "weights.")
    if width == best + 1:
        return Feedback(False, f"a bottom of {width:g} units has {shared_bottom_count(d, best + 1, v, t)} "
                               f"parameters, more than the MMoE's {expected}: round down.")
    return Feedback(False, f"bottom_width = {width:g}: solve (inputs + 1) u + tasks (u tower_units + "
                           "2 tower_units + 1) <= mmoe_params for the largest whole u.")


# Exercise 9.3: how different are two tasks' gates? -----------------------------------------------

GATE_MEANS = {"task1": np.array([0.45, 0.25, 0.15, 0.10, 0.05, 0.00]),
              "task2": np.array([0.00, 0.05, 0.15, 0.15, 0.30, 0.35])}


def total_variation(a: np.ndarray, b: np.ndarray) -> float:
    """Total variation distance ``(1/2) sum_i |a_i - b_i|`` between two distributions over the experts."""
    return 0.5 * float(np.abs(np.asarray(a, dtype=float) - np.asarray(b, dtype=float)).sum())


@checker
def check_gate_distance(distance: object, shared_experts: object) -> Feedback:
    """Exercise 9.3: the total variation distance of the two mean gates, and the experts both use."""
    value = as_number(distance, "`distance`")
    if isinstance(value, Feedback):
        return value
    a, b = GATE_MEANS["task1"], GATE_MEANS["task2"]
    expected = total_variation(a, b)
    if not np.isclose(value, expected, atol=1e-6):
        if np.isclose(value, 2 * expected, atol=1e-6):
            return Feedback(False, f"distance = {value:g} is the sum of |a_i - b_i| without the factor 1/2; "
                                   "with it, the distance runs from 0 (same gates) to 1 (disjoint experts).")
        if np.isclose(value, float(np.linalg.norm(a - b)), atol=1e-6):
            return Feedback(False, "That is the Euclidean distance; the total variation distance is "
                                   "(1/2) sum_i |a_i - b_i|.")
        return Feedback(False, f"distance = {value:g}; compute (1/2) sum_i |a_i - b_i| over the six experts.")
    try:
        chosen = sorted({int(i) for i in shared_experts})  # type: ignore[union-attr]
    except (TypeError, ValueError):
        return Feedback(False, "`shared_experts` should list expert indices (0 to 5), such as [0, 4]; "
                               f"got {shared_experts!r}.")
    both = sorted(int(i) for i in np.flatnonzero(np.minimum(a, b) >= 0.1))
    if chosen == both:
        return Feedback(True, f"distance = {expected:.2f}: task 1 leans on experts 0 and 1, task 2 on "
                              f"4 and 5, and both use experts {both}, each with weight at least 0.1 in both "
                              f"gates; the overlap sum_i min(a_i, b_i) = {1 - expected:.2f} is 1 minus the "
                              "distance.")
    return Feedback(False, f"shared_experts = {chosen}: list the experts whose mean weight is at least 0.1 "
                           "in *both* tasks' gates.")


# Exercise 9.4: which architecture? ----------------------------------------------------------------

ARCHITECTURE_CHOICES = {
    "a": "More experts and gates do not make MMoE the safe default: in this chapter's small runs MMoE was "
         "not ahead of a shared bottom of the same size in every seed, and it has more to train.",
    "b": "Right: compare a shared bottom and an MMoE of similar parameter counts on validation data, over "
         "several seeds; the gain need not follow the tasks' relatedness, and MMoE's gates tell you "
         "whether the tasks ended up sharing experts.",
    "c": "OMoE gives all tasks one gate, so every task sees the same mixture: it cannot let weakly related "
         "tasks use different experts, which is the point of MMoE's gate per task.",
    "d": "A label correlation measured on a few runs is a weak guide (the relatedness chapter), and MMoE "
         "exists precisely to avoid this all-or-nothing choice: it can share some experts and not others.",
}


@checker
def check_architecture_choice(choice: object) -> Feedback:
    """Exercise 9.4: which plan follows from the chapter for two tasks of unknown relatedness."""
    return multiple_choice(choice, "b", ARCHITECTURE_CHOICES)


# Exercise 9.5: the correlation of two binary labels from their 2 x 2 table -----------------------


def phi_coefficient(counts: object) -> float:
    """Pearson correlation of two 0/1 labels from their table ``counts[a][b]`` (examples labelled a and b).

    For binary labels it depends on the four counts only: ``(n11 n00 - n10 n01) / sqrt(n1. n0. n.1 n.0)``,
    the phi coefficient; the task-relatedness number the MMoE paper reports for Census-Income.
    """
    table = np.asarray(counts, dtype=float)
    if table.shape != (2, 2):
        raise ValueError(f"counts must be a 2 x 2 table [[n00, n01], [n10, n11]]; got shape {table.shape}")
    check_finite("counts", table)
    if np.any(table < 0):
        raise ValueError(f"counts must be numbers of examples, >= 0; got {table.tolist()}")
    margins = np.concatenate([table.sum(axis=1), table.sum(axis=0)])
    if np.any(margins == 0):
        raise ValueError("each label must take both values in the table: a constant label has no "
                         f"correlation; got {table.tolist()}")
    return float((table[1, 1] * table[0, 0] - table[1, 0] * table[0, 1]) / np.sqrt(margins.prod()))


_PHI_CASES = [  # (counts [[n00, n01], [n10, n11]], what the case tests)
    (np.array([[40.0, 10.0], [10.0, 40.0]]), "a table where the two labels mostly agree"),
    (np.array([[5.0, 45.0], [30.0, 20.0]]), "a table where the labels mostly disagree"),
    (np.array([[12.0, 6.0], [8.0, 4.0]]), "a table of independent labels"),
    (np.array([[9000.0, 9500.0], [1200.0, 300.0]]), "a table with a rare positive label, as income is"),
]


@checker
def check_binary_correlation(function: Callable) -> Feedback:
    """Exercise 9.5: ``function(counts)`` returns the Pearson correlation of two 0/1 labels from
    their table."""
    for counts, what in _PHI_CASES:
        value = as_number(function(counts.copy()), f"For {what}, your function's result")
        if isinstance(value, Feedback):
            return value
        expected = phi_coefficient(counts)
        if np.isclose(value, expected, atol=1e-9):
            continue
        (n00, n01), (n10, n11) = counts
        n, rows, cols = counts.sum(), counts.sum(axis=1), counts.sum(axis=0)
        slips = {
            abs(expected): "the correlation keeps its sign (here it is negative); the paper reports its "
                           "absolute value, so take abs() after computing it, not inside",
            expected ** 2: "that is r squared (the chi-squared statistic over n): take its signed root",
            n11 / n - rows[1] * cols[1] / n ** 2: "that is the covariance of the labels; divide it by both "
                                                  "standard deviations",
            (n11 * n00 - n10 * n01) / (rows.prod() * cols.prod()): "divide by the square root of the product "
                                                                    "of the four margins, not the product",
        }
        if n10 * n01 > 0:
            slips[(n11 * n00) / (n10 * n01)] = ("that is the odds ratio; the Pearson correlation compares "
                                                "the covariance with the two standard deviations")
        for wrong, message in slips.items():
            if np.isclose(value, wrong, atol=1e-9):
                return Feedback(False, f"For {what} you returned {value:.4g}: {message}.")
        return Feedback(False, f"For {what} the correlation is {expected:.4f}; yours is {value:.4f}. Write "
                               "the labels' covariance and standard deviations in terms of the counts.")
    return Feedback(True, "Your function matches the Pearson correlation of the expanded labels on every "
                          "table, from agreeing labels to independent ones.")


# Exercise 9.6: predict, then rerun: an MMoE with one expert ---------------------------------------

ONE_EXPERT_PREDICTIONS = ("higher", "lower", "about the same")


def loss_verdict(one_expert_loss: float, eight_expert_loss: float) -> str:
    """"higher" or "lower" when the one-expert loss differs from the eight-expert one by more than 10 %."""
    one = check_float("one_expert_loss", one_expert_loss, minimum=0.0)
    eight = check_float("eight_expert_loss", eight_expert_loss, minimum=0.0, strict_minimum=True)
    if one > 1.1 * eight:
        return "higher"
    if one < eight / 1.1:
        return "lower"
    return "about the same"


@checker
def check_one_expert(gate_weight: object, prediction: object, one_expert_loss: float,
                     eight_expert_loss: float, measured_gates: dict) -> Feedback:
    """Exercise 9.6: the predicted gate weight and loss of a one-expert MMoE against the rerun's."""
    weight = as_number(gate_weight, "`one_expert_gate`")
    if isinstance(weight, Feedback):
        return weight
    gates = np.concatenate([np.asarray(g, dtype=float).ravel() for g in measured_gates.values()])
    if abs(weight - 1.0) > 1e-6:
        if abs(weight - 1 / 8) < 1e-6:
            return Feedback(False, "1/8 is the uniform weight over eight experts. With one expert, the gate "
                                   "is a "
                                   "softmax over a single logit: exp(z) / exp(z) = 1, whatever the input.")
        return Feedback(False, f"The rerun's gates are {gates.min():.6g} to {gates.max():.6g} on every "
                               "example: a "
                               "softmax over one logit is exp(z) / exp(z) = 1.")
    if not isinstance(prediction, str) or prediction.strip().lower() not in ONE_EXPERT_PREDICTIONS:
        choices = ", ".join(repr(p) for p in ONE_EXPERT_PREDICTIONS)
        return Feedback(False, f"Predict with one of {choices}; got {prediction!r}.")
    measured = loss_verdict(one_expert_loss, eight_expert_loss)
    said = (f"the one-expert MMoE's test MSE is {one_expert_loss:.3f} against {eight_expert_loss:.3f} with "
            "eight "
            f"experts ({measured})")
    if prediction.strip().lower() != measured:
        return Feedback(False, f"You predicted {prediction!r}, but {said}. With one expert, what is left of "
                               "the "
                               "mixture, and how many hidden units does the bottom have?")
    return Feedback(True, f"Every gate weight is 1 and {said}: one expert makes MMoE a shared bottom of 16 "
                          "units, "
                          "with 100 gate parameters per task whose gradient is zero.")
