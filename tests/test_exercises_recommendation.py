"""The checkers of the recommendation chapter: right, wrong and unfinished answers each get their feedback."""

import torch
import torch.nn.functional as F

from mtl_lessons.exercises import NOT_ANSWERED
from mtl_lessons.exercises.recommendation import (
    AUC_LABELS,
    AUC_SCORES,
    check_auc_by_hand,
    check_esmm_loss,
    check_rates_from_counts,
    check_selection_bias,
    check_third_task,
    esmm_loss_reference,
)
from mtl_lessons.metrics import auc


def test_rates_from_counts_right_and_typical_mistakes():
    assert check_rates_from_counts(0.04, 0.03, 0.0012).ok
    assert check_rates_from_counts(2000 / 50000, 60 / 2000, 60 / 50000).ok
    assert NOT_ANSWERED.message == check_rates_from_counts(..., ..., ...).message
    assert NOT_ANSWERED.message == check_rates_from_counts(0.04, None, 0.0012).message
    assert "post-click" in check_rates_from_counts(0.04, 0.0012, 0.0012).message
    assert "clicked *and* converts" in check_rates_from_counts(0.04, 0.03, 0.03).message
    assert "percentage" in check_rates_from_counts(4.0, 3.0, 0.12).message
    assert "clicks per exposure" in check_rates_from_counts(0.4, 0.03, 0.0012).message
    assert "should be a number" in check_rates_from_counts(0.04, [1, 2], 0.0012).message


def test_auc_by_hand_right_and_typical_mistakes():
    assert check_auc_by_hand(7.5 / 9).ok and check_auc_by_hand(auc(AUC_LABELS, AUC_SCORES)).ok
    assert check_auc_by_hand(0.8333).ok
    assert NOT_ANSWERED.message == check_auc_by_hand(...).message
    assert "as a loss" in check_auc_by_hand(7 / 9).message
    assert "as a win" in check_auc_by_hand(8 / 9).message
    assert "accuracy" in check_auc_by_hand(4 / 6).message
    assert "Count the pairs" in check_auc_by_hand(0.5).message
    assert "should be a number" in check_auc_by_hand("high").message


def test_selection_bias_accepts_sets_and_strings():
    for right in ({"b", "c"}, "bc", "c, b", ["B", "c"], ("c", "b")):
        assert check_selection_bias(right).ok, right
    assert NOT_ANSWERED.message == check_selection_bias(...).message
    only_b = check_selection_bias({"b"})
    assert not only_b.ok and only_b.message.startswith("(c) is biased too") and "missing not at random" in \
        only_b.message
    with_a = check_selection_bias("abc")
    assert not with_a.ok and with_a.message.startswith("(a) is not selection-biased")
    with_d = check_selection_bias("bcd")
    assert not with_d.ok and "whole space" in with_d.message
    assert "letters" in check_selection_bias("xyz").message
    assert "letters" in check_selection_bias(3).message


def test_third_task_explains_every_choice():
    assert check_third_task("b").ok and check_third_task(" B ").ok
    for wrong in "acd":
        feedback = check_third_task(wrong)
        assert not feedback.ok and feedback.message.startswith(f"({wrong}) does not fit")
    assert "one letter" in check_third_task("e").message
    assert NOT_ANSWERED.message == check_third_task(None).message


# ---------------------------------------------------------------- exercise 5: ESMM's loss


def esmm_by_hand(ctr_logit, cvr_logit, click, conversion):
    """The two cross-entropies written out with logarithms of the probabilities."""
    pctr = torch.sigmoid(ctr_logit)
    pctcvr = pctr * torch.sigmoid(cvr_logit)
    click_term = -(click * torch.log(pctr) + (1 - click) * torch.log(1 - pctr)).mean()
    conversion_term = -(conversion * torch.log(pctcvr) + (1 - conversion) * torch.log(1 - pctcvr)).mean()
    return click_term + conversion_term


def test_esmm_reference_equals_the_written_out_loss():
    generator = torch.Generator().manual_seed(3)
    ctr, cvr = torch.randn(2, 30, generator=generator, dtype=torch.float64)
    click = (torch.rand(30, generator=generator, dtype=torch.float64) < 0.4).double()
    conversion = click * (torch.rand(30, generator=generator, dtype=torch.float64) < 0.5).double()
    expected = esmm_by_hand(ctr, cvr, click, conversion)
    assert torch.isclose(esmm_loss_reference(ctr, cvr, click, conversion), expected)


def test_esmm_loss_right_wrong_and_unfinished():
    assert check_esmm_loss(esmm_by_hand).ok
    assert check_esmm_loss(esmm_loss_reference).ok

    def unfinished(ctr_logit, cvr_logit, click, conversion):
        raise NotImplementedError

    assert check_esmm_loss(unfinished) == NOT_ANSWERED

    def against_pcvr(ctr_logit, cvr_logit, click, conversion):
        return (F.binary_cross_entropy_with_logits(ctr_logit, click)
                + F.binary_cross_entropy_with_logits(cvr_logit, conversion))

    assert "never fitted directly" in check_esmm_loss(against_pcvr).message

    def clicked_only(ctr_logit, cvr_logit, click, conversion):
        clicked = click == 1
        return (F.binary_cross_entropy_with_logits(ctr_logit, click)
                + F.binary_cross_entropy_with_logits(cvr_logit[clicked], conversion[clicked]))

    assert "selection bias" in check_esmm_loss(clicked_only).message

    def product_of_logits(ctr_logit, cvr_logit, click, conversion):
        return (F.binary_cross_entropy_with_logits(ctr_logit, click)
                + F.binary_cross_entropy_with_logits(ctr_logit * cvr_logit, conversion))

    assert "probabilities" in check_esmm_loss(product_of_logits).message
    summed = check_esmm_loss(lambda a, b, c, z: len(c) * esmm_by_hand(a, b, c, z))
    assert not summed.ok and "mean" in summed.message
    only = check_esmm_loss(lambda a, b, c, z: F.binary_cross_entropy(torch.sigmoid(a) * torch.sigmoid(b), z))
    assert not only.ok and "click against pCTR" in only.message
    assert "0-d tensor" in check_esmm_loss(lambda a, b, c, z: 1.0).message
    assert "no gradient" in check_esmm_loss(lambda a, b, c, z: esmm_by_hand(a, b, c, z).detach()).message
