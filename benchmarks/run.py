"""Execute every chapter notebook and measure the book's speed figures.

    python benchmarks/run.py [notebook ...]

Each notebook runs in a fresh kernel from a temporary working directory (which also proves that
it needs no files beside it). Writes _build/bench.json:
{"notebooks": {"book/<name>.ipynb": seconds, ...}, "total_seconds": s, "metrics": {...}}.
This reports; it does not fail on a slow machine (only on a notebook that raises).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.metrics import METRICS  # noqa: E402
from tools.notebooks import notebook_paths  # noqa: E402

BUDGET_SECONDS = 60


def run_notebook(path: Path) -> float:
    """Seconds to execute one notebook top to bottom in a fresh kernel."""
    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory() as workdir:
        client = NotebookClient(nb, timeout=600, kernel_name="python3",
                                resources={"metadata": {"path": workdir}})
        start = time.perf_counter()
        client.execute()
        return time.perf_counter() - start


def main(argv: list[str]) -> int:
    os.environ.setdefault("MTL_LESSONS_PROGRESS", "0")
    paths = [Path(a).resolve() for a in argv[1:]] or notebook_paths()
    results: dict[str, float] = {}
    for path in paths:
        name = path.relative_to(ROOT).as_posix()
        seconds = run_notebook(path)
        results[name] = round(seconds, 2)
        flag = "" if seconds <= BUDGET_SECONDS else f"  over the {BUDGET_SECONDS} s budget"
        print(f"{name}: {seconds:.1f} s{flag}", flush=True)
    metrics: dict[str, float] = {}
    for measure in METRICS:
        metrics.update(measure())
    for key, value in metrics.items():
        print(f"{key}: {value}")
    report = {"notebooks": results, "total_seconds": round(sum(results.values()), 2),
              "metrics": metrics}
    out = ROOT / "_build" / "bench.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"total: {report['total_seconds']} s; written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
