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


# ---------------------------------------------------------------- exercise 4: one shared layer


def test_one_shared_layer_right_wrong_and_unfinished():
    from mtl_lessons.exercises.vision import check_one_shared_layer, one_shared_layer_accuracy

    measured = one_shared_layer_accuracy()
    two = measured + np.array([-0.05, -0.05, 0.0])  # digits lost 5 points more with two layers; sum unchanged
    right = check_one_shared_layer({"digits": "less loss", "sum": "same"}, measured, two)
    assert right.ok and "so was your prediction" in right.message
    other = check_one_shared_layer({"digits": "more loss", "sum": "more gain"}, measured, two)
    assert other.ok and "was not" in other.message and "'less loss'" in other.message
    assert "Not attempted yet" in str(check_one_shared_layer(..., measured, two))
    assert "Not attempted yet" in str(check_one_shared_layer({"digits": "same", "sum": "same"}, ..., two))
    wrong = check_one_shared_layer({"digits": "same", "sum": "same"}, measured + 0.01, two)
    assert not wrong.ok and "differ from a rerun" in wrong.message
    percent = check_one_shared_layer({"digits": "same", "sum": "same"}, 100 * measured, two)
    assert "percentages" in percent.message
    assert "three accuracies" in check_one_shared_layer({"digits": "same", "sum": "same"}, [0.5], two).message
    assert "one of" in check_one_shared_layer({"digits": "better", "sum": "same"}, measured, two).message
    assert "keys" in check_one_shared_layer("less loss", measured, two).message


def test_one_shared_layer_matches_the_hard_sharing_net_by_hand():
    """An independent rerun of one seed, written out, equals the reference's first seed."""
    from mtl_lessons import set_seed
    from mtl_lessons.data import digit_pairs
    from mtl_lessons.exercises.vision import one_shared_layer_accuracy
    from mtl_lessons.torch import HardSharingNet, fit

    data = digit_pairs(n_train=800, n_val=300, n_test=1000, tasks=("left", "right", "sum"), seed=0)
    data = data.with_train_size(100)
    set_seed(0)
    model = HardSharingNet(data.input_shape, data.output_sizes(), (64, 64), 1)
    best = fit(model, data, epochs=100, batch_size=None, lr=1e-2, eval_every=5, eval_splits=("val", "test"),
               seed=0, progress=False).best()
    by_hand = np.array([best.test[t] for t in ("left", "right", "sum")])
    assert np.allclose(one_shared_layer_accuracy(seeds=(0,)), by_hand)
