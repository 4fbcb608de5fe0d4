"""Rerun every chapter with other seeds and on other floating-point kernels; report every check.

    python benchmarks/robustness.py [--configs NAME,NAME] [notebook ...]     (`make robustness`)

A chapter backs what its prose states with ``finding(...)`` (a ranking or an effect) and plain
``assert`` statements (numbers). This script executes every notebook once per configuration:

- ``seeds+0``, ``seeds+1000``, ``seeds+2000``: the chapter's own seeds, then two disjoint sets
  (``MTL_SEED_OFFSET`` shifts every data and initialisation seed of the package);
- ``mkl-compatible``, ``mkl-avx2``, ``two-threads``: the chapter's own seeds on other
  floating-point kernels of this machine, as another CPU or a GPU would compute: Intel MKL's
  conditional numerical reproducibility modes (``MKL_CBWR``) with PyTorch's own kernels for
  another instruction set (``ATEN_CPU_CAPABILITY``) and, for the first, TensorFlow's oneDNN
  kernels (``TF_ENABLE_ONEDNN_OPTS=1``; the book runs TensorFlow without them), or two threads
  instead of one. The generated
  data stay bit-identical; training differs in the last bits, and long training amplifies them.

Before executing, every ``assert`` of the notebook is rewritten into a recorded check and every
``finding`` condition is evaluated with its margin (benchmarks/margins.py), so that the report
covers every check, goes on after a failed one, and says how far each is from failing. Writes
_build/robustness.json and _build/robustness.md and prints the table; a run over every chapter
also rewrites the book's appendix page, book/appendix/robustness.md (benchmarks/robustness_page.py).
Findings must hold everywhere; a plain assert states a number of the chapter's own seeds, so it
must hold on every kernel, while at other seed sets it is reported for information. It reports;
it fails only if a notebook cannot be executed at all.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.margins import FLAG_BELOW, rewrite  # noqa: E402
from benchmarks.robustness_page import PAGE, holds, mark, write_page  # noqa: E402
from tools.notebooks import notebook_paths  # noqa: E402

# name -> (seed offset, environment); the first is the chapter as the book runs it
CONFIGS: dict[str, tuple[int, dict[str, str]]] = {
    "seeds+0": (0, {}),
    "seeds+1000": (1000, {}),
    "seeds+2000": (2000, {}),
    "mkl-compatible": (0, {"MKL_CBWR": "COMPATIBLE", "ATEN_CPU_CAPABILITY": "default",
                           "TF_ENABLE_ONEDNN_OPTS": "1"}),
    "mkl-avx2": (0, {"MKL_CBWR": "AVX2", "ATEN_CPU_CAPABILITY": "avx2"}),
    "two-threads": (0, {"MTL_LESSONS_TORCH_THREADS": "2", "MTL_LESSONS_TF_THREADS": "2"}),
}

HOOKS = (f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n"
         "from benchmarks.margins import install\ninstall()\ndel install")

RUNNER = """
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, timeout=3600, kernel_name="python3", allow_errors=True,
               resources={"metadata": {"path": sys.argv[2]}}).execute()
