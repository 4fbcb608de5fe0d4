"""Sphinx extension for the book's website (listed under sphinx.local_extensions in _config.yml).

Two things that Jupyter Book 1.0.4 leaves undone:

* **Each inline script once.** An inline script that an extension adds after the HTML builder
  has started (sphinx-thebe's ``const THEBE_JS_URL = ...``, even with the Thebe launch button
  off; sphinx-togglebutton's selector) reaches every page twice: Sphinx 7.4 stores it when it is
  added (file name ``None``) and again when it replays its registry before writing (file name
  ``""``), and the two do not compare equal. Declaring a ``const`` twice is a console error on
  every page. The page context keeps the first of equal scripts (and stylesheets).

* **Live explorers say where they run.** A chapter shows a live explorer's code and tags the cell
  ``remove-output``: its widget needs a kernel, and the website shows the explorer's static twin
  instead. A cell whose execution displayed a widget that the page does not show (its output is
  removed, or the widget's state was not saved), or a cell tagged ``live-explorer``, gets a note
  in place of its output that says where the explorer runs live, with the Colab link of the
  page's notebook. Which cells displayed a widget is read from the outputs that myst-nb renders
  from (cached or freshly executed), so no chapter needs a special tag: the extension wraps
  myst-nb 1.4's ``MditRenderMixin._get_nb_code_cell_outputs``, and stops the build with an
  AttributeError if a later myst-nb renames it.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from myst_nb.core.render import MditRenderMixin
from sphinx.application import Sphinx

LIVE_TAG = "live-explorer"
REMOVE_OUTPUT_TAGS = ("remove-output", "remove_output")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_CELLS = "mtl_widget_cells"  # document attribute: cell index -> every view has saved state

NOTE_TITLE = "Live explorer"
NOTE_BEFORE_LINK = "This explorer runs live in "
NOTE_AFTER_LINK = (
    " or in Jupyter: open this notebook with the launch button at the top of the page. It needs a "
    "running Python kernel, so it has no output on this website; its static twin on this page "
    "answers a slider without one."
)


# --- each inline script once -------------------------------------------------------------------

def _asset_key(asset: Any) -> tuple:
    filename = getattr(asset, "filename", asset) or ""
    attributes = getattr(asset, "attributes", {}) or {}
    return (str(filename), tuple(sorted((k, str(v)) for k, v in attributes.items())))


def _unique(assets: list) -> list:
    seen: set[tuple] = set()
    kept = []
    for asset in assets:
        key = _asset_key(asset)
        if key not in seen:
            seen.add(key)
            kept.append(asset)
    return kept


def dedupe_page_assets(app: Sphinx, pagename: str, templatename: str, context: dict,
                       doctree: nodes.document | None) -> None:
    for name in ("script_files", "css_files"):
        if name in context:
            context[name] = _unique(context[name])


# --- live explorers ----------------------------------------------------------------------------

def _record_widget_outputs(read_outputs):
    """Wrap myst-nb's reading of a code cell's outputs to note the cells that displayed a widget."""

    def read_and_record(self, token):
        exec_count, outputs = read_outputs(self, token)
        views = [output["data"][WIDGET_VIEW].get("model_id") for output in outputs
                 if WIDGET_VIEW in output.get("data", {})]
        if views:
            widgets = self.nb_client.nb_metadata.get("widgets", {})
            saved = widgets.get(WIDGET_STATE, {}).get("state", {})
            cells = self.document.setdefault(WIDGET_CELLS, {})
            cells[token.meta["index"]] = all(view in saved for view in views)
        return exec_count, outputs

    read_and_record.__wrapped__ = read_outputs
    return read_and_record


def colab_link(app: Sphinx, docname: str) -> str | None:
    """The Colab address of this page's notebook, built as sphinx-book-theme builds its button."""
    options = app.config.html_theme_options or {}
    colab = (options.get("launch_buttons") or {}).get("colab_url", "").strip("/")
    repository = (options.get("repository_url") or "").rstrip("/")
    if not colab or "github.com/" not in repository:
        return None
    org_repo = "/".join(repository.split("github.com/", 1)[1].split("/")[:2])
    branch = options.get("repository_branch") or "master"
    prefix = (options.get("path_to_docs") or "").strip("/")
    path = f"{prefix}/{docname}.ipynb" if prefix else f"{docname}.ipynb"
    return f"{colab}/github/{org_repo}/blob/{branch}/{path}"


def live_note(app: Sphinx, docname: str) -> nodes.admonition:
    note = nodes.admonition(classes=["note", LIVE_TAG])
    note += nodes.title(text=NOTE_TITLE)
    paragraph = nodes.paragraph()
    paragraph += nodes.Text(NOTE_BEFORE_LINK)
    url = colab_link(app, docname)
    paragraph += nodes.reference("", "Colab", refuri=url) if url else nodes.Text("Colab")
    paragraph += nodes.Text(NOTE_AFTER_LINK)
    note += paragraph
    return note


def mark_live_explorers(app: Sphinx, doctree: nodes.document) -> None:
    widget_cells = doctree.attributes.pop(WIDGET_CELLS, {})
    for cell in list(doctree.findall(nodes.container)):
        if cell.get("nb_element") != "cell_code":
            continue
        tags = (cell.get("cell_metadata") or {}).get("tags", [])
        index = cell.get("cell_index")
        removed = any(tag in tags for tag in REMOVE_OUTPUT_TAGS)
        displayed_widget = index in widget_cells
        shown = displayed_widget and widget_cells[index] and not removed
        if LIVE_TAG not in tags and (not displayed_widget or shown):
            continue
        for output in [c for c in cell.children if c.get("nb_element") == "cell_code_output"]:
            cell.remove(output)
        cell += live_note(app, app.env.docname)


def setup(app: Sphinx) -> dict:
    reader = MditRenderMixin._get_nb_code_cell_outputs  # fails loudly if myst-nb renames it
    if not hasattr(reader, "__wrapped__"):
        MditRenderMixin._get_nb_code_cell_outputs = _record_widget_outputs(reader)
    app.connect("doctree-read", mark_live_explorers)
    app.connect("html-page-context", dedupe_page_assets, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
