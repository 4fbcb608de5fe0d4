"""The appendix page written from a robustness report (benchmarks/robustness_page.py)."""

import datetime as dt

import pytest

from benchmarks.robustness_page import escape, write_page


def report() -> dict:
    ok = {"holds": True, "margin": 0.5, "error": None}
    thin = {"holds": True, "margin": 0.04, "error": None}
    bad = {"holds": False, "margin": -0.2, "error": None}
    return {
        "configs": {"seeds+0": {"seed_offset": 0, "environment": {}},
                    "seeds+1000": {"seed_offset": 1000, "environment": {}},
                    "mkl-compatible": {"seed_offset": 0, "environment": {"MKL_CBWR": "COMPATIBLE"}}},
        "checks": [
            {"chapter": "01_a", "kind": "finding", "label": "x_1 beats *y* by $2",
             "results": {"seeds+0": ok, "seeds+1000": thin, "mkl-compatible": ok}},
            {"chapter": "02_b", "kind": "finding", "label": "z wins",
             "results": {"seeds+0": ok, "seeds+1000": bad, "mkl-compatible": ok}},
            {"chapter": "02_b", "kind": "assert", "label": "cell 3, line 1: assert a | b",
             "results": {"seeds+0": ok, "seeds+1000": bad, "mkl-compatible": bad}},
            {"chapter": "02_b", "kind": "assert", "label": "cell 4, line 1: assert c",
             "results": {"seeds+0": ok, "seeds+1000": bad, "mkl-compatible": ok}},
        ],
        "cell_errors": {},
    }


def test_page_counts_findings_and_asserts_and_lists_what_fails(tmp_path):
    page = tmp_path / "robustness.md"
    text = write_page(report(), 0.1, page, when=dt.datetime(2026, 12, 7, tzinfo=dt.timezone.utc))
    assert page.read_text(encoding="utf-8") == text
    assert "07 December 2026" in text
    assert "**1 of 2 findings hold in every configuration. 1 of 2 plain asserts hold on every kernel" in text
    assert "(seeds+0, mkl-compatible)" in text  # the kernels: the configurations at offset 0
    failing = text.split("Plain asserts that fail on some kernel:")[1].split("## ")[0]
    assert "cell 3" in failing and "cell 4" not in failing  # cell 4 fails only at other seeds
    assert "## 01_a" in text and "## 02_b" in text
    assert "holds +4 % ⚠" in text and "holds +50 % |" in text and "FAILS" in text


def test_labels_cannot_break_the_table_or_start_markup():
    assert escape("x_1 | *y* $2 `c` {r}") == r"x\_1 \| \*y\* \$2 \`c\` \{r\}"


def test_an_empty_report_is_refused(tmp_path):
    with pytest.raises(ValueError, match="nothing to publish"):
        write_page({"configs": {}, "checks": []}, 0.1, tmp_path / "page.md")
