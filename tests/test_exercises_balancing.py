"""The checkers of the balancing chapter: right, wrong and unfinished answers each get their feedback."""

from __future__ import annotations

import numpy as np
import torch

from mtl_lessons.exercises.balancing import (
    DWA_HISTORY,
    check_dwa_weights,
    check_gradnorm_loss,
    check_mgda_gamma,
    check_pcgrad_by_hand,
    check_rebalancing_plan,
    gradnorm_loss_reference,
    mgda_reference,
)
from mtl_lessons.torch.weighting import dwa_weights, two_task_min_norm

# ---------------------------------------------------------------- exercise 1: MGDA for two tasks


def right_gamma(g1, g2):
    gap = float(np.sum((g1 - g2) ** 2))
    return 0.5 if gap == 0 else float(np.clip(np.dot(g2 - g1, g2) / gap, 0, 1))


def test_mgda_reference_equals_the_package():
    rng = np.random.default_rng(0)
    for _ in range(20):
        g = rng.normal(size=(2, 4))
        expected = two_task_min_norm(torch.tensor(g @ g.T))[0].item()
        assert np.isclose(mgda_reference(g[0], g[1]), expected)


def test_mgda_gamma_right_wrong_and_unfinished():
    assert check_mgda_gamma(right_gamma).ok

    def unfinished(g1, g2):
        raise NotImplementedError

    assert "Not attempted yet" in check_mgda_gamma(unfinished).message
    unclipped = check_mgda_gamma(lambda g1, g2: float(np.dot(g2 - g1, g2) / np.sum((g1 - g2) ** 2)))
    assert not unclipped.ok and "clip" in unclipped.message
    swapped = check_mgda_gamma(lambda g1, g2: 1 - right_gamma(g1, g2))
    assert not swapped.ok and "weight of g2" in swapped.message
    def naive_gamma(g1, g2):
        with np.errstate(invalid="ignore", divide="ignore"):
            return float(np.clip(np.dot(g2 - g1, g2) / np.sum((g1 - g2) ** 2), 0, 1))

    naive = check_mgda_gamma(naive_gamma)
    assert not naive.ok and "g1 = g2" in naive.message
    assert "Return one number" in check_mgda_gamma(lambda g1, g2: "half").message
    assert "raised" in check_mgda_gamma(lambda g1, g2: 1 / 0).message


# ---------------------------------------------------------------- exercise 2: PCGrad by hand


def test_pcgrad_by_hand_right_and_typical_mistakes():
    assert check_pcgrad_by_hand([0.5, 1.5], [-1.0, 2.0], [-0.5, 3.5]).ok
    assert "Not attempted yet" in check_pcgrad_by_hand(..., ..., ...).message
    unchanged = check_pcgrad_by_hand([2.0, 1.0], [-3.0, 1.0], [-1.0, 2.0])
    assert not unchanged.ok and "conflict" in unchanged.message
    wrong_norm = check_pcgrad_by_hand([-1.0, 2.0], [-1.0, 2.0], [-2.0, 4.0])  # divided by |g1|^2
    assert not wrong_norm.ok and "project *onto*" in wrong_norm.message
    sign = check_pcgrad_by_hand([3.5, 0.5], [-1.0, 2.0], [2.5, 2.5])
    assert not sign.ok and "sign" in sign.message
    update = check_pcgrad_by_hand([0.5, 1.5], [-1.0, 2.0], [-0.5, 3.0])
    assert not update.ok and "sum of the two projected" in update.message
    assert "two numbers" in check_pcgrad_by_hand([1.0], [1.0, 2.0], [1.0, 2.0]).message


# ---------------------------------------------------------------- exercise 3: DWA by hand


def test_dwa_weights_right_and_typical_mistakes():
    right = dwa_weights(list(DWA_HISTORY[2]), list(DWA_HISTORY[1]))
    assert check_dwa_weights(right).ok
    assert "Not attempted yet" in check_dwa_weights(...).message
    rates = DWA_HISTORY[2] / DWA_HISTORY[1]

    def dwa(r, t=2.0):
        return 3 * np.exp(r / t) / np.exp(r / t).sum()

    assert "inverted" in check_dwa_weights(dwa(1 / rates)).message
    assert "3 and 2" in check_dwa_weights(dwa(DWA_HISTORY[1] / DWA_HISTORY[0])).message
    assert "sum to 1" in check_dwa_weights(dwa(rates) / 3).message
    assert "temperature" in check_dwa_weights(dwa(rates, 1.0)).message
    assert "one weight per task" in check_dwa_weights([1.0, 1.0]).message


