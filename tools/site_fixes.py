"""Sphinx extension for the book's website (listed under sphinx.local_extensions in _config.yml).

Five things that Jupyter Book 1.0.4 leaves undone:

* **Each inline script once.** An inline script that an extension adds after the HTML builder
  has started (sphinx-thebe's ``const THEBE_JS_URL = ...``, even with the Thebe launch button
  off; sphinx-togglebutton's selector) reaches every page twice: Sphinx 7.4 stores it when it is
  added (file name ``None``) and again when it replays its registry before writing (file name
  ``""``), and the two do not compare equal. Declaring a ``const`` twice is a console error on
  every page. The page context keeps the first of equal scripts (and stylesheets).

* **Numbered chapters.** A chapter's number is its file's (``08_balancing`` is chapter 8): its
  title gets it ("8. Balancing tasks") before Sphinx records the title, so the page, the navigation
  and every link to it show it (Jupyter Book's own numbering restarts in each part of the book).

* **Exercises numbered by chapter.** sphinx-exercise numbers the exercises across the whole book
  ("Exercise 28"); the checkers, the notebook editions and the student editions say "Exercise 8.4"
  (chapter 8's fourth). After Sphinx has assigned its numbers, each chapter's exercises are given
  the chapter's number and their rank in it, so the titles and every reference agree.

* **Notebook editions behind the buttons.** The ".ipynb" download button serves the page's copy
  in ``_sources``: after the build that copy is replaced by the reader's edition
  (``mtl_lessons.editions``: exercises, solutions and links rewritten for Jupyter and Colab), and
  the Colab button opens that same file from the branch the site is published on
  (``mtl_editions_branch``, gh-pages), so both give the notebook written for a notebook interface.

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

from pathlib import Path
from typing import Any

import nbformat
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
    """The Colab address of this page's reader's edition: ``_sources/<page>.ipynb`` on the branch the
    website is published on (the site's own copy, replaced by the edition after the build)."""
    options = app.config.html_theme_options or {}
    colab = (options.get("launch_buttons") or {}).get("colab_url", "").strip("/")
    repository = (options.get("repository_url") or "").rstrip("/")
    if not colab or "github.com/" not in repository:
        return None
    org_repo = "/".join(repository.split("github.com/", 1)[1].split("/")[:2])
    return f"{colab}/github/{org_repo}/blob/{app.config.mtl_editions_branch}/_sources/{docname}.ipynb"


def point_colab_at_editions(app: Sphinx, pagename: str, templatename: str, context: dict,
                            doctree: nodes.document | None) -> None:
    """The theme's Colab button opens the reader's edition instead of the source notebook."""
    url = colab_link(app, pagename)
    for group in context.get("header_buttons", []):
        for button in group.get("buttons", []) if isinstance(group, dict) else []:
            if button.get("text") == "Colab" and url:
                button["url"] = url


def write_editions(app: Sphinx, exception: Exception | None) -> None:
    """Replace each notebook's copy in ``_sources`` (the download button's file) by its reader's edition."""
    if exception is not None or app.builder.format != "html":
        return
    from jupyter_cache import get_cache

    from mtl_lessons.editions import Book, copy_outputs, reader_edition

    root = Path(app.srcdir)
    book = Book.read(root, app.config.html_baseurl or None)
    cache = get_cache(str(app.env.mystnb_config.execution_cache_path
                          or Path(app.outdir).parent / ".jupyter_cache"))
    for docname in app.env.found_docs:
        source = root / f"{docname}.ipynb"
        target = Path(app.outdir) / "_sources" / f"{docname}.ipynb"
        if not (source.is_file() and target.parent.is_dir()):
            continue
        notebook = nbformat.read(source, as_version=4)
        try:  # the execution the page shows, from the build's cache: figures, tables, printed results
            notebook = copy_outputs(notebook, cache.merge_match_into_notebook(notebook)[1], as_website=True)
        except KeyError:  # not executed (a build without the cache): the edition goes without outputs
            pass
        nbformat.write(reader_edition(notebook, docname, book), target)


# --- numbered chapters and exercises -----------------------------------------------------------

def number_chapter_title(app: Sphinx, doctree: nodes.document) -> None:
    """Put the chapter's number before its title ("8. Balancing tasks"), as the editions do."""
    from mtl_lessons.editions import chapter_number

    number = chapter_number(app.env.docname)
    section = next(iter(doctree.findall(nodes.section)), None)
    if number is None or section is None or not isinstance(section[0], nodes.title):
        return
    section[0].insert(0, nodes.Text(f"{number}. "))


def number_exercises_by_chapter(app: Sphinx, env: Any) -> list[str]:
    """Give each chapter's exercises the numbers (chapter, rank): "Exercise 8.4" on the page and in
    every reference. Runs after Sphinx's own numbering (across the book) on every build."""
    from mtl_lessons.editions import chapter_number

    changed = []
    for docname, numbers in env.toc_fignumbers.items():
        exercises, chapter = numbers.get("exercise"), chapter_number(docname)
        if not exercises or chapter is None:
            continue
        ranked = sorted(exercises, key=lambda node_id: exercises[node_id])
        renumbered = {node_id: (chapter, rank) for rank, node_id in enumerate(ranked, start=1)}
        if renumbered != exercises:
            numbers["exercise"] = renumbered
            changed.append(docname)
    return changed


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
    app.add_config_value("mtl_editions_branch", "gh-pages", "html")
    app.connect("doctree-read", number_chapter_title, priority=400)  # before Sphinx records titles
    app.connect("doctree-read", mark_live_explorers)
    app.connect("env-get-updated", number_exercises_by_chapter, priority=900)
    app.connect("html-page-context", point_colab_at_editions, priority=900)
    app.connect("build-finished", write_editions)
    app.connect("html-page-context", dedupe_page_assets, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
