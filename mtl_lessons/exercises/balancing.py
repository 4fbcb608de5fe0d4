"""Checkers for the exercises of the chapter on balancing tasks.

Each returns a :class:`~mtl_lessons.exercises.Feedback` that says what is wrong, never crashes on
an unfinished stub, and accepts every correct answer. The reference values come from the
package's own implementations (:mod:`mtl_lessons.torch.weighting`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from mtl_lessons.exercises import Feedback, checker, multiple_choice

# Exercise 8.1: MGDA's weight for two gradients ---------------------------------------------------

_MGDA_CASES = [  # (g1, g2, what the case tests)
    ([1.0, 0.0], [-1.0, 1.0], "two conflicting gradients"),
    ([3.0, 1.0, -2.0], [-1.0, 2.0, 0.5], "two conflicting gradients in three dimensions"),
    ([1.0, 0.0], [5.0, 0.0], "a short gradient along a long one (the answer is clipped to 1)"),
    ([4.0, 4.0], [0.5, 0.2], "a long gradient beside a short one (the answer is clipped to 0)"),
]


def mgda_reference(g1: np.ndarray, g2: np.ndarray) -> float:
    """The weight of ``g1`` in the shortest vector of the segment between ``g1`` and ``g2``."""
    gap = float(np.sum((g1 - g2) ** 2))
    return 0.5 if gap == 0.0 else float(np.clip(np.dot(g2 - g1, g2) / gap, 0.0, 1.0))


@checker
def check_mgda_gamma(function: Callable) -> Feedback:
    """Exercise 8.1: ``function(g1, g2)`` returns MGDA's weight of ``g1`` for two tasks."""
    for g1, g2, what in _MGDA_CASES:
        g1, g2 = np.array(g1), np.array(g2)
        value = function(g1.copy(), g2.copy())
        try:
            gamma = float(value)
        except (TypeError, ValueError):
            return Feedback(False, f"Return one number, the weight of g1; got {value!r}.")
        expected = mgda_reference(g1, g2)
        if np.isclose(gamma, expected, atol=1e-6):
            continue
        unclipped = float(np.dot(g2 - g1, g2) / np.sum((g1 - g2) ** 2))
        if np.isclose(gamma, unclipped, atol=1e-6):
            return Feedback(False, f"For {what} your gamma is {gamma:.3g}, outside [0, 1]: the weights must "
                                   "lie on the simplex, so clip the unconstrained optimum to [0, 1].")
        if np.isclose(gamma, 1 - expected, atol=1e-6):
            return Feedback(False, f"For {what} you returned the weight of g2 ({gamma:.3g}); return the "
                                   "weight of g1, the gamma of gamma g1 + (1 - gamma) g2.")
        return Feedback(False, f"For {what} (g1 = {g1.tolist()}, g2 = {g2.tolist()}) the shortest vector has "
                               f"gamma = {expected:.3g}; yours is {gamma:.3g}. Set the derivative of "
                               "|g2 + gamma (g1 - g2)|^2 to zero.")
    same = np.array([1.0, 2.0])
    value = function(same.copy(), same.copy())
    try:
        gamma = float(value)
    except (TypeError, ValueError):
        return Feedback(False, f"With g1 = g2 your function returned {value!r}; every gamma is optimal then, "
                               "so return a number in [0, 1] (1/2 is natural).")
    if not 0.0 <= gamma <= 1.0:
        return Feedback(False, f"With g1 = g2 your function returned {gamma}: |g1 - g2| is 0, so the formula "
                               "divides by zero. Every gamma is optimal then; return 1/2.")
    return Feedback(True, "Your gamma matches the closed form, clipped to [0, 1], and survives equal "
                          "gradients.")


# Exercise 8.2: one PCGrad step by hand ----------------------------------------------------------

PCGRAD_G1, PCGRAD_G2 = np.array([2.0, 1.0]), np.array([-3.0, 1.0])


def _vector(answer: object, name: str) -> np.ndarray | Feedback:
    try:
        vector = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return Feedback(False, f"`{name}` should be two numbers, such as [1.0, 2.0]; got {answer!r}.")
    if vector.shape != (2,):
        return Feedback(False, f"`{name}` should hold two numbers (the gradients are 2-D); got shape "
                               f"{vector.shape}.")
    return vector


