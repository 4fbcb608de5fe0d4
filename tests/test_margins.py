"""The margin reader of `make robustness`: how far an assert or a finding is from failing."""

import ast

import numpy as np
import pytest

from benchmarks.margins import check, rewrite


@pytest.mark.parametrize("source, holds, margin", [
    ("x < 0.4", True, 0.125),               # 0.35 against 0.4: 0.05 / 0.4
    ("x > 0.4", False, -0.125),
    ("0.3 < x < 0.4", True, 0.125),         # the tighter side counts
    ("np.all(v > 0)", True, 1.0),
    ("np.all(v < 2.5)", True, 0.2),         # 2 against 2.5 is the closest element
    ("all(e < 2.5 for e in v)", True, 0.2),
    ("x < 0.4 and np.all(v > 0.5)", True, 0.125),
    ("x > 0.4 or x < 0.36", True, (0.36 - 0.35) / 0.36),
    ("np.isclose(x, 0.36, atol=0.02)", True, 0.5),
    ("abs(x - 0.36) < 0.005", False, None),  # checked below: negative
    ("x == 0.35", True, None),              # equality has no margin
    ("(v > 0.5).sum() >= 2", True, 0.0),
])
def test_margins_of_the_book_s_condition_shapes(source, holds, margin):
    namespace = {"np": np, "x": 0.35, "v": np.array([1.0, 2.0])}
    result = check(source, namespace, {})
    assert result.holds is holds
    if margin is None:
        assert result.margin is None or result.margin < 0
    else:
        assert result.margin == pytest.approx(margin, rel=1e-3)


def test_a_condition_the_reader_cannot_follow_is_still_evaluated():
    result = check("sorted(d) == ['a', 'b']", {"d": {"b": 1, "a": 2}}, {})
    assert result.holds and result.margin is None


def test_rewrite_records_every_assert_and_measures_findings_and_leaves_magics_alone():
    source = "assert x < 1, x\nfor k in range(2):\n    assert k < 5\nfinding('f', y > 2, y)"
    rewritten = rewrite(source, 7)
    assert rewritten.count("__mtl_assert__(") == 2
    assert not any(isinstance(node, ast.Assert) for node in ast.walk(ast.parse(rewritten)))
    assert "'code cell 7, line 1: assert x < 1'" in rewritten
    assert "finding('f', __mtl_check__('y > 2', globals(), locals()), y)" in rewritten
    assert rewrite("%timeit f()", 1) == "%timeit f()"
