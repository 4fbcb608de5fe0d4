"""Keep the chapter notebooks in the shape the book's conventions ask for.

    python tools/notebooks.py sync    # write the shared setup cell, strip outputs
    python tools/notebooks.py check   # report, change nothing (exit 1 on a problem)

The setup cell is generated from `repository` in _config.yml, the one place that names the
repository, so a fork changes that file and runs `make book` (which calls `sync`).
"""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SETUP_TAG = "mtl-setup"


def book_config() -> dict:
    """The parsed _config.yml."""
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def repository() -> tuple[str, str]:
    """(url, branch) of the book's repository, as _config.yml states them."""
    repo = book_config()["repository"]
    return repo["url"].rstrip("/"), repo.get("branch", "main")


def setup_cell_source(url: str | None = None, branch: str | None = None) -> str:
    """The first code cell of every chapter: installs mtl_lessons in Colab, does nothing elsewhere."""
    default_url, default_branch = repository()
    url, branch = url or default_url, branch or default_branch
    return (
        "# Setup, the same in every chapter. In Colab it installs the book's helper package\n"
        "# mtl_lessons from the book's repository (torch and TensorFlow stay as Colab has them).\n"
        "# Anywhere else it does nothing: `make book` or `pip install -e .` installed it there.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        "    import subprocess\n"
        "\n"
        f'    package = "mtl_lessons @ git+{url}@{branch}"\n'
        '    subprocess.run([sys.executable, "-m", "pip", "install", "-q", package], check=True)'
    )


def toc_files() -> list[str]:
    """Every file path listed in _toc.yml, with its suffix as found on disk (or none if missing)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    found: list[str] = []

    def visit(node: object) -> None:
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            for key in ("root",):
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


def code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def source_of(cell: dict) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def problems(nb: dict) -> list[str]:
    """What is wrong with one notebook's stored form (empty when it follows the conventions)."""
    found = []
    cells = code_cells(nb)
    if not cells:
        return ["has no code cell"]
    first = cells[0]
    if source_of(first) != setup_cell_source():
        found.append("first code cell is not the shared setup cell")
    if SETUP_TAG not in first.get("metadata", {}).get("tags", []):
        found.append(f"setup cell lacks the tags ['remove-cell', '{SETUP_TAG}']")
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        if cell.get("outputs"):
            found.append(f"cell {index} has stored outputs")
        if cell.get("execution_count") is not None:
            found.append(f"cell {index} has an execution count")
    if "widgets" in nb.get("metadata", {}):
        found.append("notebook metadata holds widget state")
    return found


def normalise(nb: dict) -> dict:
    """Strip outputs and counts, and put the shared setup cell first."""
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    nb.get("metadata", {}).pop("widgets", None)
    setup = {
        "id": "mtl-setup",
        "cell_type": "code",
        "execution_count": None,
        "metadata": {"tags": ["remove-cell", SETUP_TAG]},
        "outputs": [],
        "source": setup_cell_source(),
    }
    cells = code_cells(nb)
    if cells and SETUP_TAG in cells[0].get("metadata", {}).get("tags", []):
        cells[0].update(setup)
    else:
        first_code = next((i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"), 0)
        nb["cells"].insert(first_code, setup)
    for cell in nb["cells"]:  # nbformat 4.5 wants an id on every cell
        cell.setdefault("id", uuid.uuid4().hex[:8])
    nb["nbformat"], nb["nbformat_minor"] = 4, max(nb.get("nbformat_minor", 5), 5)
    return nb


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def save(path: Path, nb: dict) -> None:
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command not in ("sync", "check"):
        print(__doc__)
        return 2
    status = 0
    for path in notebook_paths():
        nb = load(path)
        issues = problems(nb)
        if not issues:
            continue
        name = path.relative_to(ROOT)
        if command == "sync":
            save(path, normalise(nb))
            print(f"synced {name}: {'; '.join(issues)}")
        else:
            print(f"{name}: {'; '.join(issues)} (run `python tools/notebooks.py sync`)")
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
