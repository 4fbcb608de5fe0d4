"""pytest plugin: keep what nbval executed, so that the website is built from that one run.

`make test` executes every notebook once, with nbval (under the network guard, two notebooks at a
time with pytest-xdist). This plugin collects each cell's outputs and the widget state that the
kernel sent, assembles the executed notebook, and stores it in the Jupyter Book execution cache
(jupyter-cache, the store that myst-nb reads in ``execute_notebooks: cache`` mode). The build
that follows then finds every notebook executed and runs none of them again.

What `make test` executes is the reader's edition of each notebook (``mtl_lessons.editions``, in
_build/editions/reader), the notebook the website's Colab and download buttons give: its code cells
are the source's, in the same order (some folded under a ``# @title`` line). The outputs are stored
as those of the source notebook, which is what the website renders.

Enable it with ``-p tools.nbval_stage`` and ``MTL_STAGE_EXECUTION=<cache folder>``. Widget state
is rebuilt by nbclient's own handler of comm messages, the code that builds it when Jupyter Book
executes a notebook itself. Only notebooks whose every cell passed are stored.
"""

from __future__ import annotations

import copy
import fcntl
import os
import sys
import time
from pathlib import Path

import nbformat
import pytest

EXECUTED_BY = "nbval"  # marks the cache records this plugin wrote; the site tests look for it
LANGUAGE_INFO = {
    "codemirror_mode": {"name": "ipython", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3",
    "version": sys.version.split()[0],
}


class _Run:
    """What one notebook's execution left: outputs per code cell, comm messages, timing."""

    def __init__(self, notebook: nbformat.NotebookNode, path: Path) -> None:
        self.notebook = notebook
        self.path = path
        self.outputs: dict[int, list] = {}
        self.comm_messages: list[tuple[int, dict]] = []
        self.failed = False
        self.started = time.perf_counter()
        self.finished = self.started
        self.current_cell = 0


_RUNS: dict[str, _Run] = {}


def _target() -> Path | None:
    folder = os.environ.get("MTL_STAGE_EXECUTION")
    return Path(folder) if folder else None


def pytest_configure(config: pytest.Config) -> None:
    if _target() is None:
        return
    from nbval.plugin import IPyNbFile

    if getattr(IPyNbFile, "_mtl_staged", False):
        return
    original = IPyNbFile.get_kernel_message

    def get_kernel_message(self, timeout=None, stream="iopub"):  # records comm messages as they pass
        message = original(self, timeout=timeout, stream=stream)
        run = _RUNS.get(str(self.fspath))
        if run is not None and message.get("msg_type", "").startswith("comm_"):
            run.comm_messages.append((run.current_cell, message))
        return message

    IPyNbFile.get_kernel_message = get_kernel_message
    IPyNbFile._mtl_staged = True


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    if _target() is None or not hasattr(item, "cell_num") or not hasattr(item, "test_outputs"):
        return
    key = str(item.parent.fspath)
    run = _RUNS.get(key)
    if run is None:
        run = _RUNS[key] = _Run(item.parent.nb, Path(key))
    report = outcome.get_result()
    if call.when == "setup":
        run.current_cell = item.cell_num
    if report.failed or report.skipped and call.when == "call":
        run.failed = True
    if call.when == "call":
        run.outputs[item.cell_num] = list(item.test_outputs or [])
        run.finished = time.perf_counter()


def _executed_notebook(run: _Run) -> nbformat.NotebookNode:
    """The notebook as nbval ran it: outputs, execution counts, widget state, language info."""
    from nbclient import NotebookClient

    notebook = copy.deepcopy(run.notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for number, cell in enumerate(code):
        cell.execution_count = number + 1
        outputs = []
        for output in run.outputs.get(number, []):
            output = nbformat.from_dict(dict(output))
            if output.output_type == "execute_result":
                output.execution_count = number + 1
            outputs.append(output)
        cell.outputs = outputs
    client = NotebookClient(notebook)
    client.comm_open_handlers = {"jupyter.widget": lambda message: None}  # state only: no Output widgets
    for number, message in run.comm_messages:
        client.handle_comm_msg([], message, number)
    client.set_widgets_metadata()
    notebook.metadata["language_info"] = dict(LANGUAGE_INFO)
    nbformat.validate(notebook)
    return notebook


ROOT = Path(__file__).resolve().parents[1]


def as_source(executed: nbformat.NotebookNode, path: Path) -> tuple[nbformat.NotebookNode, Path] | None:
    """An executed reader's edition as its source notebook with those outputs (a plain notebook
    unchanged; None for a run that the website does not show)."""
    from mtl_lessons.editions import copy_outputs

    edition = executed.metadata.get("mtl_edition")
    if not edition:
        return executed, path
    if edition["kind"] != "reader":  # a rerun on other kernels (tools/kernel_variant.py): not the site's
        return None
    path = ROOT / edition["source"]
    source = copy_outputs(nbformat.read(path, as_version=4), executed)
    for key in ("widgets", "language_info"):
        if key in executed.metadata:
            source.metadata[key] = executed.metadata[key]
    return source, path


def _stage(run: _Run, folder: Path) -> None:
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    staged = as_source(_executed_notebook(run), run.path)
    if staged is None:
        return
    notebook, path = staged
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / ".stage.lock", "w") as lock:  # two xdist workers share one database
        fcntl.flock(lock, fcntl.LOCK_EX)
        cache = get_cache(str(folder))
        cache.cache_notebook_bundle(
            CacheBundleIn(notebook, str(path),
                          data={"execution_seconds": run.finished - run.started, "executed_by": EXECUTED_BY}),
            check_validity=False, overwrite=True)


def pytest_sessionfinish(session: pytest.Session) -> None:
    folder = _target()
    if folder is None:
        return
    for run in _RUNS.values():
        if run.failed:
            continue
        expected = sum(1 for cell in run.notebook.cells if cell.cell_type == "code")
        if len(run.outputs) != expected:  # a cell was deselected or never ran: not a whole execution
            continue
        _stage(run, folder)
