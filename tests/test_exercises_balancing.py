"""The checkers of the balancing chapter: right, wrong and unfinished answers each get their feedback."""

from __future__ import annotations

import numpy as np
import torch

from mtl_lessons.exercises.balancing import (
    DWA_HISTORY,
    check_dwa_weights,
    check_mgda_gamma,
    check_pcgrad_by_hand,
    check_rebalancing_plan,
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
