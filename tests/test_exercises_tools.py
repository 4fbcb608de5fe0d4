"""The checkers of the tools chapter: right, wrong and unfinished answers each get their feedback."""

from __future__ import annotations

import numpy as np
import torch

from mtl_lessons.exercises.tools import (
    LOSS_WEIGHT_VARIANCES,
    TOOL_ANSWERS,
    _imtl_g_reference,
    check_imtl_g,
    check_loss_weights,
    check_support_counts,
    check_tool_choices,
    support_counts_reference,
)

# ---------------------------------------------------------------- exercise 1: which tool


def test_tool_choices_right_wrong_and_unfinished():
    assert check_tool_choices(dict(TOOL_ANSWERS)).ok
    assert check_tool_choices({"sensors": " B ", "conflict": "c", "tensorflow": "D"}).ok
    assert "Not attempted yet" in str(check_tool_choices({k: ... for k in TOOL_ANSWERS}))
    assert "Not attempted yet" in str(check_tool_choices(...))
    partial = check_tool_choices({"sensors": "b", "conflict": ..., "tensorflow": "d"})
    assert not partial.ok and "'conflict' has no letter yet" in partial.message
    independent = check_tool_choices({**TOOL_ANSWERS, "sensors": "a"})
    assert not independent.ok and "independently" in independent.message
    libmtl = check_tool_choices({**TOOL_ANSWERS, "conflict": "e"})
    assert not libmtl.ok and "cuda:0" in libmtl.message
    keras = check_tool_choices({**TOOL_ANSWERS, "tensorflow": "c"})
    assert not keras.ok and "PyTorch" in keras.message
    assert "one letter" in check_tool_choices({**TOOL_ANSWERS, "sensors": "z"}).message
    assert "keys" in check_tool_choices({"sensors": "b"}).message
    assert "Give a dict" in check_tool_choices("b").message


def test_every_wrong_letter_has_its_own_feedback():
    for need, right in TOOL_ANSWERS.items():
        for letter in "abcde":
            if letter != right:
                feedback = check_tool_choices({**TOOL_ANSWERS, need: letter})
                assert not feedback.ok and f"({letter}) does not fit" in feedback.message


# ---------------------------------------------------------------- exercise 2: loss_weights


def test_loss_weights_right_wrong_and_unfinished():
    right = {name: 1 / variance for name, variance in LOSS_WEIGHT_VARIANCES.items()}
    assert check_loss_weights(right).ok
    assert check_loss_weights({"rating": 0.8333333, "watch_minutes": 0.00111111}).ok
    assert "Not attempted yet" in str(check_loss_weights(...))
    assert "divide" in check_loss_weights(dict(LOSS_WEIGHT_VARIANCES)).message
    std = {name: variance ** -0.5 for name, variance in LOSS_WEIGHT_VARIANCES.items()}
    assert "standard deviation" in check_loss_weights(std).message
    assert "swapped" in check_loss_weights({"rating": 1 / 900, "watch_minutes": 1 / 1.2}).message
    scaled = {name: 10 * value for name, value in right.items()}
    assert "ratio" in check_loss_weights(scaled).message
    assert "names of the model's outputs" in check_loss_weights({"task1": 1.0, "task2": 1.0}).message
    assert "dict" in check_loss_weights([1 / 1.2, 1 / 900]).message
    assert "number" in check_loss_weights({"rating": "x", "watch_minutes": 1.0}).message
    assert "positive" in check_loss_weights({"rating": -1.0, "watch_minutes": 1.0}).message


# ---------------------------------------------------------------- exercise 3: support counts


def right_counts(coef):
    used = np.asarray(coef) != 0
    return int(used.any(axis=0).sum()), int(used.all(axis=0).sum())


def test_support_counts_reference():
    coef = np.array([[1.0, 0.0, -2.0], [0.5, 0.0, 0.0]])
    assert support_counts_reference(coef) == (2, 1)


def test_support_counts_right_wrong_and_unfinished():
    assert check_support_counts(right_counts).ok

    def stub(coef):
        raise NotImplementedError

    assert "Not attempted yet" in str(check_support_counts(stub))
    swapped = check_support_counts(lambda c: right_counts(c)[::-1])
    assert not swapped.ok and "swapped" in swapped.message
    axis = check_support_counts(lambda c: right_counts(np.asarray(c).T))
    assert not axis.ok and "wrong axis" in axis.message
    positive = check_support_counts(lambda c: (int((c > 0).any(0).sum()), int((c > 0).all(0).sum())))
    assert not positive.ok and "coef != 0" in positive.message
    assert "two whole numbers" in check_support_counts(lambda c: "many").message
    assert "two whole numbers" in check_support_counts(lambda c: (1.5, 2)).message
    assert "raised" in check_support_counts(lambda c: 1 / 0).message
    assert check_support_counts(lambda c: tuple(np.int64(v) for v in right_counts(c))).ok


# ---------------------------------------------------------------- exercise 4: IMTL-G


def imtl_g_by_hand(jacobian):
    """IMTL-G from its definition (Liu et al., 2021), in NumPy: equal projections on the unit
    gradients, weights that add up to 1; independent of torchjd's Gramian-based code."""
    j = np.asarray(jacobian, dtype=float)
    unit = j / np.linalg.norm(j, axis=1, keepdims=True)
    # unknowns: the T weights; equations: (d . u_1) = (d . u_t) for t > 1, and sum of weights = 1
    rows = [(unit[0] - unit[t]) @ j.T for t in range(1, len(j))] + [np.ones(len(j))]
    rhs = np.zeros(len(j))
    rhs[-1] = 1.0
    weights = np.linalg.solve(np.array(rows), rhs)
    return torch.as_tensor(weights @ j)


def test_imtl_g_right_wrong_and_unfinished():
    assert check_imtl_g(imtl_g_by_hand).ok

    def stub(jacobian):
        raise NotImplementedError

    assert "Not attempted yet" in str(check_imtl_g(stub))
    assert "Not attempted yet" in str(check_imtl_g(lambda jacobian: None))
    assert "mean of the gradients" in check_imtl_g(lambda j: j.mean(dim=0)).message
    assert "sum of the gradients" in check_imtl_g(lambda j: j.sum(dim=0)).message
    assert "add up to 1" in check_imtl_g(lambda j: 3.0 * imtl_g_by_hand(j)).message
    assert "one per parameter" in check_imtl_g(lambda j: j).message
    assert "should all be equal" in check_imtl_g(lambda j: j[0]).message
    assert "raised" in check_imtl_g(lambda j: 1 / 0).message


def test_imtl_g_reference_has_its_defining_property():
    rng = np.random.default_rng(0)
    for tasks in (2, 3, 4):
        jacobian = torch.as_tensor(rng.normal(size=(tasks, 6)))
        update = _imtl_g_reference(jacobian).double()
        assert torch.allclose(update, imtl_g_by_hand(jacobian), atol=1e-8)
        projections = (jacobian @ update) / jacobian.norm(dim=1)
        assert torch.allclose(projections, projections[0].expand_as(projections), atol=1e-8)
