"""Reading fitted linear models."""

import numpy as np
import pytest

from mtl_lessons.analysis import relevant_share


def test_relevant_share():
    coef = np.array([[1.0, 0.0], [1.0, 2.0], [2.0, 2.0]])
    assert relevant_share(coef, 2) == pytest.approx((0.5 + 0.5) / 2)
    assert relevant_share(np.array([3.0, -1.0]), 1) == pytest.approx(0.75)
    assert relevant_share(np.zeros((3, 2)), 1) == 0.0
    with pytest.raises(ValueError, match="n_relevant"):
        relevant_share(coef, 4)
    with pytest.raises(ValueError, match="coef"):
        relevant_share(np.zeros((2, 2, 2)), 1)


def test_off_diagonal_share():
    from mtl_lessons.analysis import off_diagonal_share

    assert off_diagonal_share(np.eye(3)) == 0.0
    assert off_diagonal_share(np.full((2, 2), 0.5)) == pytest.approx(0.5)
    assert off_diagonal_share(np.array([[1.0, -1.0], [0.0, 2.0]])) == pytest.approx(0.25)  # no cancelling
    with pytest.raises(ValueError, match="square"):
        off_diagonal_share(np.ones((2, 3)))
    with pytest.raises(ValueError, match="all zeros"):
        off_diagonal_share(np.zeros((2, 2)))


def test_support_precision_recall():
    from mtl_lessons.analysis import support_precision_recall

    coef = np.array([[1.0, 0.0], [0.5, 2.0], [0.0, 0.0], [0.3, 0.0]])  # inputs x tasks, 2 relevant
    precision, recall = support_precision_recall(coef, 2)
    assert precision == pytest.approx((2 / 3 + 1.0) / 2) and recall == pytest.approx(3 / 4)
    assert support_precision_recall(np.zeros((3, 2)), 1) == (0.0, 0.0)
    with pytest.raises(ValueError, match="n_relevant"):
        support_precision_recall(coef, 5)
