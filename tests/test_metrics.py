"""The metrics of ``mtl_lessons.metrics``: hand-computed values, and agreement with independent references.

The metrics the book teaches (the IoU read off the confusion matrix, the BIO spans, the entity F1)
are written out in the package and compared here with scikit-learn and seqeval. Those that
scikit-learn computes in the package (confusion matrix, AUC, RMSE, MAE, abs-rel, token accuracy)
are compared with a count or a formula written out here, and Δm with values computed by hand.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from seqeval.metrics import f1_score, precision_score, recall_score
from seqeval.metrics.sequence_labeling import get_entities
from sklearn.metrics import jaccard_score

from mtl_lessons.data.tagging import ENTITY_TAGS
from mtl_lessons.metrics import (
    abs_rel,
    auc,
    bio_spans,
    confusion_matrix,
    delta_m,
    entity_f1,
    iou_per_class,
    mae,
    mean_iou,
    rmse,
    token_accuracy,
)

FAST = settings(max_examples=60, deadline=None)

# ---------------------------------------------------------------- segmentation


def test_iou_by_hand_and_against_the_confusion_matrix():
    truth = np.array([[0, 0, 1], [1, 1, 2]])
    prediction = np.array([[0, 1, 1], [1, 0, 2]])
    assert confusion_matrix(prediction, truth, 3).tolist() == [[1, 1, 0], [1, 2, 0], [0, 0, 1]]
    assert np.allclose(iou_per_class(prediction, truth, 3), [1 / 3, 2 / 4, 1.0])
    assert mean_iou(prediction, truth, 3) == pytest.approx((1 / 3 + 1 / 2 + 1) / 3)
    assert np.isnan(iou_per_class(prediction, truth, 4)[3])  # a class in neither mask is skipped
    assert mean_iou(prediction, truth, 4) == pytest.approx(mean_iou(prediction, truth, 3))
    assert mean_iou(torch.tensor(prediction), torch.tensor(truth), 3) == mean_iou(prediction, truth, 3)


@FAST
@given(n_classes=st.integers(1, 5), shape=st.tuples(st.integers(1, 4), st.integers(1, 9)),
       seed=st.integers(0, 10**6))
def test_confusion_matrix_counts_every_pixel_once(n_classes, shape, seed):
    rng = np.random.default_rng(seed)
    prediction, truth = rng.integers(0, n_classes, shape), rng.integers(0, n_classes, shape)
    counted = np.zeros((n_classes, n_classes), int)
    for t, p in zip(truth.ravel(), prediction.ravel(), strict=True):
        counted[t, p] += 1
    assert confusion_matrix(prediction, truth, n_classes).tolist() == counted.tolist()


@FAST
@given(n_classes=st.integers(2, 5), pixels=st.integers(10, 200), seed=st.integers(0, 10**6))
def test_iou_matches_scikit_learns_jaccard_score(n_classes, pixels, seed):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, n_classes, pixels)
    prediction = np.where(rng.random(pixels) < 0.6, truth, rng.integers(0, n_classes, pixels))
    labels = np.arange(n_classes)
    present = np.isin(labels, truth) | np.isin(labels, prediction)
    with warnings.catch_warnings():  # scikit-learn warns, and says 0, for a class in neither array
        warnings.simplefilter("ignore")
        reference = jaccard_score(truth, prediction, labels=labels, average=None)
    ours = iou_per_class(prediction.reshape(-1, 1), truth.reshape(-1, 1), n_classes)
    assert np.allclose(ours[present], reference[present]) and np.isnan(ours[~present]).all()
    assert mean_iou(prediction, truth, n_classes) == pytest.approx(reference[present].mean())


# ---------------------------------------------------------------- regression errors


def test_regression_metrics_by_hand():
    truth, guess = np.array([1.0, 2.0, 4.0]), np.array([2.0, 2.0, 2.0])
    assert rmse(guess, truth) == pytest.approx(np.sqrt(5 / 3))
    assert mae(guess, truth) == pytest.approx(1.0)
    assert abs_rel(guess, truth) == pytest.approx((1.0 + 0.0 + 0.5) / 3)


def test_regression_metrics_pool_every_pixel_of_every_image():
    rng = np.random.default_rng(0)
    truth = rng.uniform(0.5, 4.0, (5, 6, 7)).astype(np.float32)
    guess = truth + rng.normal(0, 0.3, truth.shape).astype(np.float32)
    difference = guess.astype(float) - truth
    assert rmse(guess, truth) == pytest.approx(np.sqrt(np.mean(difference ** 2)), rel=1e-12)
    assert mae(guess, truth) == pytest.approx(np.mean(np.abs(difference)), rel=1e-12)
    assert abs_rel(guess, truth) == pytest.approx(np.mean(np.abs(difference) / truth), rel=1e-12)
    assert rmse(torch.tensor(guess), torch.tensor(truth)) == rmse(guess, truth)


def test_dense_metrics_refuse_bad_inputs():
    with pytest.raises(ValueError, match="must match"):
        rmse(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="labels from 0 to 1"):
        mean_iou(np.array([0, 2]), np.array([0, 1]), 2)
    with pytest.raises(ValueError, match="> 0"):
        abs_rel(np.ones(2), np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="empty"):
        mae(np.array([]), np.array([]))
    with pytest.raises(ValueError, match="^prediction holds NaN or infinite values"):
        rmse(np.array([1.0, np.nan]), np.ones(2))
    with pytest.raises(TypeError, match="^target must be an array of numbers"):
        mae(np.ones(2), ["a", "b"])
    with pytest.raises(TypeError, match="n_classes must be an integer"):
        confusion_matrix(np.zeros(2), np.zeros(2), 2.0)


# ---------------------------------------------------------------- ranking


def auc_by_pairs(labels, scores):
    """The AUC as the recommendation chapter's exercise defines it: over all (positive, negative) pairs."""
    positive, negative = scores[labels == 1], scores[labels == 0]
    above, tied = positive[:, None] > negative[None, :], positive[:, None] == negative[None, :]
    wins = above.sum() + 0.5 * tied.sum()
    return wins / (len(positive) * len(negative))


