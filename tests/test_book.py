"""The book's conventions, checked on the notebook sources (no execution here)."""

import re
from pathlib import Path

import pytest

from tools import notebooks as nbtools

ROOT = nbtools.ROOT
NOTEBOOKS = nbtools.notebook_paths()
IDS = [str(p.relative_to(ROOT)) for p in NOTEBOOKS]
CHAPTERS = nbtools.chapter_paths()
CHAPTER_IDS = [str(p.relative_to(ROOT)) for p in CHAPTERS]


def test_there_are_chapters():
    assert NOTEBOOKS, "no notebook found under book/"


def test_every_toc_entry_exists_and_every_notebook_is_listed():
    entries = nbtools.toc_files()
    for entry in entries:
        matches = [ROOT / f"{entry}{suffix}" for suffix in (".ipynb", ".md")]
        assert any(m.exists() for m in matches), f"_toc.yml lists {entry!r}, which does not exist"
    listed = {(ROOT / e).with_suffix(".ipynb") for e in entries}
    for path in NOTEBOOKS:
        assert path in listed, f"{path.relative_to(ROOT)} is not listed in _toc.yml"
    for path in (ROOT / "book").rglob("*.md"):
        assert path.with_suffix("") in {ROOT / e for e in entries}, f"{path} not in _toc.yml"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_is_stored_clean_with_the_setup_cell_first(path):
    assert nbtools.problems(nbtools.load(path), path.read_text(encoding="utf-8")) == []


