"""The checkers of the vision chapter: right, wrong and unfinished answers each get their feedback."""

from __future__ import annotations

import numpy as np

from mtl_lessons.exercises.vision import (
    IOU_PREDICTION,
    IOU_TRUTH,
    NEW_HEADS,
    check_dense_plan,
    check_iou_by_hand,
    check_new_heads,
)
from mtl_lessons.metrics import iou_per_class, mean_iou

# ---------------------------------------------------------------- exercise 1: IoU by hand


def test_iou_reference_equals_the_package():
    assert np.allclose(iou_per_class(IOU_PREDICTION, IOU_TRUTH, 2), [10 / 13, 0.5])
    assert np.isclose(mean_iou(IOU_PREDICTION, IOU_TRUTH, 2), (0.5 + 10 / 13) / 2)


def test_iou_by_hand_right_wrong_and_unfinished():
    assert check_iou_by_hand(0.5, (0.5 + 10 / 13) / 2).ok
    assert check_iou_by_hand(3 / 6, 0.635).ok
    assert "Not" in str(check_iou_by_hand(..., ...)) and not check_iou_by_hand(None, 0.6).ok
    recall = check_iou_by_hand(0.75, 0.635)
    assert not recall.ok and "recall" in recall.message
    precision = check_iou_by_hand(0.6, 0.635)
    assert not precision.ok and "precision" in precision.message
    dice = check_iou_by_hand(2 / 3, 0.635)
    assert not dice.ok and "Dice" in dice.message
    accuracy = check_iou_by_hand(0.5, 13 / 16)
    assert not accuracy.ok and "pixel accuracy" in accuracy.message
    one_class = check_iou_by_hand(0.5, 0.5)
    assert not one_class.ok and "both classes" in one_class.message
    assert "number" in check_iou_by_hand("half", 0.6).message
    assert not check_iou_by_hand(0.9, 0.6).ok


# ---------------------------------------------------------------- exercise 2: heads for new tasks


def test_new_heads_right_and_typical_mistakes():
    assert check_new_heads(NEW_HEADS).ok
    one_logit = check_new_heads({**NEW_HEADS, "edges": ("classification", (8, 1, 24, 24))})
    assert one_logit.ok and "binary cross-entropy" in one_logit.message
    as_lists = {t: [k, list(s)] for t, (k, s) in NEW_HEADS.items()}
    assert check_new_heads(as_lists).ok
    assert "Not" in str(check_new_heads(...))
    depth_like = check_new_heads({**NEW_HEADS, "normals": ("regression", (8, 1, 24, 24))})
    assert not depth_like.ok and "three" in depth_like.message
    classified = check_new_heads({**NEW_HEADS, "normals": ("classification", (8, 3, 24, 24))})
    assert not classified.ok and "regressed" in classified.message
    edge_regression = check_new_heads({**NEW_HEADS, "edges": ("regression", (8, 24, 24))})
    assert not edge_regression.ok and "classification" in edge_regression.message
    per_pixel_triangle = check_new_heads({**NEW_HEADS, "has_triangle": ("classification", (8, 2, 24, 24))})
    assert not per_pixel_triangle.ok and "per image" in per_pixel_triangle.message
    missing = check_new_heads({"normals": NEW_HEADS["normals"]})
    assert not missing.ok and "missing" in missing.message
    assert "dict" in check_new_heads([1, 2]).message
    assert "kind" in check_new_heads({**NEW_HEADS, "edges": ("segmentation", (8, 2, 24, 24))}).message
    assert "tuple of ints" in check_new_heads({**NEW_HEADS, "edges": ("classification", "big")}).message


# ---------------------------------------------------------------- exercise 3: the plan


def test_dense_plan():
    assert check_dense_plan("b").ok and check_dense_plan(" B ").ok
    for letter in "acd":
        feedback = check_dense_plan(letter)
        assert not feedback.ok and feedback.message
    assert "one letter" in check_dense_plan("e").message
    assert "Not" in str(check_dense_plan(None))