def test_auc_counts_pairs_and_ties():
    assert auc([1, 1, 0, 1, 0, 0], [0.9, 0.8, 0.7, 0.6, 0.6, 0.2]) == pytest.approx(7.5 / 9)
    assert auc([0, 1], [0.2, 0.9]) == 1.0 and auc([0, 1], [0.5, 0.5]) == 0.5
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 500)
    scores = np.round(rng.random(500) + 0.3 * labels, 1)  # rounded: many ties
    assert auc(labels, scores) == pytest.approx(auc_by_pairs(labels, scores), abs=1e-12)
    assert auc(labels.astype(bool), scores) == auc(labels, scores)


def test_auc_refuses_bad_inputs():
    with pytest.raises(ValueError, match="both classes"):
        auc([1, 1], [0.1, 0.2])
    with pytest.raises(ValueError, match="one entry each"):
        auc([0, 1, 1], [0.1, 0.2])
    with pytest.raises(ValueError, match="0 or 1"):
        auc([0, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match="^scores holds NaN or infinite values"):
        auc([0, 1], [0.1, np.inf])


# ---------------------------------------------------------------- tagging


def test_bio_spans_reads_tags_as_the_conll_script_does():
    assert bio_spans(["B-PER", "I-PER", "O", "B-LOC"]) == [("PER", 0, 1), ("LOC", 3, 3)]
    assert bio_spans(["B-PER", "B-PER"]) == [("PER", 0, 0), ("PER", 1, 1)]
    assert bio_spans(["O", "I-LOC", "I-LOC"]) == [("LOC", 1, 2)]  # a stray I- starts an entity
    assert bio_spans(["B-PER", "I-LOC"]) == [("PER", 0, 0), ("LOC", 1, 1)]
    assert bio_spans(["B-LOC", "PAD", "PAD"]) == [("LOC", 0, 0)]
    assert bio_spans([]) == []
    with pytest.raises(TypeError, match="string"):
        bio_spans("B-PER I-PER")
    with pytest.raises(TypeError, match="tag 1"):
        bio_spans(["O", 3])


def test_entity_f1_counts_exact_spans_only():
    true = [["B-PER", "I-PER", "O", "B-LOC"]]
    assert entity_f1(true, true)["f1"] == 1.0
    half = entity_f1(true, [["B-PER", "O", "O", "B-LOC"]])  # the person is cut short
    assert (half["found"], half["predicted"], half["true"]) == (1, 2, 2) and half["f1"] == 0.5
    wrong_type = entity_f1(true, [["B-LOC", "I-LOC", "O", "B-LOC"]])
    assert wrong_type["precision"] == 0.5 and wrong_type["recall"] == 0.5
    nothing = entity_f1(true, [["O", "O", "O", "O"]])
    assert nothing == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "found": 0, "predicted": 0, "true": 2}
    extra = entity_f1(true, [["B-PER", "I-PER", "B-PER", "B-LOC"]])
    assert extra["precision"] == pytest.approx(2 / 3) and extra["recall"] == 1.0
    assert extra["f1"] == pytest.approx(0.8)


