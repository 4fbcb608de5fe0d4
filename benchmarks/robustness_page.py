"""The book's appendix page on robustness, written from a report of benchmarks/robustness.py.

`make robustness` runs every chapter under other seeds and other floating-point kernels; when it
runs them all, it rewrites book/appendix/robustness.md from its report, so that the website shows
what the last complete run found, when and where it ran. The page is committed with the book.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import subprocess
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "book" / "appendix" / "robustness.md"

WHAT = {  # a configuration's name -> what it changes, in words
    "seeds+0": "the chapters as the book runs them",
    "seeds+1000": "every data and initialisation seed shifted by 1,000",
    "seeds+2000": "every seed shifted by 2,000",
    "mkl-compatible": "Intel MKL's compatible mode, PyTorch's kernels without vector instructions, "
                      "TensorFlow's oneDNN kernels",
    "mkl-avx2": "Intel MKL's and PyTorch's AVX2 kernels",
    "two-threads": "two threads instead of one",
}


def escape(text: str) -> str:
    """Markdown-safe text for a table cell: no emphasis, math, role or cell break by accident."""
    return re.sub(r"([\\`*_{}\[\]<>$|#])", r"\\\1", text)


def machine() -> str:
    """The processor, cores and the versions of the numerical libraries, in one line."""
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = re.findall(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), flags=re.M)
        model = names[0].strip() if names else model
    versions = []
    for package in ("torch", "tensorflow", "tensorflow-cpu", "keras", "numpy"):
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            continue
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, " + ", ".join(versions)


def commit() -> str:
    """The commit the run executed (with "+ changes" when the working tree differed from it)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    head = git("rev-parse", "--short", "HEAD")
    if not head:
        return "an unknown commit"
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "book", "mtl_lessons")
    return f"{head} + uncommitted changes" if dirty else head


def mark(entry: dict | None, flag_below: float) -> str:
    """One check in one configuration: "holds +12 %" (⚠ under ``flag_below``), "FAILS", "not reached"."""
    if entry is None:
        return "not reached"
    margin = entry["margin"]
    text = "holds" if entry["holds"] else "FAILS"
    if entry.get("error"):
        text += " (error)"
    elif margin is not None:
        text += f" {100 * margin:+.0f} %"
        if entry["holds"] and margin < flag_below:
            text += " ⚠"
    return text


def holds(row: dict, names: list[str]) -> bool:
    """Whether a check held in every one of the configurations ``names``."""
    return all(row["results"].get(c, {}).get("holds") for c in names)


def write_page(summary: dict, flag_below: float, path: Path = PAGE, when: dt.datetime | None = None) -> str:
    """Write the page from a report (the dictionary of robustness.json) and return its text."""
    configs = list(summary["configs"])
    if not configs or not summary["checks"]:
        raise ValueError("the report holds no configuration or no check: nothing to publish")
    when = when or dt.datetime.now(dt.timezone.utc)
    rows = summary["checks"]
    findings = [r for r in rows if r["kind"] == "finding"]
    asserts = [r for r in rows if r["kind"] == "assert"]
    kernels = [c for c in configs if summary["configs"][c]["seed_offset"] == 0]

    def marks(row: dict, names: list[str]) -> str:
        return " | ".join(mark(row["results"].get(c), flag_below) for c in names) + " |"

    lines = [
        "# Robustness of the findings",
        "",
        "Every chapter states its results twice: in words, and in a hidden cell that checks them when the",
        "chapter runs. A *finding* (`mtl_lessons.findings.finding`) is a result the text presents as",
        "general, a ranking or an effect; it must hold under other seeds and on other floating-point",
        "kernels. A plain `assert` checks a number of the chapter's own run; it must hold on other",
        "kernels, not under other seeds. `make robustness` (benchmarks/robustness.py) executes every",
        "chapter once per configuration below, records every check with its margin (how far its",
        "measured value is from the bound that would make it fail, as a share of that bound), and",
        "rewrites this page. A ⚠ marks a margin under " f"{flag_below:.0%}.",
        "",
        f"This run: {when:%d %B %Y}, commit {commit()}, on {machine()}.",
        "",
        "| configuration | what changes |",
        "|---|---|",
        *[f"| {c} | {WHAT.get(c, escape(str(summary['configs'][c]['environment'])))} |" for c in configs],
        "",
        f"**{sum(holds(r, configs) for r in findings)} of {len(findings)} findings hold in every "
        f"configuration. {sum(holds(r, kernels) for r in asserts)} of {len(asserts)} plain asserts "
        f"hold on every kernel at the chapters' own seeds** ({', '.join(kernels)}); at the other seed "
        f"sets, {sum(holds(r, configs) for r in asserts)} of them hold too, which they need not.",
    ]
    if summary.get("cell_errors"):
        lines += ["", "Cells that raised an error other than a failed check:", ""]
        lines += [f"- {escape(k)}: {escape('; '.join(v)[:300])}" for k, v in summary["cell_errors"].items()]
    failing = [r for r in asserts if not holds(r, kernels)]
    if failing:
        lines += ["", "Plain asserts that fail on some kernel:", "",
                  "| chapter | assert | " + " | ".join(kernels) + " |", "|" + "---|" * (2 + len(kernels))]
        lines += [f"| {r['chapter']} | {escape(r['label'])} | " + marks(r, kernels) for r in failing]
    for chapter in dict.fromkeys(r["chapter"] for r in findings):
        lines += ["", f"## {chapter}", "",
                  "| finding | " + " | ".join(configs) + " |", "|" + "---|" * (1 + len(configs))]
        lines += [f"| {escape(r['label'])} | " + marks(r, configs)
                  for r in findings if r["chapter"] == chapter]
    text = "\n".join(lines) + "\n"
    path.write_text(text, encoding="utf-8")
    return text
