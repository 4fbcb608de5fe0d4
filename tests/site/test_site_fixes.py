"""The website's Sphinx extension (tools/site_fixes.py) on small documents, without a build."""

from types import SimpleNamespace

from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document

from tools import site_fixes

OPTIONS = {"repository_url": "https://github.com/owner/book", "repository_branch": "main",
           "path_to_docs": "", "launch_buttons": {"colab_url": "https://colab.research.google.com"}}
APP = SimpleNamespace(config=SimpleNamespace(html_theme_options=OPTIONS, mtl_editions_branch="gh-pages"),
                      env=SimpleNamespace(docname="book/03_loss"))


def cell(index, tags=(), output=True):
    container = nodes.container(nb_element="cell_code", cell_index=index,
                                cell_metadata={"tags": list(tags)})
    container += nodes.container(nb_element="cell_code_source")
    if output:
        container += nodes.container(nb_element="cell_code_output")
    return container


def document(*cells, widget_cells=None):
    doc = new_document("test", get_default_settings(Parser))
    for c in cells:
        doc += c
    if widget_cells is not None:
        doc[site_fixes.WIDGET_CELLS] = widget_cells
    return doc


def notes(container):
    return [n for n in container.findall(nodes.admonition) if site_fixes.LIVE_TAG in n["classes"]]


def outputs(container):
    return [c for c in container.children if c.get("nb_element") == "cell_code_output"]


def test_a_removed_widget_gets_the_note_with_the_notebooks_colab_link():
    removed, shown, unsaved, tagged, plain = (
        cell(0, ["remove-output"], output=False), cell(1), cell(2), cell(3, ["live-explorer"]), cell(4))
    doc = document(removed, shown, unsaved, tagged, plain, widget_cells={0: True, 1: True, 2: False})
    site_fixes.mark_live_explorers(APP, doc)
    assert [len(notes(c)) for c in (removed, shown, unsaved, tagged, plain)] == [1, 0, 1, 1, 0]
    assert [len(outputs(c)) for c in (shown, unsaved, tagged, plain)] == [1, 0, 0, 1]
    link = next(removed.findall(nodes.reference))
    assert link["refuri"] == (
        "https://colab.research.google.com/github/owner/book/blob/gh-pages/_sources/book/03_loss.ipynb")
    assert site_fixes.WIDGET_CELLS not in doc.attributes


def test_without_a_repository_the_note_names_colab_without_a_link():
    app = SimpleNamespace(config=SimpleNamespace(html_theme_options={}), env=APP.env)
    removed = cell(0, ["remove-output"], output=False)
    site_fixes.mark_live_explorers(app, document(removed, widget_cells={0: True}))
    assert len(notes(removed)) == 1 and not list(removed.findall(nodes.reference))


def test_the_recorder_notes_which_cells_displayed_a_widget_and_whether_its_state_was_saved():
    view = {"data": {site_fixes.WIDGET_VIEW: {"model_id": "a"}}}
    other = {"data": {site_fixes.WIDGET_VIEW: {"model_id": "b"}}}
    by_index = {0: [view], 1: [other], 2: [{"data": {"text/plain": "1"}}]}
    recorder = site_fixes._record_widget_outputs(lambda self, token: (1, by_index[token.meta["index"]]))
    doc = document()
    renderer = SimpleNamespace(document=doc, nb_client=SimpleNamespace(nb_metadata={
        "widgets": {site_fixes.WIDGET_STATE: {"state": {"a": {}}}}}))
    for index in by_index:
        assert recorder(renderer, SimpleNamespace(meta={"index": index}))[1] == by_index[index]
    assert doc[site_fixes.WIDGET_CELLS] == {0: True, 1: False}


def test_equal_scripts_are_kept_once_in_their_first_place():
    first = SimpleNamespace(filename=None, attributes={"body": "const A = 1"})
    again = SimpleNamespace(filename="", attributes={"body": "const A = 1"})
    other = SimpleNamespace(filename="_static/x.js", attributes={})
    context = {"script_files": [first, other, again], "css_files": ["a.css", "a.css"]}
    site_fixes.dedupe_page_assets(None, "page", "page.html", context, None)
    assert context["script_files"] == [first, other]
    assert context["css_files"] == ["a.css"]


def test_a_chapter_title_gets_the_chapter_number_and_other_pages_keep_theirs():
    for docname, expected in [("book/08_balancing", "8. Balancing tasks"),
                              ("book/appendix/glossary", "Glossary")]:
        doc = document()
        section = nodes.section()
        section += nodes.title(text=expected.split(". ")[-1])
        doc += section
        site_fixes.number_chapter_title(SimpleNamespace(env=SimpleNamespace(docname=docname)), doc)
        assert section[0].astext() == expected


def test_exercises_get_the_chapter_number_and_their_rank_in_it():
    numbers = {"book/08_balancing": {"exercise": {"b": (29,), "a": (28,)}, "figure": {"f": (3,)}},
               "book/index": {"exercise": {"x": (1,)}}}
    changed = site_fixes.number_exercises_by_chapter(None, SimpleNamespace(toc_fignumbers=numbers))
    assert changed == ["book/08_balancing"]
    assert numbers["book/08_balancing"] == {"exercise": {"a": (8, 1), "b": (8, 2)}, "figure": {"f": (3,)}}
    assert numbers["book/index"] == {"exercise": {"x": (1,)}}
    assert site_fixes.number_exercises_by_chapter(None, SimpleNamespace(toc_fignumbers=numbers)) == []