def test_entity_f1_takes_ids_with_names_and_checks_shapes():
    ids = np.array([[2, 3, 1, 4, 0]])  # B-PER I-PER O B-LOC PAD
    assert entity_f1(ids, ids, ENTITY_TAGS)["true"] == 2
    assert entity_f1(ids[0], ids[0], ENTITY_TAGS)["f1"] == 1.0
    with pytest.raises(ValueError, match="same shape"):
        entity_f1(ids, ids[:, :3], ENTITY_TAGS)


TAGS = ("O", "B-PER", "I-PER", "B-LOC", "I-LOC", "PAD")


def for_seqeval(rows):
    """seqeval reads ``PAD`` as an entity of type ``AD``; the book's tagger reads it as ``O``."""
    return [["O" if tag == "PAD" else tag for tag in row] for row in rows]


def tag_batches():
    """Two batches of (sentences, length) tags: any sequence, well formed or not, pads included."""
    def batch(sentences, length):
        sentence = st.lists(st.sampled_from(TAGS), min_size=length, max_size=length)
        return st.lists(sentence, min_size=sentences, max_size=sentences)

    return st.tuples(st.integers(1, 4), st.integers(1, 9)).flatmap(lambda shape: st.tuples(batch(*shape),
                                                                                           batch(*shape)))


@FAST
@given(tags=st.lists(st.sampled_from(TAGS), max_size=12))
def test_bio_spans_agree_with_seqeval(tags):
    assert bio_spans(tags) == get_entities(for_seqeval([tags])[0])


@FAST
@given(batches=tag_batches())
def test_entity_f1_agrees_with_seqeval(batches):
    true, predicted = batches
    ours = entity_f1(true, predicted)
    reference = for_seqeval(true), for_seqeval(predicted)
    assert ours["precision"] == pytest.approx(precision_score(*reference, zero_division=0))
    assert ours["recall"] == pytest.approx(recall_score(*reference, zero_division=0))
    assert ours["f1"] == pytest.approx(f1_score(*reference, zero_division=0))


def test_token_accuracy_skips_pads():
    tokens = np.array([[5, 6, 0, 0]])
    true, predicted = np.array([[1, 2, 0, 0]]), np.array([[1, 3, 4, 4]])
    assert token_accuracy(true, predicted, tokens) == 0.5
    with pytest.raises(ValueError, match="one shape"):
        token_accuracy(true, predicted[:, :2], tokens)
    with pytest.raises(ValueError, match="every token is a pad"):
        token_accuracy(true, predicted, np.zeros((1, 4), int))


