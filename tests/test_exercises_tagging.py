"""The checkers of the tagging chapter: right, wrong and unfinished answers each get their feedback."""

from __future__ import annotations

import numpy as np
import pytest

from mtl_lessons.data.tagging import tagged_sentences
from mtl_lessons.exercises.tagging import (
    F1_PREDICTED,
    F1_TRUE,
    check_all_o_baseline,
    check_auxiliary_plan,
    check_bio_spans,
    check_entity_f1_by_hand,
)
from mtl_lessons.metrics import bio_spans, entity_f1

# ---------------------------------------------------------------- exercise 1: spans


def right_spans(tags):
    spans, current = [], None
    for k, tag in enumerate(tags):
        prefix, _, kind = tag.partition("-")
        if prefix == "I" and current and current[0] == kind and current[2] == k - 1:
            current[2] = k
            continue
        if current:
            spans.append(tuple(current))
            current = None
        if prefix in ("B", "I"):
            current = [kind, k, k]
    return spans + ([tuple(current)] if current else [])


def strict_spans(tags):
    """A common mistake: ignore an I- tag that does not follow its entity."""
    spans = []
    for kind, start, end in right_spans(tags):
        if tags[start].startswith("B-"):
            spans.append((kind, start, end))
    return spans


def test_spans_right_wrong_and_unfinished():
    assert check_bio_spans(right_spans).ok
    assert check_bio_spans(bio_spans).ok

    def unfinished(tags):
        raise NotImplementedError

    assert "Not attempted yet" in check_bio_spans(unfinished).message
    exclusive = check_bio_spans(lambda tags: [(k, s, e + 1) for k, s, e in right_spans(tags)])
    assert not exclusive.ok and "inclusive" in exclusive.message
    prefixed = check_bio_spans(lambda tags: [("B-" + k, s, e) for k, s, e in right_spans(tags)])
    assert not prefixed.ok and "without its prefix" in prefixed.message
    strict = check_bio_spans(strict_spans)
    assert not strict.ok and "I- tag" in strict.message
    assert "(type, start, end)" in check_bio_spans(lambda tags: "PER 0 1").message
    assert "raised" in check_bio_spans(lambda tags: 1 / 0).message


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