@checker
def check_pcgrad_by_hand(projected_g1: object, projected_g2: object, update: object) -> Feedback:
    """Exercise 8.2: PCGrad's projections of g1 = (2, 1) and g2 = (-3, 1), and their sum."""
    answers = {}
    for name, answer in (("projected_g1", projected_g1), ("projected_g2", projected_g2), ("update", update)):
        vector = _vector(answer, name)
        if isinstance(vector, Feedback):
            return vector
        answers[name] = vector
    g1, g2 = PCGRAD_G1, PCGRAD_G2
    dot = g1 @ g2
    expected1, expected2 = g1 - dot / (g2 @ g2) * g2, g2 - dot / (g1 @ g1) * g1
    for name, mine, other, own, expected in (("projected_g1", answers["projected_g1"], g2, g1, expected1),
                                             ("projected_g2", answers["projected_g2"], g1, g2, expected2)):
        if np.allclose(mine, expected):
            continue
        if np.allclose(mine, own):
            return Feedback(False, f"`{name}` is the gradient unchanged, but g1 . g2 = {dot:g} < 0: they "
                                   "conflict, so remove from each the component along the other.")
        if np.allclose(mine, own - dot / (own @ own) * other):
            return Feedback(False, f"`{name}`: divide by the squared norm of the gradient you project *onto* "
                                   "(the other task's), not of the one you project.")
        if np.allclose(mine, own + dot / (other @ other) * other):
            return Feedback(False, f"`{name}`: sign error. Subtract (g_i . g_j / |g_j|^2) g_j; with a "
                                   "negative dot product that adds a multiple of g_j.")
        return Feedback(False, f"`{name}` = {mine.tolist()} is not the projection; use "
                               "g_i - (g_i . g_j / |g_j|^2) g_j with the other task's gradient g_j.")
    if not np.allclose(answers["update"], expected1 + expected2):
        return Feedback(False, f"`update` should be the sum of the two projected gradients, "
                               f"{(expected1 + expected2).tolist()}; got {answers['update'].tolist()}.")
    return Feedback(True, f"The update {(expected1 + expected2).tolist()} has dot products "
                          f"{(expected1 + expected2) @ g1:g} and {(expected1 + expected2) @ g2:g} with g1 "
                          "and g2: it lowers both losses to first order.")


# Exercise 8.3: DWA's weights from a loss history -------------------------------------------------

DWA_HISTORY = np.array([[2.0, 0.50, 1.0], [1.0, 0.45, 0.9], [0.8, 0.44, 0.6]])  # epochs 1-3, tasks 1-3


def _dwa(rates: np.ndarray, temperature: float = 2.0) -> np.ndarray:
    scaled = np.exp(rates / temperature)
    return len(rates) * scaled / scaled.sum()


@checker
def check_dwa_weights(weights_epoch_4: object) -> Feedback:
    """Exercise 8.3: DWA's weights (temperature 2) in epoch 4 for the loss history of the exercise."""
    try:
        weights = np.asarray(weights_epoch_4, dtype=float)
    except (TypeError, ValueError):
        return Feedback(False, f"Give three numbers, one weight per task; got {weights_epoch_4!r}.")
    if weights.shape != (3,):
        return Feedback(False, f"Give one weight per task (three numbers); got shape {weights.shape}.")
    rates = DWA_HISTORY[2] / DWA_HISTORY[1]
    expected = _dwa(rates)
    if np.allclose(weights, expected, atol=1e-4):
        return Feedback(True, f"{np.round(expected, 4).tolist()}: task 2, whose loss nearly stalled, gets "
                              "the largest weight, and the weights sum to 3.")
    if np.allclose(weights, _dwa(1 / rates), atol=1e-4):
        return Feedback(False, "Your rates are inverted: DWA divides the *later* epoch's loss by the earlier "
                               "one's, L(e-1) / L(e-2), so a stalling task has a rate near 1.")
    if np.allclose(weights, _dwa(DWA_HISTORY[1] / DWA_HISTORY[0]), atol=1e-4):
        return Feedback(False, "Epoch 4 uses the two epochs just before it, 3 and 2, not 2 and 1.")
    if np.allclose(weights, expected / 3, atol=1e-4):
        return Feedback(False, "Your weights sum to 1: DWA multiplies the softmax by the number of tasks, so "
                               "that the weights sum to 3 and equal weights are 1.")
    if np.allclose(weights, _dwa(rates, 1.0), atol=1e-4):
        return Feedback(False, "Divide the rates by the temperature 2 before the softmax.")
    return Feedback(False, f"Got {np.round(weights, 4).tolist()}. Compute the rates L(3) / L(2) per task, "
                           "then 3 exp(r / 2) / sum exp(r / 2).")


