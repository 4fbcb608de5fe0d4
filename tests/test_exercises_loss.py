"""The checkers of the loss chapter: right, wrong and unfinished answers."""

import numpy as np
import pytest
import torch

from mtl_lessons.exercises.loss import (
    EXERCISE1,
    SCALE_EXPLANATION,
    check_coupling,
    check_loss_ratio_weights,
    check_scale_explanation,
    check_total_loss,
    exercise1_answer,
)


def stub(*args):
    raise NotImplementedError


# Exercise 1 ------------------------------------------------------------------------------------


def test_total_loss_right_answer_by_numpy_and_by_torch():
    e = {k: np.asarray(v) for k, v in EXERCISE1.items() if k not in ("alpha", "lam")}
    (a1, a2), lam = EXERCISE1["alpha"], EXERCISE1["lam"]
    by_hand = (a1 * np.mean((e["pred1"] - e["y1"]) ** 2) + a2 * np.mean((e["pred2"] - e["y2"]) ** 2)
               + lam / 2 * np.sum(e["theta"] ** 2))
    assert exercise1_answer() == pytest.approx(by_hand)
    assert check_total_loss(by_hand) and check_total_loss(round(by_hand, 4))

    from mtl_lessons.torch import mtl_loss

    t = {k: torch.tensor(v, dtype=torch.float64) for k, v in e.items()}
    total, _ = mtl_loss({"1": t["pred1"], "2": t["pred2"]}, {"1": t["y1"], "2": t["y2"]},
                        {"1": "regression", "2": "regression"}, {"1": a1, "2": a2},
                        lam / 2 * t["theta"].pow(2).sum())
    assert check_total_loss(total.item())


@pytest.mark.parametrize(
    "mistake, hint",
    [
        ("no_regulariser", "without the regulariser"),
        ("no_weights", "no task weights"),
        ("no_half", "left out the 1/2"),
        ("sums", "mean over the examples"),
        ("swapped", "weights are swapped"),
    ],
)
def test_total_loss_common_mistakes_get_a_hint(mistake, hint):
    e = {k: np.asarray(v) for k, v in EXERCISE1.items() if k not in ("alpha", "lam")}
    (a1, a2), lam = EXERCISE1["alpha"], EXERCISE1["lam"]
    l1, l2 = np.mean((e["pred1"] - e["y1"]) ** 2), np.mean((e["pred2"] - e["y2"]) ** 2)
    r = lam / 2 * np.sum(e["theta"] ** 2)
    wrong = {"no_regulariser": a1 * l1 + a2 * l2, "no_weights": l1 + l2 + r,
             "no_half": a1 * l1 + a2 * l2 + 2 * r, "sums": 3 * (a1 * l1 + a2 * l2) + r,
             "swapped": a2 * l1 + a1 * l2 + r}[mistake]
    feedback = check_total_loss(wrong)
    assert not feedback and hint in str(feedback)


def test_total_loss_unfinished_and_malformed():
    assert "Not attempted yet" in str(check_total_loss(...))
    assert "should be a number" in str(check_total_loss("two"))
    assert "too large" in str(check_total_loss(100.0))


# Exercise 2 ------------------------------------------------------------------------------------


def coupling_right(columns, lam):
    total = 0.0
    for i in range(len(columns)):
        for j in range(i + 1, len(columns)):
            total = total + sum((a - b).pow(2).sum() for a, b in zip(columns[i], columns[j], strict=True))
    return lam * total


def coupling_both_orders(columns, lam):
    return 2 * coupling_right(columns, lam)


def coupling_without_lam(columns, lam):
    return coupling_right(columns, 1.0)


def coupling_first_pair_only(columns, lam):
    return lam * sum((a - b).pow(2).sum() for a, b in zip(columns[0], columns[1], strict=True))


def test_coupling_right_answer_as_tensor_and_float():
    assert check_coupling(coupling_right)
    assert check_coupling(lambda columns, lam: coupling_right(columns, lam).item())


