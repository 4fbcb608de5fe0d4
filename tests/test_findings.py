"""Findings: asserts in a normal run, records under `make robustness`; seeds shift with the offset."""

import json

import pytest

from mtl_lessons.data import related_tasks
from mtl_lessons.findings import finding
from mtl_lessons.seeding import effective_seed, seed_offset


def test_a_finding_is_an_assert_under_the_books_tests(monkeypatch):
    monkeypatch.delenv("MTL_FINDINGS_REPORT", raising=False)
    monkeypatch.setenv("MTL_LESSONS_STRICT", "1")
    assert finding("two is more than one", 2 > 1) is True
    with pytest.raises(AssertionError, match=r"finding does not hold: one is more than two \(\[1, 2\]\)"):
        finding("one is more than two", 1 > 2, [1, 2])
    with pytest.raises(TypeError, match="statement"):
        finding("", True)


def test_on_a_readers_machine_a_finding_that_fails_prints_a_note_and_the_run_goes_on(monkeypatch, capsys):
    monkeypatch.delenv("MTL_FINDINGS_REPORT", raising=False)
    monkeypatch.delenv("MTL_LESSONS_STRICT", raising=False)
    assert finding("one is more than two", 1 > 2, [1, 2]) is False
    note = capsys.readouterr().out
    assert "in this run, a finding the text states does not hold: one is more than two ([1, 2])" in note
    assert finding("two is more than one", 2 > 1) is True and capsys.readouterr().out == ""


def test_under_robustness_a_finding_is_recorded_and_the_run_goes_on(monkeypatch, tmp_path):
    report = tmp_path / "findings.jsonl"
    monkeypatch.setenv("MTL_FINDINGS_REPORT", str(report))
    monkeypatch.setenv("MTL_SEED_OFFSET", "1000")
    assert finding("one is more than two", 1 > 2, {"a": 1}) is False
    assert finding("two is more than one", 2 > 1) is True
    records = [json.loads(line) for line in report.read_text().splitlines()]
    assert [(r["label"], r["holds"], r["seed_offset"]) for r in records] == [
        ("one is more than two", False, 1000), ("two is more than one", True, 1000)]
    assert [r["kind"] for r in records] == ["finding", "finding"]


def test_a_measured_condition_records_its_margin(monkeypatch, tmp_path):
    from benchmarks.margins import check

    report = tmp_path / "findings.jsonl"
    monkeypatch.setenv("MTL_FINDINGS_REPORT", str(report))
    assert finding("0.35 is below 0.4", check("x < 0.4", {"x": 0.35}, {})) is True
    (record,) = [json.loads(line) for line in report.read_text().splitlines()]
    assert record["holds"] and abs(record["margin"] - 0.125) < 1e-9


def test_the_seed_offset_changes_every_generated_data_set(monkeypatch):
    monkeypatch.delenv("MTL_SEED_OFFSET", raising=False)
    own = related_tasks(n_train=5, n_val=2, n_test=2, seed=3)
    assert seed_offset() == 0 and effective_seed(3) == 3
    monkeypatch.setenv("MTL_SEED_OFFSET", "1000")
    other = related_tasks(n_train=5, n_val=2, n_test=2, seed=3)
    assert effective_seed(3) == 1003
    assert (other.train.x != own.train.x).any()
    monkeypatch.delenv("MTL_SEED_OFFSET")
    assert (other.train.x == related_tasks(n_train=5, n_val=2, n_test=2, seed=1003).train.x).all()
    monkeypatch.setenv("MTL_SEED_OFFSET", "minus one")
    with pytest.raises(ValueError, match="MTL_SEED_OFFSET must be a whole number"):
        seed_offset()