# Exercise 8.4: a plan for tasks in different units ----------------------------------------------

_PLAN = {
    "a": "MGDA does not raise a loss to first order, but on the toy it gave the quiet task nearly all "
         "the weight and left the other above half its variance, and it can stall at a "
         "Pareto-stationary point where neither task learns.",
    "b": "Standardising removes the factor of about 10^7 between the squared errors at no cost, "
         "and fixed weights tuned on validation data are the baseline that no method beat in this "
         "chapter; a method earns its place by beating it over several seeds.",
    "c": "GradNorm balances gradient norms at one layer, not errors: on the toy it lowered the quiet "
         "task's error by pushing the loud task's weight towards 0, which made the loud task worse than "
         "equal weights did, and its asymmetry is one more hyperparameter to tune against a baseline.",
    "d": "DWA reacts to how fast each loss falls relative to its own past, which no change of units "
         "alters: the ratio of two tasks' weights is exp((r_1 - r_2) / T), so a price loss 10^7 times "
         "larger keeps dominating at any epoch length.",
}


@checker
def check_rebalancing_plan(answer: object) -> Feedback:
    """Exercise 8.4: the plan for two regression tasks whose targets differ by orders of magnitude."""
    return multiple_choice(answer, "b", _PLAN)


# Exercise 8.5: GradNorm's gradient loss -----------------------------------------------------------


def gradnorm_loss_reference(weights, norms, losses, initial_losses, asymmetry: float):
    """GradNorm's loss ``sum_t |w_t n_t - mean(w n) (r_t / mean r)^a|``, targets constant.

    ``r_t = L_t / L_t(0)`` is each task's loss ratio.
    """
    gradient_norms = weights * norms
    ratio = losses / initial_losses
    target = (gradient_norms.mean() * (ratio / ratio.mean()) ** asymmetry).detach()
    return (gradient_norms - target).abs().sum()


def _gradnorm_cases():
    """(weights, norms, losses, initial losses, asymmetry, what the case tests), as float64 tensors."""
    def tensors(*rows):
        return [torch.tensor(row, dtype=torch.float64) for row in rows]

    return [
        (*tensors([1.2, 0.8], [0.5, 40.0], [0.3, 900.0], [1.0, 9000.0]), 1.5,
         "two tasks whose gradients differ a hundredfold, as on the toy"),
        (*tensors([0.5, 1.0, 1.5], [2.0, 1.0, 0.5], [0.2, 0.5, 0.9], [1.0, 1.0, 1.0]), 0.12,
         "three tasks with the paper's toy asymmetry 0.12"),
        (*tensors([1.0, 1.0], [3.0, 1.0], [0.5, 0.5], [1.0, 2.0]), 0.0,
         "asymmetry 0: the target is the mean gradient norm"),
    ]


def _package_weight_gradient(asymmetry: float):
    """The gradient of GradNorm's loss with respect to its weights, as the package's GradNorm writes it.

    Returns ``(weights, norms, losses, initial, package_gradient)`` for one step of a small network.
    """
    from mtl_lessons.torch import GradNorm, HardSharingNet

    generator = torch.Generator().manual_seed(5)
    torch.manual_seed(5)
    model = HardSharingNet(4, {"a": 1, "b": 1, "c": 1}, hidden=(3,)).double()
    x = torch.randn(16, 4, generator=generator, dtype=torch.float64)
    y = torch.randn(16, 3, generator=generator, dtype=torch.float64) * torch.tensor([1.0, 3.0, 0.3],
                                                                                   dtype=torch.float64)
    outputs = model(x)
    losses = {t: ((outputs[t] - y[:, k]) ** 2).mean() for k, t in enumerate("abc")}
    weighting = GradNorm(tuple("abc"), asymmetry=asymmetry).double()
    weights = torch.tensor([0.7, 1.5, 0.8], dtype=torch.float64)  # sums to 3: the package keeps it
    with torch.no_grad():
        for t, w in zip("abc", weights, strict=True):
            weighting.raw[t].copy_(w)
    initial = torch.tensor([2.0, 5.0, 0.5], dtype=torch.float64)
    weighting.initial = initial.clone()
    layer = [p for p in model.shared_parameters() if p.ndim >= 2][-1]
    gradients = [torch.autograd.grad(loss, [layer], retain_graph=True)[0] for loss in losses.values()]
    norms = torch.stack([g.norm() for g in gradients]).detach()
    weighting.backward(losses, model.shared_parameters())
    package = torch.stack([weighting.raw[t].grad for t in "abc"])
    return weights, norms, torch.stack(list(losses.values())).detach(), initial, package