# ---------------------------------------------------------------- exercise 4: the plan


def test_rebalancing_plan_explains_every_choice():
    assert check_rebalancing_plan("b").ok and check_rebalancing_plan(" B ").ok
    for wrong in "acd":
        feedback = check_rebalancing_plan(wrong)
        assert not feedback.ok and feedback.message.startswith(f"({wrong}) does not fit")
    assert "one letter" in check_rebalancing_plan("e").message
    assert "Not attempted yet" in check_rebalancing_plan(...).message


# ---------------------------------------------------------------- exercise 5: GradNorm's gradient loss


def by_hand_gradnorm_loss(weights, norms, losses, initial_losses, asymmetry):
    """Written out task by task, without the reference's vector operations."""
    tasks = len(weights)
    gradient_norms = [weights[t] * norms[t] for t in range(tasks)]
    mean_norm = sum(gradient_norms) / tasks
    ratios = [losses[t] / initial_losses[t] for t in range(tasks)]
    mean_ratio = sum(ratios) / tasks
    total = 0
    for t in range(tasks):
        target = (mean_norm * (ratios[t] / mean_ratio) ** asymmetry).detach()
        total = total + abs(gradient_norms[t] - target)
    return total


def test_gradnorm_reference_equals_a_hand_written_loss():
    generator = torch.Generator().manual_seed(0)
    for asymmetry in (0.0, 0.12, 1.5):
        weights = torch.rand(3, generator=generator, dtype=torch.float64) + 0.5
        norms, losses, initial = (torch.rand(3, generator=generator, dtype=torch.float64) + 0.1
                                  for _ in range(3))
        assert torch.isclose(gradnorm_loss_reference(weights, norms, losses, initial, asymmetry),
                             by_hand_gradnorm_loss(weights, norms, losses, initial, asymmetry))


def test_gradnorm_loss_right_wrong_and_unfinished():
    assert check_gradnorm_loss(by_hand_gradnorm_loss).ok

    def unfinished(weights, norms, losses, initial_losses, asymmetry):
        raise NotImplementedError

    assert "Not attempted yet" in check_gradnorm_loss(unfinished).message

    def moving_targets(weights, norms, losses, initial_losses, asymmetry):
        gradient_norms, ratio = weights * norms, losses / initial_losses
        return (gradient_norms - gradient_norms.mean() * (ratio / ratio.mean()) ** asymmetry).abs().sum()

    detached = check_gradnorm_loss(moving_targets)
    assert not detached.ok and "detach" in detached.message

    def squared(weights, norms, losses, initial_losses, asymmetry):
        gradient_norms, ratio = weights * norms, losses / initial_losses
        target = (gradient_norms.mean() * (ratio / ratio.mean()) ** asymmetry).detach()
        return ((gradient_norms - target) ** 2).sum()

    assert "absolute" in check_gradnorm_loss(squared).message

    def without_weights(weights, norms, losses, initial_losses, asymmetry):
        ratio = losses / initial_losses
        return (norms - norms.mean() * (ratio / ratio.mean()) ** asymmetry).abs().sum() + 0 * weights.sum()

    assert "weighted" in check_gradnorm_loss(without_weights).message

    def raw_ratio(weights, norms, losses, initial_losses, asymmetry):
        gradient_norms = weights * norms
        target = (gradient_norms.mean() * (losses / initial_losses) ** asymmetry).detach()
        return (gradient_norms - target).abs().sum()

    assert "mean over the tasks" in check_gradnorm_loss(raw_ratio).message
    assert "0-d tensor" in check_gradnorm_loss(lambda *args: 3.0).message
    assert "no gradient" in check_gradnorm_loss(lambda w, n, losses, i, a: (w * n).sum().detach()).message
    assert "raised" in check_gradnorm_loss(lambda *args: 1 / 0).message
