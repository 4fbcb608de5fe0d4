"""The reader's editions: the book's MyST markup rewritten for Jupyter and Colab, code untouched.

`make test` executes every reader's edition (it is what nbval runs, in the Colab stand-in); these
tests check, without running anything, what the rewriting promises.
"""

import importlib
import inspect
import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from mtl_lessons.classroom import find_exercises
from mtl_lessons.editions import Book, leftover_markup, reader_edition, unfold
from tools import notebooks as nbtools

ROOT = nbtools.ROOT
SITE = "https://example.org/book-site/"

CHAPTER = [
    new_markdown_cell("# Tiny chapter\n\nSee {doc}`the other page <other>` and {doc}`other`, "
                      "and {ref}`the question <tiny-q>`."),
    new_code_cell("x = 1", metadata={"tags": ["remove-cell", "mtl-setup"]}),
    new_code_cell("y = 2"),
    new_code_cell("assert y == 2", metadata={"tags": ["remove-cell"]}),
    new_markdown_cell("(tiny-q)=\n## A question\n\n```{exercise} Add them\n:label: tiny-ex-1\n\n"
                      "Compute $x + y$.\n```"),
    new_code_cell("answer = ..."),
    new_markdown_cell("```{solution-start} tiny-ex-1\n:class: dropdown\n```\nIt is $3$."),
    new_code_cell("answer = x + y"),
    new_code_cell("assert answer == 3", metadata={"tags": ["remove-cell"]}),
    new_markdown_cell("The end of the solution.\n\n```{solution-end}\n```\n\n## References\n\nNone."),
]


def tiny_book() -> Book:
    return Book(SITE, {"book/03_tiny": "Tiny chapter", "book/other": "The other page"},
                {"tiny-q": ("book/03_tiny", "A question"), "tiny-ex-1": ("book/03_tiny", "Add them")},
                {"tiny-ex-1": "3.1"})


def test_a_chapter_becomes_markdown_a_notebook_renders_with_the_same_code_cells():
    edition = reader_edition(new_notebook(cells=CHAPTER), "book/03_tiny", tiny_book())
    markdown = "\n\n".join(c.source for c in edition.cells if c.cell_type == "markdown")
    assert not leftover_markup(markdown)
    assert "[the other page](https://example.org/book-site/book/other.html)" in markdown
    assert "[The other page](https://example.org/book-site/book/other.html)" in markdown
    assert "[the question](https://example.org/book-site/book/03_tiny.html#tiny-q)" in markdown
    assert '<a id="tiny-q"></a>\n## A question' in markdown
    assert '<a id="tiny-ex-1"></a>\n\n### Exercise 3.1: Add them\n\nCompute $x + y$.' in markdown
    assert "<summary><b>Solution to Exercise 3.1</b></summary>\n\nIt is $3$.\n\n</details>" in markdown
    assert "<summary><b>Solution to Exercise 3.1</b></summary>\n\nThe end of the solution." in markdown
    assert any(c.source == "## References\n\nNone." for c in edition.cells)
    code = [c for c in edition.cells if c.cell_type == "code"]
    assert [unfold(c.source) for c in code] == [c.source for c in CHAPTER if c.cell_type == "code"]
    folded = [c.source.split("\n")[0] for c in code if c.metadata.get("jupyter", {}).get("source_hidden")]
    assert folded == ["# @title Setup: installs the book's package in Colab (run this cell first)",
                      "# @title Check of the text's numbers (hidden on the website; folded here)",
                      "# @title Solution to Exercise 3.1 (code)",
                      "# @title Check of the text's numbers (hidden on the website; folded here)"]
    assert all(c.metadata["cellView"] == "form" for c in code if c.metadata.get("jupyter"))
    solution = next(c for c in code if c.source.startswith("# @title Solution"))
    assert solution.metadata["jupyter"]["outputs_hidden"] is True  # its output would give the answer
    assert code[1].source == "y = 2" and code[3].source == "answer = ..."  # the rest as it is
    assert edition.metadata["mtl_edition"] == {"kind": "reader", "source": "book/03_tiny.ipynb"}
    assert edition.cells[0].source.startswith("# 3. Tiny chapter\n")  # numbered as on the website
    banner = edition.cells[1].source
    assert "https://example.org/book-site/book/03_tiny.html" in banner and "CC BY 4.0" in banner


