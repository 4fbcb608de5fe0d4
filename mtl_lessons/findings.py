"""The findings a chapter states, each checked by name: a ranking or an effect, not one number.

A chapter backs each finding of its prose ("MTL is ahead at every size up to 200", "uncertainty
weighting beats equal weights on task 1") with ``finding(statement, holds, detail)`` in a hidden
cell. Under the book's tests and builds (``MTL_LESSONS_STRICT=1``, set by the Makefile and by
pytest's conftest) it is an assert: a finding that does not hold stops the notebook. On a reader's
machine (Colab, a local Jupyter) it prints a visible note instead and the notebook goes on: other
library versions or hardware can move a result, and a reader should see that, not a traceback. Under
``make robustness`` the chapters run again with other seeds (``MTL_SEED_OFFSET``) and
``MTL_FINDINGS_REPORT`` names a file: each finding is then recorded there, held or not, and the
run goes on, so that the report says, claim by claim, which findings survive other seeds.
Numbers that belong to the chapter's own seeds (a printed value, at its stated precision) are
checked with plain asserts instead.
"""

from __future__ import annotations

import json
import os

from mtl_lessons.seeding import seed_offset

STRICT = "MTL_LESSONS_STRICT"  # "1": a finding that does not hold raises (the book's tests and builds)


def finding(statement: str, holds: object, detail: object = None) -> bool:
    """Check one stated finding; return whether it holds (recorded instead of raised in robustness runs)."""
    if not isinstance(statement, str) or not statement.strip():
        raise TypeError(f"statement must be the finding in words, a non-empty string; got {statement!r}")
    result = bool(holds)
    report = os.environ.get("MTL_FINDINGS_REPORT")
    if report:
        with open(report, "a", encoding="utf-8") as out:
            # make robustness evaluates ``holds`` with its margin (benchmarks/margins.py)
            record = {"kind": "finding", "label": statement, "holds": result, "seed_offset": seed_offset(),
                      "margin": getattr(holds, "margin", None),
                      "detail": None if detail is None else repr(detail)[:300]}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return result
    if not result:
        suffix = "" if detail is None else f" ({detail!r})"
        if os.environ.get(STRICT) == "1":
            raise AssertionError(f"finding does not hold: {statement}{suffix}")
        print(f"⚠ Note: in this run, a finding the text states does not hold: {statement}{suffix}. "
              "The book's own run found it held; other seeds, library versions or hardware can move "
              "such a result (the book's appendix on robustness shows how often each finding held).")
    return result
