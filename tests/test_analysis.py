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