@pytest.mark.parametrize("cell, message", [
    (new_markdown_cell("{doc}`missing`"), "no page of the book"),
    (new_markdown_cell("{ref}`nowhere`"), "no label of the book"),
    (new_markdown_cell("```{exercise} No label\n\nText.\n```"), "has no :label:"),
    (new_markdown_cell("```{note}\nA note.\n```"), "markup a notebook shows raw"),
])
def test_markup_it_cannot_rewrite_stops_it_with_the_reason(cell, message):
    with pytest.raises(ValueError, match=message):
        reader_edition(new_notebook(cells=[cell]), "book/03_tiny", tiny_book())


@pytest.fixture(scope="module")
def book() -> Book:
    return Book.read(ROOT)


@pytest.mark.parametrize("path", nbtools.notebook_paths(), ids=lambda p: p.stem)
def test_every_notebook_has_an_edition_with_its_code_and_links_to_real_pages(path, book):
    docname = path.relative_to(ROOT).with_suffix("").as_posix()
    source = nbtools.load(path)
    edition = reader_edition(source, docname, book)
    nbformat.validate(edition)
    assert nbformat.writes(reader_edition(source, docname, book)) == nbformat.writes(edition)  # repeatable
    assert len({c.id for c in edition.cells}) == len(edition.cells)
    assert [unfold(c.source) for c in edition.cells if c.cell_type == "code"] == [
        c.source for c in source.cells if c.cell_type == "code"]
    markdown = "\n".join(c.source for c in edition.cells if c.cell_type == "markdown")
    assert not leftover_markup(markdown)
    for page, anchor in re.findall(re.escape(book.site_url) + r"([\w/.-]+)\.html(?:#([\w-]+))?", markdown):
        assert page in book.titles, f"{docname} links to {page}, no page of the book"
        assert not anchor or anchor in book.labels, f"{docname} links to the anchor {anchor}, no label"


def test_the_site_address_is_the_configured_one(book):
    assert book.site_url == nbtools.book_config()["html"]["baseurl"]
    url, _ = nbtools.repository()
    owner, name = url.removeprefix("https://github.com/").split("/")
    assert book.site_url == f"https://{owner}.github.io/{name}/", "GitHub Pages of the repository"


def test_exercise_numbers_are_chapter_dot_rank_and_the_checkers_say_the_same(book):
    """One numbering: the website (tools/site_fixes.py renumbers), the editions and the checkers."""
    for path in nbtools.chapter_paths():
        chapter = int(path.name[:2])
        for rank, exercise in enumerate(find_exercises(nbtools.load(path))[1], start=1):
            number = f"{chapter}.{rank}"
            assert book.exercise_numbers[exercise.label] == number
            checker = getattr(importlib.import_module(exercise.module), exercise.checker)
            assert re.match(rf"Exercise {re.escape(number)}\b", inspect.getdoc(checker) or ""), (
                f"{exercise.checker}'s docstring should begin 'Exercise {number}'")


def test_an_edition_takes_the_outputs_of_a_run_of_the_same_code_and_refuses_another():
    from mtl_lessons.editions import copy_outputs

    edition = reader_edition(new_notebook(cells=CHAPTER), "book/03_tiny", tiny_book())
    ran = new_notebook(cells=[nbformat.from_dict(dict(c)) for c in CHAPTER])
    stdout = nbformat.v4.new_output("stream", name="stdout", text="2\n")
    stderr = nbformat.v4.new_output("stream", name="stderr", text="a log line\n")
    widget = nbformat.v4.new_output("display_data", data={
        "application/vnd.jupyter.widget-view+json": {"model_id": "m"}, "text/plain": "interactive(...)"})
    code = [c for c in ran.cells if c.cell_type == "code"]
    code[1].outputs, code[2].outputs = [stdout, stderr], [widget]
    full = [c for c in copy_outputs(edition, ran).cells if c.cell_type == "code"]
    shown = [c for c in copy_outputs(edition, ran, as_website=True).cells if c.cell_type == "code"]
    assert [len(c.outputs) for c in full][:3] == [0, 2, 1]
    assert shown[1].outputs == [stdout] and shown[2].outputs == []
    assert full[0].source.startswith("# @title")  # the edition's cells, with the run's outputs
    code[1].source = "y = 3"
    with pytest.raises(ValueError, match="not the notebook's"):
        copy_outputs(edition, ran)
