"""Write a chapter's reader's edition once more, to run on other floating-point kernels in `make test`.

    python tools/kernel_variant.py --out DIR NAME=VALUE ... book/NN_x.ipynb ...

The copy's first cell sets the variables (``MKL_CBWR=COMPATIBLE`` and so on) before anything imports
PyTorch or TensorFlow, which read them when they start, and checks that PyTorch took its portable
kernels. nbval runs the copies with the chapters in one pass, so that both workers stay busy; the
plugin tools/nbval_stage.py does not store their outputs, since the website shows the book's own run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mtl_lessons.editions import Book, reader_edition  # noqa: E402


def variant_edition(path: Path, environment: dict[str, str], book: Book) -> nbformat.NotebookNode:
    """The reader's edition of ``path`` with a first cell that selects the kernels of ``environment``."""
    docname = path.resolve().relative_to(ROOT).with_suffix("").as_posix()
    edition = reader_edition(nbformat.read(path, as_version=4), docname, book)
    lines = ["import os", "", *(f"os.environ[{k!r}] = {v!r}" for k, v in environment.items())]
    if environment.get("ATEN_CPU_CAPABILITY") == "default":
        lines += ["", "import torch", "", 'assert torch.backends.cpu.get_cpu_capability() == "DEFAULT"']
    edition.cells.insert(0, nbformat.v4.new_code_cell("\n".join(lines)))
    edition.metadata["mtl_edition"] = {"kind": "kernel-variant", "source": f"{docname}.ipynb",
                                       "environment": environment}
    return edition


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("items", nargs="+", help="NAME=VALUE settings, then the chapters")
    args = parser.parse_args(argv)
    environment = dict(item.split("=", 1) for item in args.items if "=" in item)
    book = Book.read(ROOT)
    for chapter in [Path(item) for item in args.items if "=" not in item]:
        target = args.out / chapter.name.replace(".ipynb", "_kernel_variant.ipynb")
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(variant_edition(chapter, environment, book), target)
        print(f"{chapter} on other kernels: {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