# ---------------------------------------------------------------- Δm


def test_delta_m_by_hand():
    # segmentation mIoU 0.50 -> 0.55 is +10 %; depth RMSE 0.75 -> 0.60, lower is better, is +20 %
    assert delta_m({"seg": 0.55, "depth": 0.60}, {"seg": 0.50, "depth": 0.75},
                   {"seg": True, "depth": False}) == pytest.approx(15.0)
    assert delta_m({"a": 0.9, "b": 0.5}, {"a": 0.8, "b": 0.5}, True) == pytest.approx(6.25)
    # one task scored by two metrics: each metric counts once, (-20 % - 10 % - 20 %) / 3
    scene = {"mIoU": 0.40, "RMSE": 0.44, "abs-rel": 0.12}
    single = {"mIoU": 0.50, "RMSE": 0.40, "abs-rel": 0.10}
    assert delta_m(scene, single, {"mIoU": True, "RMSE": False, "abs-rel": False}) == pytest.approx(-50 / 3)
    assert delta_m({"error": 3.0}, {"error": 2.0}, False) == pytest.approx(-50.0)
    assert delta_m({"error": 3.0}, {"error": 2.0}, {"error": np.bool_(True)}) == pytest.approx(50.0)


# measure: (score, baseline, higher is better, another unit's factor)
positive = st.floats(0.01, 100.0)
measures = st.dictionaries(st.sampled_from("abcdef"),
                           st.tuples(positive, positive, st.booleans(), st.floats(0.1, 10.0)), min_size=1)


@FAST
@given(values=measures)
def test_delta_m_is_zero_at_the_baselines_turns_sign_with_the_direction_and_ignores_units(values):
    scores = {k: v[0] for k, v in values.items()}
    baselines = {k: v[1] for k, v in values.items()}
    higher = {k: v[2] for k, v in values.items()}
    value = delta_m(scores, baselines, higher)
    assert delta_m(baselines, baselines, higher) == 0.0
    assert delta_m(scores, baselines, {k: not h for k, h in higher.items()}) == pytest.approx(-value)
    unit = {k: v[3] for k, v in values.items()}  # another unit per measure (metres, centimetres)
    rescaled = delta_m({k: unit[k] * x for k, x in scores.items()},
                       {k: unit[k] * x for k, x in baselines.items()}, higher)
    assert rescaled == pytest.approx(value, abs=1e-9)


def test_delta_m_refuses_bad_arguments():
    with pytest.raises(ValueError, match=r"only in scores: \['b'\], only in baselines: \['c'\]"):
        delta_m({"a": 1.0, "b": 1.0}, {"a": 1.0, "c": 1.0}, True)
    with pytest.raises(ValueError, match="at least one measure"):
        delta_m({}, {}, True)
    with pytest.raises(TypeError, match="^baselines must be a dict"):
        delta_m({"a": 1.0}, [1.0], True)
    for bad in (0.0, -0.5):
        with pytest.raises(ValueError, match=r"^baselines\['a'\] must be > 0"):
            delta_m({"a": 1.0}, {"a": bad}, True)
    with pytest.raises(ValueError, match=r"^scores\['a'\] must be a number, got NaN"):
        delta_m({"a": float("nan")}, {"a": 1.0}, True)
    with pytest.raises(ValueError, match=r"^baselines\['a'\] must be a finite number"):
        delta_m({"a": 1.0}, {"a": float("inf")}, True)
    with pytest.raises(ValueError, match="higher_is_better must name exactly the measures"):
        delta_m({"a": 1.0, "b": 1.0}, {"a": 1.0, "b": 1.0}, {"a": True})
    with pytest.raises(TypeError, match=r"higher_is_better\['a'\] must be True or False"):
        delta_m({"a": 1.0}, {"a": 1.0}, {"a": "yes"})
    with pytest.raises(TypeError, match="higher_is_better must be a bool or a dict"):
        delta_m({"a": 1.0}, {"a": 1.0}, "higher")