def test_setup_cell_derives_from_the_one_repository_setting():
    url, branch = nbtools.repository()
    source = nbtools.setup_cell_source()
    assert f"git+{url}@v{nbtools.package_version()}" in source  # a release tag, never a branch
    assert f"@{branch}" not in source
    assert branch == "main"  # the launch buttons open the notebooks of the main branch
    config = nbtools.book_config()
    assert config["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    # the URL appears in no other tracked source file than _config.yml (and the generated cells)
    for path in [*ROOT.glob("*.md"), *ROOT.glob("*.toml"), *(ROOT / "mtl_lessons").rglob("*.py")]:
        assert url not in path.read_text(encoding="utf-8"), f"{path} repeats the repository URL"


def test_setup_cell_does_nothing_outside_colab():
    namespace: dict = {}
    exec(nbtools.setup_cell_source(), namespace)  # noqa: S102 - our own generated code
    assert "subprocess" not in namespace


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_seeds_and_asserts_its_claims(path):
    nb = nbtools.load(path)
    code = [nbtools.source_of(c) for c in nbtools.code_cells(nb)]
    assert any("set_seed(" in c for c in code), "the notebook never calls mtl_lessons.set_seed"
    hidden_asserts = [
        c for c in nbtools.code_cells(nb)
        if "remove-cell" in c.get("metadata", {}).get("tags", []) and "assert " in nbtools.source_of(c)
    ]
    assert hidden_asserts, "no hidden (remove-cell) assert cell backs the prose"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_needs_no_files_and_no_network(path):
    forbidden = re.compile(
        r"(urlopen|requests\.|urllib|wget|curl |fetch_openml|load_dataset\(|open\(|os\.chdir|"
        r"read_csv|np\.load\(|torch\.load\(|\.\./|https?://)"
    )
    for cell in nbtools.code_cells(nbtools.load(path))[1:]:
        match = forbidden.search(nbtools.source_of(cell))
        assert match is None, f"code cell uses {match.group(0)!r}: chapters must be self-contained"


@pytest.mark.parametrize("path", CHAPTERS, ids=CHAPTER_IDS)
def test_notebook_has_one_title_objectives_summary_exercises_references(path):
    markdown = "\n".join(nbtools.source_of(c) for c in nbtools.load(path)["cells"]
                         if c["cell_type"] == "markdown")
    listing = re.compile(r"^```(?!\{)[^\n]*\n.*?^```", flags=re.MULTILINE | re.DOTALL)  # code, not prose
    prose = listing.sub("", markdown)
    titles = re.findall(r"^# ", prose, flags=re.MULTILINE)
    assert len(titles) == 1, "a chapter has exactly one top-level heading"
    for section in ("objectives", "summary", "exercises", "references"):
        assert re.search(rf"^##+ .*{section}", markdown, flags=re.IGNORECASE | re.MULTILINE), (
            f"no '{section}' section heading")
    assert "{exercise}" in markdown and "{solution-start}" in markdown


def test_repository_file_layout():
    for name in ("README.md", "pyproject.toml", "requirements.txt", "Makefile", "_config.yml",
                 "_toc.yml", ".gitignore", "package.json", "package-lock.json", ".ci/run"):
        assert (ROOT / name).exists(), f"{name} is missing"
    requirements = (ROOT / "requirements.txt").read_text()
    torch_lines = [line for line in requirements.splitlines() if re.match(r"torch\b", line)]
    assert torch_lines == ["torch==2.13.0"]


def test_readme_starts_with_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    head = readme[:1500]
    assert "make book" in head and "make test" in head
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci


def test_notebook_tool_round_trip(tmp_path: Path):
    import nbformat

    nb = nbformat.from_dict(
        {"cells": [{"cell_type": "markdown", "metadata": {}, "source": "# T"},
                   {"cell_type": "code", "metadata": {}, "execution_count": 3,
                    "outputs": [{"output_type": "stream", "name": "stdout", "text": "x"}],
                    "source": "print(1)"}],
         "metadata": {"widgets": {}}, "nbformat": 4, "nbformat_minor": 4})
    found = nbtools.problems(nb)
    assert "first code cell is not the shared setup cell" in found
    assert "cell 1 has stored outputs" in found and "cell 1 has an execution count" in found
    assert "notebook metadata holds widget state" in found
    fixed = nbtools.normalise(nb)
    assert nbtools.problems(fixed) == []
    assert nbtools.source_of(nbtools.code_cells(fixed)[1]) == "print(1)"
    assert all("id" in cell for cell in fixed.cells)  # nbformat 4.5: every cell has an id
    assert nbtools.normalise(fixed) == fixed  # idempotent
    path = tmp_path / "chapter.ipynb"
    nbtools.save(path, fixed)
    assert nbtools.problems(nbtools.load(path), path.read_text()) == []  # stored in nbformat's layout
    path.write_text(path.read_text().replace('"cells": [', '"cells":['))
    assert nbtools.problems(nbtools.load(path), path.read_text()) == ["not stored in nbformat's own layout"]


# --------------------------------------------------------------------------- numbers in the prose

PROSE_NUMBER = re.compile(r"(?<![\w.\-/])(\d+\.\d+|\d+(?=\s?%))(\s?%)?")
NOT_A_MEASUREMENT = re.compile(  # versions, identifiers and citations are not measurements
    r"(arXiv:|doi:|TensorFlow |Keras |Python |PyTorch |torch |version |Jupyter Book |PMLR |pp\. )$")


def prose_numbers(markdown: str) -> list[tuple[str, set[float]]]:
    """Decimals and percentages a chapter's text states, with the values that would check them."""
    text = re.sub(r"```.*?```", " ", markdown, flags=re.S)  # directives and code blocks
    text = re.sub(r"`[^`]*`", " ", text)  # code spans
    text = re.sub(r"\]\([^)]*\)", "]", text)  # link targets
    found = []
    for match in PROSE_NUMBER.finditer(text):
        before = text[max(0, match.start() - 14): match.start()]
        if NOT_A_MEASUREMENT.search(before) or re.fullmatch(r"\d{4}\.\d{4,5}", match.group(1)):
            continue
        value = float(match.group(1))
        values = {round(value, 10)} | ({round(value / 100, 10)} if match.group(2) else set())
        found.append((match.group(0), values))
    return found


def code_literals(source: str) -> set[float]:
    """Every number written in a code cell: settings in visible cells, checked values in hidden ones."""
    values = set()
    for literal in re.findall(r"(?<![\w.])\d+(?:\.\d+)?(?:e-?\d+)?", source):
        values.add(round(float(literal), 10))
    return values


@pytest.mark.parametrize("path", CHAPTERS, ids=CHAPTER_IDS)
def test_every_number_the_prose_states_is_set_or_checked_in_code(path):
    """A decimal or a percentage in the text must be a setting of the code or checked by a hidden cell.

    A measured number that no cell mentions is a claim nobody checks: give it an assert at the
    precision the text states ("about 0.17" -> ``abs(x - 0.17) < 0.005``), or state it otherwise.
    """
    nb = nbtools.load(path)
    literals = set().union(*(code_literals(c.source) for c in nb.cells if c.cell_type == "code"))
    unchecked = [text for cell in nb.cells if cell.cell_type == "markdown"
                 for text, values in prose_numbers(cell.source) if not values & literals]
    assert unchecked == [], f"numbers in the text that no code cell sets or checks: {unchecked}"


def test_the_number_check_catches_an_unchecked_number():
    assert [t for t, _ in prose_numbers("error about 0.17, or 40 %; arXiv:1706.05098, TensorFlow 2.16")] == \
        ["0.17", "40 %"]
    assert code_literals("assert abs(x - 0.17) < 0.005  # 40 %") >= {0.17, 0.005, 40.0}


@pytest.mark.parametrize("path", nbtools.chapter_paths(), ids=lambda p: p.stem)
def test_every_chapter_has_at_least_three_exercises_with_checkers(path):
    from mtl_lessons.classroom import find_exercises

    exercises = find_exercises(nbtools.load(path))[1]
    assert len(exercises) >= 3, [e.label for e in exercises]


CODE_WIDTH = 116  # characters of code the site's text column shows at 1280 px (13 px monospace: 118), less 2
SOLUTION_WIDTH = 108  # ... and inside a folded solution, which is indented (889 px: 110), less 2


def shown_code_lines(path: Path):
    """(cell index, line, width allowed) for every line of a code cell the website shows."""
    hidden, in_solution = {"remove-cell", "remove-input"}, False
    for k, cell in enumerate(nbtools.load(path).cells):
        if cell.cell_type == "markdown":
            for marker in re.findall(r"\{solution-(start|end)\}", cell.source):
                in_solution = marker == "start"
        elif not hidden & set(cell.metadata.get("tags", [])):
            for line in cell.source.splitlines():
                yield k, line, SOLUTION_WIDTH if in_solution else CODE_WIDTH


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_shown_code_fits_the_text_column(path):
    """A reader of the website sees every line of a code cell without scrolling sideways (the
    browser tests measure the rendered pages; this finds the line before a build)."""
    long = [f"cell {k}: {len(line)} characters, {width} fit: {line.strip()[:60]}"
            for k, line, width in shown_code_lines(path) if len(line) > width]
    assert long == [], f"{len(long)} code lines wider than the column:\n" + "\n".join(long)


def test_front_page_reading_times_are_the_chapters():
    """The front page's table gives each chapter's reading time, and its paths their totals, as
    tools.notebooks.reading_minutes computes them from the chapters' prose."""
    page = (ROOT / "book" / "index.md").read_text(encoding="utf-8")
    minutes = {int(p.name[:2]): nbtools.reading_minutes(p) for p in CHAPTERS}
    table = {int(n): int(m) for n, m in re.findall(r"^\| \{doc\}`(\d\d)_\w+`: .+ \| (\d+) min \|$",
                                                      page, flags=re.M)}
    assert table == minutes, "make the front page's table say what reading_minutes gives"
    quick = re.search(r"this week\*\* \(about (\d+) hours\): 1, 2, 3, then 4 \(PyTorch\) or 5 \(Keras\),\s+6"
                      r" on how much to share, and 16", page)
    assert quick and int(quick[1]) == round(sum(minutes[n] for n in (1, 2, 3, 4, 6, 16)) / 60)
    whole = re.search(r"all sixteen chapters in order, about (\d+) hours of reading", page)
    assert whole and int(whole[1]) == round(sum(minutes.values()) / 60)


def test_instructor_page_counts_each_chapters_exercises_and_names_real_ones():
    """The instructor page's table gives each chapter's reading time and number of exercises, and
    every exercise it names in italics is the title of an exercise of the book."""
    from mtl_lessons.classroom import find_exercises

    page = (ROOT / "book" / "appendix" / "instructor.md").read_text(encoding="utf-8")
    counts = {stem: int(n) for stem, n in re.findall(r"^\| \{doc\}`\.\./(\d\d_\w+)` \| .+ \| (\d+) \|$", page,
                                                     flags=re.M)}
    titles, actual = set(), {}
    for path in CHAPTERS:
        exercises = find_exercises(nbtools.load(path))[1]
        actual[path.stem] = len(exercises)
        for exercise in exercises:
            title = re.search(r"```\{exercise\}[ \t]*([^\n]*)", exercise.prompt[0].source)[1].strip()
            titles |= {title, title.removeprefix("Design: "), title.split(":")[0]}
    assert counts == actual
    row = r"^\| \{doc\}`\.\./(\d\d_\w+)` \| .+ \| (\d+) min \| \d+ \|$"
    reading = {stem: int(m) for stem, m in re.findall(row, page, flags=re.M)}
    assert reading == {p.stem: nbtools.reading_minutes(p) for p in CHAPTERS}, "reading as on the front page"
    section = page.split("## Suggested assignments")[1].split("\n## ")[0]
    named = {re.sub(r"\s+", " ", t) for t in re.findall(r"(?<!\*)\*([^*]+)\*(?!\*)", section)}
    known = {t.lower() for t in titles}
    assert {t.lower() for t in named} <= known, sorted(t for t in named if t.lower() not in known)
