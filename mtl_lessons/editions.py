"""Notebook editions of the chapters: the website's MyST markup rewritten for Jupyter and Colab.

    python -m mtl_lessons.editions [--out DIR]   # the reader's edition of every notebook of book/

The chapters are written for Jupyter Book: exercises and solutions are MyST directives, links to
other pages are ``{doc}`` and ``{ref}`` roles, and the hidden checks of the text are cells tagged
``remove-cell``. A notebook interface shows all of that raw. The reader's edition (what the
website's download and Colab buttons open) keeps every code cell as it is, in the same order, and
rewrites the rest as Jupyter and Colab render it: each exercise a titled Markdown heading numbered
as on the website ("Exercise 8.4"), each solution folded in an HTML ``<details>`` block (its code
cells folded too), each cross-reference a link to the website's page, and each hidden check a folded
code cell. The student's edition (``mtl_lessons.classroom``) rewrites its Markdown the same way.
"""

from __future__ import annotations

import argparse
import copy
import posixpath
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat.v4 import new_markdown_cell

EXERCISE = re.compile(r"^```\{exercise\}[ \t]*(?P<title>[^\n]*)\n(?P<options>(?::[^\n]*\n)*)"
                      r"(?P<body>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
SOLUTION_START = re.compile(r"^```\{solution-start\}[ \t]*(?P<label>\S+)[ \t]*\n(?::[^\n]*\n)*```[ \t]*$",
                            re.MULTILINE)
SOLUTION_END = re.compile(r"^```\{solution-end\}[ \t]*\n```[ \t]*$", re.MULTILINE)
ROLE = re.compile(r"\{(?P<role>doc|ref)\}`(?P<content>[^`]+)`")
TARGET = re.compile(r"^\((?P<label>[^)\s]+)\)=[ \t]*$", re.MULTILINE)
LABEL_OPTION = re.compile(r"^:label:\s*(\S+)", re.MULTILINE)
# Any MyST role or directive that a notebook interface would show raw.
LEFTOVER_MARKUP = re.compile(r"^(?:`{3,}|:{3,})\{[\w-]+\}|\{[\w-]+\}`", re.MULTILINE)

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
HIDDEN_CHECK_TITLE = "Check of the text's numbers (hidden on the website; folded here)"
SETUP_TITLE = "Setup: installs the book's package in Colab (run this cell first)"
HIDDEN_CELL_TITLE = "Hidden on the website (folded here)"
LICENCE = ("Text, figures and exercises: [CC BY 4.0](https://creativecommons.org/licenses/by/4.0/); "
           "code: MIT licence.")


@dataclass(frozen=True)
class Book:
    """What the rewriting needs to know of the whole book: its pages, their titles and labels."""

    site_url: str  # where the website is published, ending in "/"
    titles: dict[str, str]  # docname ("book/08_balancing") -> the page's title
    labels: dict[str, tuple[str, str]]  # label -> (docname, title): targets and exercises
    exercise_numbers: dict[str, str]  # exercise label -> its number on the website, "8.4"

    @classmethod
    def read(cls, root: Path, site_url: str | None = None) -> Book:
        """Read the pages under ``root/book``; the site's address from ``root/_config.yml``."""
        root = Path(root)
        if site_url is None:
            import yaml

            config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
            site_url = (config.get("html") or {}).get("baseurl")
            if not site_url:
                raise ValueError(f"{root / '_config.yml'} must set html.baseurl, the website's address")
        pages = sorted(p for p in (root / "book").rglob("*") if p.suffix in (".ipynb", ".md")
                       and ".ipynb_checkpoints" not in p.parts)
        return cls.from_pages({p.relative_to(root).with_suffix("").as_posix(): p for p in pages}, site_url)

    @classmethod
    def from_pages(cls, pages: dict[str, Path | nbformat.NotebookNode], site_url: str) -> Book:
        """The book made of ``pages`` (docname -> notebook, or its file, or a Markdown file), published
        at ``site_url``."""
        titles, labels, numbers = {}, {}, {}
        for docname, page in pages.items():
            texts = _markdown_texts(page)
            chapter = chapter_number(docname)
            title = _first_heading("\n\n".join(texts)) or docname.rsplit("/", 1)[-1]
            titles[docname] = f"{chapter}. {title}" if chapter else title
            exercises = [m for text in texts for m in EXERCISE.finditer(text)]
            for k, match in enumerate(exercises, start=1):
                label = exercise_label(match)
                if label:
                    labels[label] = (docname, match.group("title").strip())
                    numbers[label] = f"{chapter}.{k}" if chapter else str(k)
            for text in texts:
                for target in TARGET.finditer(text):
                    heading = _first_heading(text[target.end():], level=None)
                    labels[target.group("label")] = (docname, heading or target.group("label"))
        return cls(site_url.rstrip("/") + "/", titles, labels, numbers)

    @classmethod
    def around(cls, notebook: Path) -> tuple[Book, str]:
        """The book a notebook belongs to, and its docname: the repository above ``book/`` when there
        is one (with its ``_config.yml``), else a book of this one notebook."""
        notebook = Path(notebook).resolve()
        root = book_root(notebook)
        if root is not None:
            return cls.read(root), notebook.relative_to(root).with_suffix("").as_posix()
        return cls.from_pages({notebook.stem: notebook}, "./"), notebook.stem

    def url(self, docname: str, anchor: str = "") -> str:
        """The website's address of a page (and of an anchor on it)."""
        return f"{self.site_url}{docname}.html" + (f"#{anchor}" if anchor else "")


def book_root(path: Path) -> Path | None:
    """The book's repository that holds ``path`` under its ``book/`` folder (it has ``_config.yml``)."""
    path = Path(path).resolve()
    return next((folder for folder in path.parents
                 if (folder / "_config.yml").is_file() and folder / "book" in path.parents), None)


def exercise_label(match: re.Match) -> str | None:
    """The ``:label:`` of an ``{exercise}`` block that ``EXERCISE`` matched."""
    label = LABEL_OPTION.search(match.group("options"))
    return label.group(1) if label else None


def chapter_number(docname: str) -> int | None:
    """The chapter's number from its file name ("book/08_balancing" -> 8); None for other pages."""
    name = docname.rsplit("/", 1)[-1]
    return int(name[:2]) if name[:2].isdigit() else None


def _markdown_texts(page: Path | nbformat.NotebookNode) -> list[str]:
    if isinstance(page, Path) and page.suffix == ".md":
        return [page.read_text(encoding="utf-8")]
    nb = nbformat.read(page, as_version=4) if isinstance(page, Path) else page
    return [c.source for c in nb.cells if c.cell_type == "markdown"]


def _first_heading(text: str, level: int | None = 1) -> str | None:
    pattern = r"^#\s+(.+)$" if level == 1 else r"^#{1,6}\s+(.+)$"
    match = re.search(pattern, text, re.MULTILINE)
    return match.group(1).strip() if match else None


def _resolve_doc(target: str, docname: str) -> str:
    """A ``{doc}`` target as a docname: relative to the page's folder, or absolute from the root."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(docname), target))


def _link(match: re.Match, docname: str, book: Book) -> str:
    content = match.group("content").strip()
    explicit = re.fullmatch(r"(?P<text>.*?)\s*<(?P<target>[^<>]+)>", content, re.DOTALL)
    text, target = (explicit.group("text"), explicit.group("target")) if explicit else (None, content)
    if match.group("role") == "doc":
        page = _resolve_doc(target, docname)
        if page not in book.titles:
            raise ValueError(f"{docname}: {{doc}} names {target!r}, which is no page of the book")
        return f"[{text or book.titles[page]}]({book.url(page)})"
    if target not in book.labels:
        raise ValueError(f"{docname}: {{ref}} names {target!r}, which is no label of the book")
    page, title = book.labels[target]
    return f"[{text or title}]({book.url(page, target)})"


def _exercise_heading(match: re.Match, book: Book, docname: str) -> str:
    """An ``{exercise}`` block as Markdown: an anchor, a numbered, titled heading, then its text."""
    label = exercise_label(match)
    if label is None:
        raise ValueError(f"{docname}: an exercise has no :label: ({match.group('title')!r})")
    title = match.group("title").strip()
    heading = f"Exercise {book.exercise_numbers[label]}" + (f": {title}" if title else "")
    return f'<a id="{label}"></a>\n\n### {heading}\n\n{match.group("body").strip()}\n'


def notebook_markdown(text: str, docname: str, book: Book) -> str:
    """One Markdown text with the book's exercises, cross-references and targets rewritten.

    Solution markers are left for :func:`reader_edition` (a solution spans several cells).
    """
    chapter = chapter_number(docname)
    if chapter is not None:  # the chapter's title, numbered as on the website
        text = re.sub(r"^# (?!\d+\. )", f"# {chapter}. ", text, count=1, flags=re.MULTILINE)
    text = EXERCISE.sub(lambda m: _exercise_heading(m, book, docname), text)
    text = ROLE.sub(lambda m: _link(m, docname, book), text)
    return TARGET.sub(lambda m: f'<a id="{m.group("label")}"></a>', text)


def leftover_markup(text: str) -> list[str]:
    """The MyST roles and directives left in a text (empty when a notebook interface renders it all)."""
    return [m.group(0) for m in LEFTOVER_MARKUP.finditer(text)]


def fold_code(cell: nbformat.NotebookNode, title: str) -> nbformat.NotebookNode:
    """A code cell folded in Jupyter (``source_hidden``) and shown as a titled form in Colab."""
    cell = copy.deepcopy(cell)
    cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
    cell.metadata["cellView"] = "form"
    cell.source = f"# @title {title}\n{cell.source}"
    return cell


def unfold(source: str) -> str:
    """The code of a cell that :func:`fold_code` folded (its title line removed)."""
    return re.sub(r"\A# @title [^\n]*\n", "", source)


def fold_hidden(cell: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The setup cell and the hidden checks folded under their titles; any other cell unchanged."""
    if "mtl-setup" in cell.metadata.get("tags", []):
        return fold_code(cell, SETUP_TITLE)
    if _is_hidden(cell):
        checks = re.search(r"^\s*assert\b", cell.source, re.MULTILINE)
        return fold_code(cell, HIDDEN_CHECK_TITLE if checks else HIDDEN_CELL_TITLE)
    return cell


def copy_outputs(target: nbformat.NotebookNode, executed: nbformat.NotebookNode,
                 as_website: bool = False) -> nbformat.NotebookNode:
    """``target`` with the outputs of ``executed``, a run of the same code cells (either may be an
    edition: folded cells compare by their code). ``as_website`` keeps what the website shows of
    them: no stderr (the build drops it) and no widget views (without a kernel they are only text)."""
    target = copy.deepcopy(target)
    cells = [c for c in target.cells if c.cell_type == "code"]
    ran = [c for c in executed.cells if c.cell_type == "code"]
    if [unfold(c.source) for c in cells] != [unfold(c.source) for c in ran]:
        raise ValueError("the executed notebook's code cells are not the notebook's: execute it again")
    for cell, done in zip(cells, ran, strict=True):
        outputs = copy.deepcopy(done.get("outputs", []))
        if as_website:
            widget = any(WIDGET_VIEW in o.get("data", {}) for o in outputs)
            outputs = [] if widget else [o for o in outputs if o.get("name") != "stderr"]
        cell.outputs, cell.execution_count = outputs, done.get("execution_count")
    return target


def _markdown_cell(text: str, cell_id: str) -> nbformat.NotebookNode:
    """A Markdown cell whose id comes from the source cell's, so an edition is the same on every run."""
    cell = new_markdown_cell(text)
    cell.id = cell_id[:64]
    return cell


def _details(text: str, summary: str) -> str:
    # the blank lines let Jupyter and Colab render the Markdown and the formulas inside the block
    return f"<details>\n<summary><b>{summary}</b></summary>\n\n{text.strip()}\n\n</details>"


def _is_hidden(cell: nbformat.NotebookNode) -> bool:
    tags = cell.metadata.get("tags", [])
    return "remove-cell" in tags and "mtl-setup" not in tags


def reader_edition(nb: nbformat.NotebookNode, docname: str, book: Book) -> nbformat.NotebookNode:
    """The reader's edition of one notebook: same code cells in the same order, Markdown for notebooks."""
    out = copy.deepcopy(nb)
    cells: list[nbformat.NotebookNode] = []
    solution: str | None = None  # the number of the exercise whose solution is open
    for cell in out.cells:
        if cell.cell_type == "code":
            if solution is not None and not _is_hidden(cell):
                cell = fold_code(cell, f"Solution to Exercise {solution} (code)")
                cell.outputs = []  # what it prints would give the answer away before it is opened
                cell.metadata["jupyter"]["outputs_hidden"] = True
            elif "hide-input" in cell.metadata.get("tags", []):
                cell = fold_code(cell, "Code (folded on the website too)")
            else:
                cell = fold_hidden(cell)
            if {"hide-output", "remove-output"} & set(cell.metadata.get("tags", [])):
                cell.metadata.setdefault("jupyter", {})["outputs_hidden"] = True
            cells.append(cell)
            caption = cell.metadata.get("mystnb", {}).get("figure", {}).get("caption")
            if caption:  # the website's figure caption, under the figure
                text = f"*Figure: {notebook_markdown(caption, docname, book)}*"
                cells.append(_markdown_cell(text, f"{cell.id}-caption"))
            continue
        if cell.cell_type != "markdown":
            cells.append(cell)
            continue
        pieces, solution = _split_solutions(cell.source, solution, docname, book)
        for k, text in enumerate(pieces):
            if text.strip():
                cells.append(_markdown_cell(notebook_markdown(text.strip(), docname, book), f"{cell.id}-{k}"))
    out.cells = _add_banner(cells, docname, book)
    out.metadata["mtl_edition"] = {"kind": "reader", "source": f"{docname}.ipynb"}
    out.metadata["colab"] = {"toc_visible": True}
    for text in (c.source for c in out.cells if c.cell_type == "markdown"):
        if leftover_markup(text):
            raise ValueError(f"{docname}: markup a notebook shows raw is left: {leftover_markup(text)}")
    return out


def _split_solutions(text: str, solution: str | None, docname: str,
                     book: Book) -> tuple[list[str], str | None]:
    """Cut a Markdown cell at its solution markers; the parts inside a solution become folded blocks."""
    pieces: list[str] = []
    position = 0
    markers = sorted([*SOLUTION_START.finditer(text), *SOLUTION_END.finditer(text)], key=lambda m: m.start())
    for marker in markers:
        pieces.append(_fold(text[position:marker.start()], solution))
        if marker.re is SOLUTION_START:
            label = marker.group("label")
            if label not in book.exercise_numbers:
                raise ValueError(f"{docname}: a solution names {label!r}, which is no exercise of the book")
            solution = book.exercise_numbers[label]
        else:
            solution = None
        position = marker.end()
    pieces.append(_fold(text[position:], solution))
    return pieces, solution


def _fold(text: str, solution: str | None) -> str:
    if solution is None or not text.strip():
        return text
    return _details(text, f"Solution to Exercise {solution}")


def _add_banner(cells: list, docname: str, book: Book) -> list:
    """After the title: where the website's page is, how the edition folds things, the licence."""
    banner = _markdown_cell(
        f"*The notebook edition of [this page of the book's website]({book.url(docname)}). "
        "Run the cells from the top. Solutions are folded (open them with ▸ Solution), and so are the "
        f"cells that check the numbers the text states. {LICENCE}*", "mtl-edition-banner")
    first_markdown = next((i for i, c in enumerate(cells) if c.cell_type == "markdown"), -1)
    return [*cells[: first_markdown + 1], banner, *cells[first_markdown + 1:]]


def write_reader_editions(root: Path, out: Path, book: Book | None = None) -> list[Path]:
    """Write the reader's edition of every notebook under ``root/book`` to ``out``, as the book's paths."""
    root, out = Path(root), Path(out)
    book = book or Book.read(root)
    written = []
    for page in sorted((root / "book").rglob("*.ipynb")):
        if ".ipynb_checkpoints" in page.parts:
            continue
        docname = page.relative_to(root).with_suffix("").as_posix()
        edition = reader_edition(nbformat.read(page, as_version=4), docname, book)
        target = out / f"{docname}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.validate(edition)
        nbformat.write(edition, target)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=Path("."), help="the book's repository (default: here)")
    parser.add_argument("--out", type=Path, default=Path("_build/editions/reader"))
    args = parser.parse_args(argv)
    written = write_reader_editions(args.root, args.out)
    print(f"{len(written)} reader's editions written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