def _weight_gradient(function: Callable, weights, norms, losses, initial, asymmetry):
    """``(value, gradient with respect to the weights)`` of ``function``, or Feedback if it cannot be had."""
    w = weights.clone().requires_grad_(True)
    value = function(w, norms.clone(), losses.clone(), initial.clone(), asymmetry)
    if not isinstance(value, torch.Tensor) or value.numel() != 1:
        return Feedback(False, f"Return the loss as one torch number (a 0-d tensor); got {value!r}.")
    if not value.requires_grad:
        return Feedback(False, "Your loss has no gradient with respect to the weights: compute it with torch "
                               "operations on `weights`, so that the optimiser can train them.")
    (gradient,) = torch.autograd.grad(value.reshape(()), w, allow_unused=True)
    if gradient is None:
        return Feedback(False, "Your loss does not depend on `weights`.")
    return float(value.detach()), gradient


@checker
def check_gradnorm_loss(function: Callable) -> Feedback:
    """Exercise 8.5: ``function(weights, norms, losses, initial_losses, asymmetry)``: GradNorm's loss."""
    for weights, norms, losses, initial, asymmetry, what in _gradnorm_cases():
        result = _weight_gradient(function, weights, norms, losses, initial, asymmetry)
        if isinstance(result, Feedback):
            return result
        value, gradient = result
        w = weights.clone().requires_grad_(True)
        expected = gradnorm_loss_reference(w, norms, losses, initial, asymmetry)
        (expected_gradient,) = torch.autograd.grad(expected, w, retain_graph=True)
        expected = float(expected.detach())
        if abs(value - expected) > 1e-8 * max(1.0, abs(expected)):
            w = w.detach()
            ratio = losses / initial
            gaps = (w * norms) - (w * norms).mean() * (ratio / ratio.mean()) ** asymmetry
            squared = float((gaps ** 2).sum())
            if abs(value - squared) < 1e-8 * max(1.0, squared):
                return Feedback(False, f"For {what} you summed squared gaps; GradNorm's loss is the sum of "
                                       "the "
                                       "absolute gaps |G_t - target_t| (an L1 loss).")
            unweighted = float((norms - norms.mean() * (ratio / ratio.mean()) ** asymmetry).abs().sum())
            if abs(value - unweighted) < 1e-8 * max(1.0, unweighted):
                return Feedback(False, f"For {what} you used the norms without the weights: G_t = w_t n_t "
                                       "is the "
                                       "norm of the *weighted* loss's gradient, and it is what the weights "
                                       "change.")
            raw = float(((w * norms) - (w * norms).mean() * ratio ** asymmetry).abs().sum())
            if abs(value - raw) < 1e-8 * max(1.0, raw):
                return Feedback(False, f"For {what} you used the loss ratio L_t / L_t(0) itself; GradNorm "
                                       "divides "
                                       "it by its mean over the tasks, r_t = ratio_t / mean(ratio).")
            return Feedback(False, f"For {what} the loss is {expected:.6g}; yours is {value:.6g}.")
        if not torch.allclose(gradient, expected_gradient, rtol=1e-6, atol=1e-9):
            return Feedback(False, f"For {what} your loss has the right value but the wrong gradient with "
                                   "respect "
                                   "to the weights: the targets mean(G) r_t^a must be held constant "
                                   "(`.detach()`), "
                                   "as the paper prescribes; otherwise the weights also move the targets.")
    weights, norms, losses, initial, package = _package_weight_gradient(1.5)
    result = _weight_gradient(function, weights, norms, losses, initial, 1.5)
    if isinstance(result, Feedback):
        return result
    if not torch.allclose(result[1], package, rtol=1e-6, atol=1e-9):
        return Feedback(False, "Your loss agrees with the formula, but its gradient differs from the one the "
                               f"package's GradNorm gives its weights in a step of a small network: "
                               f"{np.round(result[1].numpy(), 5).tolist()} against "
                               f"{np.round(package.numpy(), 5).tolist()}.")
    return Feedback(True, "Your loss has the value and the weight gradient of the formula on every case, "
                          "and the "
                          "gradient that the package's GradNorm gives its weights in a step of a small "
                          "network.")
