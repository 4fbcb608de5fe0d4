"""The chapters run as Colab runs them: a stand-in `google.colab`, a recording pip, ipywidgets 7.

In Colab the setup cell sees `google.colab` and calls `python -m pip install ...`. Here a stand-in
`google.colab` module (tests/colab) makes it take that branch, and a stand-in `pip` package, found
before the real one on PYTHONPATH, records the command instead of installing. `make test` executes
every chapter's reader's edition in that stand-in (an IPython start-up file imports the module).
Here the kernel also sees Colab's widget stack (ipywidgets 7.7.1, installed by `make setup` into
.venv/colab-widgets), so a chapter with explorers runs against the ipywidgets version Colab ships.
"""

import json
import os
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from packaging.requirements import Requirement

from tools import notebooks as nbtools

ROOT = nbtools.ROOT
COLAB_WIDGETS = ROOT / ".venv" / "colab-widgets"
# Versions Colab has shipped preinstalled (2025): the package's requirements must accept them, so that
# pip leaves them in place. scikit-learn is not among them: pip may upgrade it (the book needs 1.7).
COLAB_PREINSTALLED = {"torch": "2.6.0", "tensorflow": "2.18.0", "ipywidgets": "7.7.1", "numpy": "1.26.4",
                      "matplotlib": "3.10.0", "tqdm": "4.67.1"}
FULL_RUN = ["book/03_loss.ipynb"]  # a chapter with explorers and static twins, run to the end

STANDINS = ROOT / "tests" / "colab"


@pytest.fixture()
def colab(tmp_path, monkeypatch):
    """A kernel environment like Colab's; returns the file where pip calls are recorded."""
    if not (COLAB_WIDGETS / "ipywidgets").is_dir():
        pytest.fail("Colab's widget stack is missing from .venv/colab-widgets: run `make setup`")
    record = tmp_path / "pip-calls.jsonl"
    record.touch()
    paths = [str(STANDINS), str(COLAB_WIDGETS), os.environ.get("PYTHONPATH", "")]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in paths if p))
    monkeypatch.setenv("MTL_PIP_RECORD", str(record))
    monkeypatch.setenv("MTL_LESSONS_PROGRESS", "0")
    return record


def run_as_colab(nb: nbformat.NotebookNode, prelude: str = "") -> nbformat.NotebookNode:
    """Execute ``nb`` in a fresh kernel (which inherits the Colab environment), in a temp directory.

    The setup cell's `import google.colab` is what Colab's own kernel has done at start-up: the
    prelude cell imports the stand-in, so that `"google.colab" in sys.modules` holds as in Colab.
    """
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    nb.cells.insert(0, nbformat.v4.new_code_cell("import google.colab\n" + prelude))
    with tempfile.TemporaryDirectory() as workdir:
        NotebookClient(nb, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": workdir}}).execute()
    return nb


def recorded_calls(record: Path) -> list[list[str]]:
    return [json.loads(line) for line in record.read_text(encoding="utf-8").splitlines() if line]


def test_setup_cell_installs_only_the_package_at_its_release_tag(colab):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(nbtools.setup_cell_source())])
    executed = run_as_colab(nb, prelude="import ipywidgets\nprint(ipywidgets.__version__)")
    assert executed.cells[0].outputs[0]["text"].strip() == "7.7.1"  # the kernel sees Colab's widgets
    url, _ = nbtools.repository()
    package = f"mtl_lessons @ git+{url}@v{nbtools.package_version()}"
    assert recorded_calls(colab) == [["install", "-q", package]]


def test_every_chapter_has_that_setup_cell():
    for path in nbtools.notebook_paths():
        first = nbtools.code_cells(nbtools.load(path))[0]
        assert nbtools.source_of(first) == nbtools.setup_cell_source(), f"{path.name}: run `make sync`"


def test_the_package_leaves_colabs_preinstalled_libraries_alone():
    """pip keeps an installed library whose version meets the requirement, so none may exclude Colab's."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for line in project["dependencies"]:
        requirement = Requirement(line)
        name = requirement.name.lower()
        if name in COLAB_PREINSTALLED:
            assert requirement.specifier.contains(COLAB_PREINSTALLED[name]), (
                f"{line!r} would make pip replace Colab's {name} {COLAB_PREINSTALLED[name]}")
    assert not any(Requirement(d).name.lower() == "tensorflow" for d in project["dependencies"]), \
        "TensorFlow must stay an optional extra: Colab has its own"


@pytest.mark.parametrize("relative", FULL_RUN)
def test_a_chapter_with_explorers_runs_in_colab_with_ipywidgets_7(colab, relative):
    from mtl_lessons.editions import Book, reader_edition

    docname = relative.removesuffix(".ipynb")
    executed = run_as_colab(reader_edition(nbtools.load(ROOT / relative), docname, Book.read(ROOT)))
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.output_type == "error"]
    assert errors == []
    assert len(recorded_calls(colab)) == 1, "the setup cell should call pip exactly once"
    widget_views = [o for c in executed.cells for o in c.get("outputs", [])
                    if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert widget_views, "the chapter's explorers produced no widget under ipywidgets 7"
    assert sys.modules.get("google.colab") is None  # the stand-in stayed inside the kernel