@pytest.mark.parametrize(
    "function, hint",
    [
        (coupling_both_orders, "counted every pair twice"),
        (coupling_without_lam, "without lam"),
        (coupling_first_pair_only, "for 3 tasks"),
        (lambda columns, lam: "big", "should return one number"),
        (lambda columns, lam: 1.0, "penalty is"),
        (lambda columns, lam: columns[0][0], "should return one number"),
    ],
)
def test_coupling_wrong_answers_get_a_hint(function, hint):
    feedback = check_coupling(function)
    assert not feedback and hint in str(feedback)


def test_coupling_unfinished_and_malformed():
    assert "Not attempted yet" in str(check_coupling(stub))
    assert "Not attempted yet" in str(check_coupling(lambda columns, lam: ...))
    assert "pass the function" in str(check_coupling(3.0))
    broken = check_coupling(lambda columns, lam: columns[7])
    assert not broken and "IndexError" in str(broken)


# Exercise 3 ------------------------------------------------------------------------------------


def ratio_right(losses):
    inverse = {t: 1 / v for t, v in losses.items()}
    return {t: len(losses) * v / sum(inverse.values()) for t, v in inverse.items()}


def test_loss_ratio_weights_right_answer():
    assert check_loss_ratio_weights(ratio_right)
    weights = ratio_right({"m": 1.2, "mm": 1.2e6})
    assert sum(weights.values()) == pytest.approx(2)
    assert weights["m"] * 1.2 == pytest.approx(weights["mm"] * 1.2e6)


@pytest.mark.parametrize(
    "function, hint",
    [
        (lambda losses: {t: 1 / v for t, v in losses.items()}, "sum to the number of tasks"),
        (lambda losses: {t: len(losses) * v / sum(losses.values()) for t, v in losses.items()},
         "should get the smallest"),
        (lambda losses: {t: 1.0 for t in losses}, "the weights should be"),
        (lambda losses: [1.0, 1.0], "should return a dict"),
        (lambda losses: {"a": 1.0}, "return one weight per task"),
    ],
)
def test_loss_ratio_weights_wrong_answers_get_a_hint(function, hint):
    feedback = check_loss_ratio_weights(function)
    assert not feedback and hint in str(feedback)


def test_loss_ratio_weights_unfinished():
    assert "Not attempted yet" in str(check_loss_ratio_weights(stub))
    assert "Not attempted yet" in str(check_loss_ratio_weights(lambda losses: None))
    assert "pass the function" in str(check_loss_ratio_weights("alpha"))


# Exercise 4 ------------------------------------------------------------------------------------


def test_scale_explanation_right_and_wrong():
    assert check_scale_explanation("b") and check_scale_explanation(" (B) ")
    for letter in set(SCALE_EXPLANATION) - {"b"}:
        feedback = check_scale_explanation(letter)
        assert not feedback and f"({letter}) is not it" in str(feedback)


def test_scale_explanation_unfinished_and_malformed():
    assert "Not attempted yet" in str(check_scale_explanation(...))
    assert "choose one of" in str(check_scale_explanation("e"))
    assert "one letter as a string" in str(check_scale_explanation(2))


def test_choose_share_checker():
    import numpy as np

    from mtl_lessons.exercises.loss import check_choose_share

    def right(val, importance):
        return int(np.argmin((val / val.min(axis=0)) @ np.asarray(importance)))

    def raw(val, importance):
        return int(np.argmin(val @ np.asarray(importance)))

    def no_importance(val, importance):
        return int(np.argmin((val / val.min(axis=0)).sum(axis=1)))

    def stub(val, importance):
        raise NotImplementedError

    assert check_choose_share(right).ok
    assert "raw errors" in check_choose_share(raw).message
    assert "ignores `importance`" in check_choose_share(no_importance).message
    assert "Not attempted yet" in check_choose_share(stub).message
    assert "an int" in check_choose_share(lambda v, i: 0.5).message
