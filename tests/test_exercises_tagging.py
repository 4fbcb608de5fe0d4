"""The checkers of the tagging chapter: right, wrong and unfinished answers each get their feedback."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F  # noqa: N812

from mtl_lessons.data.base import MISSING_CLASS
from mtl_lessons.data.tagging import tagged_sentences
from mtl_lessons.exercises.tagging import (
    F1_PREDICTED,
    F1_TRUE,
    check_all_o_baseline,
    check_auxiliary_plan,
    check_entity_f1_by_hand,
    check_masked_tag_loss,
)
from mtl_lessons.metrics import entity_f1

# ---------------------------------------------------------------- exercise 1: masked token loss


def right_loss(logits, tags, labelled, pad_tag):
    counted = labelled[:, None] & (tags != pad_tag)
    return F.cross_entropy(logits, torch.where(counted, tags, MISSING_CLASS), ignore_index=MISSING_CLASS)


def loop_loss(logits, tags, labelled, pad_tag):
    """The same loss, written as a plain loop over the counted tokens."""
    total, count = 0.0, 0
    for i in range(tags.shape[0]):
        for k in range(tags.shape[1]):
            if labelled[i] and tags[i, k] != pad_tag:
                total = total - torch.log_softmax(logits[i, :, k], dim=0)[tags[i, k]]
                count += 1
    return total / count


def test_masked_tag_loss_right_wrong_and_unfinished():
    assert check_masked_tag_loss(right_loss).ok
    assert check_masked_tag_loss(loop_loss).ok

    def stub(logits, tags, labelled, pad_tag):
        raise NotImplementedError

    assert "Not attempted yet" in str(check_masked_tag_loss(stub))
    assert "Not attempted yet" in str(check_masked_tag_loss(lambda *args: None))
    with_pads = check_masked_tag_loss(lambda z, t, m, p: F.cross_entropy(z[m], t[m]))
    assert not with_pads.ok and "pads" in with_pads.message
    everyone = check_masked_tag_loss(lambda z, t, m, p: F.cross_entropy(z, t, ignore_index=p))
    assert not everyone.ok and "carry no tags" in everyone.message

    def per_sentence(logits, tags, labelled, pad_tag):
        rows = [F.cross_entropy(logits[i][:, tags[i] != pad_tag].T, tags[i][tags[i] != pad_tag])
                for i in range(len(tags)) if labelled[i]]
        return torch.stack(rows).mean()

    assert "short sentence" in check_masked_tag_loss(per_sentence).message

    def over_all(logits, tags, labelled, pad_tag):
        counted = labelled[:, None] & (tags != pad_tag)
        return (F.cross_entropy(logits, tags, reduction="none") * counted).sum() / counted.numel()

    assert "every position" in check_masked_tag_loss(over_all).message
    assert "scalar tensor" in check_masked_tag_loss(lambda *args: 1.0).message
    assert "no gradient" in check_masked_tag_loss(lambda z, t, m, p: right_loss(z, t, m, p).detach()).message
    assert "raised" in check_masked_tag_loss(lambda *args: 1 / 0).message


def test_masked_tag_loss_reference_against_the_package_loss():
    from mtl_lessons.exercises.tagging import _masked_tag_batch, _reference_masked_tag_loss
    from mtl_lessons.torch.losses import task_loss

    logits, tags, labelled = _masked_tag_batch(3, 6, 8, 5, [1, 4])
    counted = labelled[:, None] & (tags != 0)
    package = task_loss(logits, torch.where(counted, tags, MISSING_CLASS), "classification")
    assert abs(package.item() - _reference_masked_tag_loss(logits, tags, labelled, 0)) < 1e-10


# ---------------------------------------------------------------- exercise 2: F1 by hand


def test_f1_by_hand_right_and_typical_mistakes():
    reference = entity_f1(F1_TRUE, F1_PREDICTED)
    assert (reference["found"], reference["predicted"], reference["true"]) == (2, 5, 4)
    assert check_entity_f1_by_hand(0.4, 0.5, 4 / 9).ok
    assert "Not attempted yet" in check_entity_f1_by_hand(..., ..., ...).message
    assert "token accuracy" in check_entity_f1_by_hand(0.7, 0.7, 0.7).message
    assert "swapped" in check_entity_f1_by_hand(0.5, 0.4, 4 / 9).message
    assert "first and its last token" in check_entity_f1_by_hand(0.6, 0.75, 2 / 3).message
    assert "harmonic mean" in check_entity_f1_by_hand(0.4, 0.5, 0.45).message
    assert "number" in check_entity_f1_by_hand("0.4", "half", 0.4).message


# ---------------------------------------------------------------- exercise 3: all-O tagger


@pytest.fixture(scope="module")
def data():
    return tagged_sentences(n_train=10, n_val=10, n_test=200, seed=1)


def test_all_o_baseline(data):
    tokens, tags = data.test.x, data.test.y["entities"]
    real = tokens > 0
    accuracy = float((tags[real] == 1).mean())
    assert check_all_o_baseline(accuracy, 0.0, data).ok
    assert "Not attempted yet" in check_all_o_baseline(None, 0.0, data).message
    with_pads = float((np.where(real, tags, 1) == 1).mean())  # pads counted as right
    assert not check_all_o_baseline(with_pads, 0.0, data).ok
    pads_wrong = float((tags == 1).mean())  # pads counted as wrong
    assert "pads" in check_all_o_baseline(pads_wrong, 0.0, data).message
    assert "no entity at all" in check_all_o_baseline(accuracy, accuracy, data).message
    assert "percentages" in check_all_o_baseline(100 * accuracy, 0.0, data).message
    assert "third argument" in check_all_o_baseline(accuracy, 0.0, "data").message


# ---------------------------------------------------------------- exercise 4: design


def test_auxiliary_plan():
    assert check_auxiliary_plan("a").ok
    assert check_auxiliary_plan(" A ").ok
    assert "alternating" in check_auxiliary_plan("c").message
    assert "document" in check_auxiliary_plan("d").message
    assert not check_auxiliary_plan("b").ok
    assert "Not attempted yet" in check_auxiliary_plan(...).message
    assert "one letter" in check_auxiliary_plan("e").message