import json
outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
print(json.dumps([f"{o.ename}: {o.evalue}"[:300] for o in outputs if o.output_type == "error"]))
"""


def _threads(config: str) -> int:
    """How many threads a configuration gives PyTorch."""
    return int(CONFIGS[config][1].get("MTL_LESSONS_TORCH_THREADS", "1"))


def instrumented(notebook: Path) -> nbformat.NotebookNode:
    """The notebook with its asserts recorded, its findings measured, and the hooks installed first."""
    nb = nbformat.read(notebook, as_version=4)
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    for number, cell in enumerate(code_cells, start=1):
        cell.source = rewrite(cell.source, number)
    nb.cells.insert(0, nbformat.v4.new_code_cell(HOOKS))
    return nb


def run(notebook: Path, config: str, report: Path) -> list[str]:
    """Execute one instrumented notebook under one configuration; return the errors cells raised."""
    offset, variables = CONFIGS[config]
    env = {**os.environ, **variables, "MTL_SEED_OFFSET": str(offset), "MTL_FINDINGS_REPORT": str(report),
           "MTL_LESSONS_PROGRESS": "0"}
    with tempfile.TemporaryDirectory() as workdir:
        copy = Path(workdir) / notebook.name
        nbformat.write(instrumented(notebook), copy)
        done = subprocess.run([sys.executable, "-c", RUNNER, str(copy), workdir], env=env,
                              capture_output=True, text=True)
    if done.returncode:
        last = done.stderr.strip().splitlines()[-1:] or ["(no message)"]
        return [f"the notebook could not be executed: {last[0][:300]}"]
    return json.loads(done.stdout.strip().splitlines()[-1])


def merge(records: list[dict]) -> dict[tuple[str, str], dict]:
    """One entry per check and configuration: held every time it ran, with its smallest margin."""
    merged: dict[tuple[str, str], dict] = {}
    for record in records:
        key = (record["kind"], record["label"])
        entry = merged.setdefault(key, {"holds": True, "margin": None, "error": None})
        entry["holds"] = entry["holds"] and record["holds"]
        entry["error"] = entry["error"] or record.get("error")
        margins = [m for m in (entry["margin"], record.get("margin")) if m is not None]
        entry["margin"] = min(margins) if margins else None
    return merged


def table(rows: list[dict], configs: list[str]) -> list[str]:
    """The report as markdown lines: one row per check, one column per configuration."""
    variants = [c for c in configs if CONFIGS[c][0] == 0]
    lines = ["| chapter | check | " + " | ".join(configs) + " |", "|" + "---|" * (2 + len(configs))]
    for row in rows:
        label = row["label"].replace("|", "\\|")
        if len(label) > 160:
            label = label[:157] + "..."
        lines.append(f"| {row['chapter']} | {'finding: ' if row['kind'] == 'finding' else ''}{label} | "
                     + " | ".join(mark(row["results"].get(c), FLAG_BELOW) for c in configs) + " |")
    findings = [r for r in rows if r["kind"] == "finding"]
    asserts = [r for r in rows if r["kind"] == "assert"]

    def thin(row: dict, names: list[str]) -> bool:
        margins = [row["results"].get(c, {}).get("margin") for c in names]
        return any(m is not None and 0 <= m < FLAG_BELOW for m in margins)

    lines += ["",
              f"Findings: {sum(holds(r, configs) for r in findings)} of {len(findings)} hold in every "
              f"configuration; {sum(thin(r, configs) for r in findings)} have a margin under "
              f"{FLAG_BELOW:.0%} somewhere (⚠).",
              f"Plain asserts: {sum(holds(r, variants) for r in asserts)} of {len(asserts)} hold at the "
              f"chapters' own seeds on every kernel ({', '.join(variants)}); "
              f"{sum(thin(r, variants) for r in asserts)} have a margin under {FLAG_BELOW:.0%} there. "
              f"At other seed sets {sum(holds(r, configs) for r in asserts)} of them hold too (a plain "
              "assert states a number of the chapter's own seeds, so it need not)."]
    return lines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", default=",".join(CONFIGS),
                        help=f"comma-separated, from {', '.join(CONFIGS)} (default: all)")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks at a time (default: 2, one per core)")
    parser.add_argument("--out", type=Path, default=ROOT / "_build",
                        help="folder of robustness.md and robustness.json (default: _build)")
    parser.add_argument("notebooks", nargs="*")
    args = parser.parse_args(argv[1:])
    args.configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    unknown = [c for c in args.configs if c not in CONFIGS]
    if unknown:
        parser.error(f"unknown configuration(s) {unknown}; choose from {', '.join(CONFIGS)}")
    notebooks = [Path(n).resolve() for n in args.notebooks] or notebook_paths()
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    jobs = [(nb, config) for nb in notebooks for config in args.configs]
    reports = {job: out / f"checks-{job[0].stem}-{job[1].replace('+', '')}.jsonl"
               for job in jobs}
    for path in reports.values():
        path.unlink(missing_ok=True)
    # A configuration with two threads runs alone: two such kernels, or one beside another
    # notebook, oversubscribe the cores and slow PyTorch's parallel regions down many times.
    threaded = [job for job in jobs if _threads(job[1]) > 1]
    single = [job for job in jobs if job not in threaded]
    with ThreadPoolExecutor(args.jobs) as pool:
        errors = dict(zip(single, pool.map(lambda job: run(*job, reports[job]), single), strict=True))
    errors.update({job: run(*job, reports[job]) for job in threaded})

    by_check: dict[tuple[str, str, str], dict] = {}
    for (notebook, config), path in reports.items():
        records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] \
            if path.exists() else []
        path.unlink(missing_ok=True)
        for (kind, label), entry in merge(records).items():
            row = by_check.setdefault((notebook.stem, kind, label),
                                      {"chapter": notebook.stem, "kind": kind, "label": label, "results": {}})
            row["results"][config] = entry
    order = {nb.stem: k for k, nb in enumerate(notebooks)}
    rows = sorted(by_check.values(), key=lambda r: (order[r["chapter"]], r["kind"] != "finding"))
    summary = {"configs": {c: {"seed_offset": CONFIGS[c][0], "environment": CONFIGS[c][1]}
                           for c in args.configs},
               "checks": rows,
               "cell_errors": {f"{nb.stem} @ {config}": e for (nb, config), e in errors.items() if e}}
    (out / "robustness.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    lines = table(rows, args.configs)
    if summary["cell_errors"]:
        lines += ["", "Cells that raised (an error other than a failed check):"]
        lines += [f"- {k}: {'; '.join(v)[:300]}" for k, v in summary["cell_errors"].items()]
    (out / "robustness.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    if not args.notebooks:  # a run over every chapter is what the book's appendix page shows
        write_page(summary, FLAG_BELOW)
        print(f"\nwrote {PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
