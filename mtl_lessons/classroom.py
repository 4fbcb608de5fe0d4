"""Student editions and autograders of the book's chapters, made with otter-grader.

    python -m mtl_lessons.classroom [--out DIR] [--kernel NAME] [notebook.ipynb ...]  (`make classroom`)
    python -m mtl_lessons.classroom --grade AUTOGRADER.zip SUBMISSIONS_DIR [--csv grades.csv]

Every exercise of a chapter is written the same way: an ``{exercise}`` cell with a label, a stub
code cell that ends with a checker call (``check_dwa_weights(weights_epoch_4)``), then a
dropdown solution between ``{solution-start}`` and ``{solution-end}``; the book's hidden checks
(cells tagged remove-cell) inside the solution or right after it are in neither edition. This
module turns a chapter into the master notebook of otter-grader's Otter Assign (each exercise a
question whose prompt is the stub, whose solution is the book's solution, and whose test calls
the same checker), and otter-grader writes the two editions from it: the student notebook, with
the solutions removed and the stubs left, and the instructor's autograder (``autograder.zip``)
that grades a submitted notebook with ``otter run``. Each exercise is graded where the book calls
its checker: right after the stub in the student's notebook, after the solution in the
instructor's. A failed test reports the checker's own feedback.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import csv
import io
import json
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_raw_cell

from mtl_lessons.editions import (
    EXERCISE,
    SOLUTION_END,
    SOLUTION_START,
    Book,
    book_root,
    exercise_label,
    fold_hidden,
    notebook_markdown,
)


@dataclass(frozen=True)
class Exercise:
    """One exercise of a chapter: its label, its cells, and the checker call that grades it."""

    label: str
    prompt: list[nbformat.NotebookNode]  # the exercise text and the stub cell
    solution: list[nbformat.NotebookNode]  # the explanation and the solution's code cells
    checker: str  # the checker's name, e.g. "check_dwa_weights"
    call: str  # the stub's checker call, e.g. "check_dwa_weights(weights_epoch_4)"
    arguments: tuple[str, ...]  # the variables that call reads (the stub's answers, chapter results)
    module: str  # where the checker lives, e.g. "mtl_lessons.exercises.balancing"

    @property
    def question(self) -> str:
        """The name otter-grader gives the question (and its test file)."""
        return self.label.replace("-", "_")


def _checker_call(stub: str, label: str) -> tuple[str, str | None, str, tuple[str, ...]]:
    """The stub's last statement, a checker call: (checker, module alias or None, call, names read).

    ``check_x(a, b[0])`` and ``alias.check_x(a)`` both count; the call is returned with the
    checker as a plain name, and the names are the variables its arguments read.
    """
    try:
        last = ast.parse(stub).body[-1]
    except (SyntaxError, IndexError) as error:
        raise ValueError(f"exercise {label}: its stub cell is not valid Python ending in a checker "
                         "call") from error
    call = last.value if isinstance(last, ast.Expr) else None
    function = getattr(call, "func", None)
    if isinstance(function, ast.Name):
        checker, alias = function.id, None
    elif isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name):
        checker, alias = function.attr, function.value.id
    else:
        checker, alias = "", None
    if not isinstance(call, ast.Call) or not checker.startswith("check_"):
        raise ValueError(f"exercise {label}: the stub cell must end with a call check_xxx(...) of the "
                         f"exercise's checker; it ends with {ast.unparse(last)!r}")
    call.func = ast.Name(checker)
    names = tuple(dict.fromkeys(n.id for arg in [*call.args, *call.keywords] for n in ast.walk(arg)
                                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)))
    return checker, alias, ast.unparse(call), names


def _checker_module(checker: str, alias: str | None, cells: list[nbformat.NotebookNode]) -> str:
    """The module that defines ``checker``, from the chapter's imports (of the checker or its module)."""
    for cell in cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if alias is None and isinstance(node, ast.ImportFrom):
                if any(a.name == checker for a in node.names):
                    return node.module
            if alias is not None and isinstance(node, ast.ImportFrom):
                for name in node.names:
                    if (name.asname or name.name) == alias:
                        return f"{node.module}.{name.name}"
            if alias is not None and isinstance(node, ast.Import):
                for name in node.names:
                    if (name.asname or name.name) == alias:
                        return name.name
    raise ValueError(f"no cell of the chapter imports {checker if alias is None else alias}")


def find_exercises(nb: nbformat.NotebookNode) -> tuple[list, list[Exercise]]:
    """Split a chapter into its cells (exercises replaced by placeholders) and its exercises."""
    cells, exercises = [], []
    source = list(nb.cells)  # a cell that ends one solution may begin the next exercise
    i = 0
    while i < len(source):
        cell = source[i]
        match = EXERCISE.search(cell.source) if cell.cell_type == "markdown" else None
        label = exercise_label(match) if match else None
        if not label:
            cells.append(cell)
            i += 1
            continue
        stub = source[i + 1] if i + 1 < len(source) else None
        if stub is None or stub.cell_type != "code":
            raise ValueError(f"exercise {label}: the cell after the exercise must be its stub code cell")
        start = next((k for k in range(i + 2, len(source)) if source[k].cell_type == "markdown"
                      and SOLUTION_START.search(source[k].source)), None)
        end = next((k for k in range(i + 2, len(source)) if source[k].cell_type == "markdown"
                    and SOLUTION_END.search(source[k].source)), None)
        if start is None or end is None or not start < end:
            raise ValueError(f"exercise {label}: no {{solution-start}} ... {{solution-end}} after its stub")
        if SOLUTION_START.search(source[start].source).group(1) != label:
            raise ValueError(f"exercise {label}: the solution that follows is labelled for another exercise")
        checker, alias, call, arguments = _checker_call(stub.source, label)
        before, after = SOLUTION_END.split(source[end].source, maxsplit=1)
        solution = [c for c in source[start:end] if not _hidden(c)]
        if before.strip():  # the end of the explanation shares the cell with {solution-end}
            solution.append(new_markdown_cell(before.strip()))
        exercises.append(Exercise(label, [cell, stub], solution, checker, call, arguments,
                                  _checker_module(checker, alias, source[: i + 2])))
        cells.append(exercises[-1])
        if after.strip():  # the text after {solution-end} in its cell: read it as the next cell
            source[end] = new_markdown_cell(after.strip())
            i = end
        else:  # hidden cells right after {solution-end} check the solution: left out, as those before it
            i = end + 1
            while i < len(source) and source[i].cell_type == "code" and _hidden(source[i]):
                i += 1
    return cells, exercises


def _hidden(cell: nbformat.NotebookNode) -> bool:
    """A cell tagged remove-cell: the book's hidden checks, not shown on the website."""
    return "remove-cell" in cell.metadata.get("tags", [])


def _test_cell(exercise: Exercise) -> nbformat.NotebookNode:
    """Otter's exception-based test: the chapter's checker, its feedback as the failure message."""
    names = ", ".join(exercise.arguments)
    return new_code_cell(
        f"def test_{exercise.question}({names}):\n"
        f"    from {exercise.module} import {exercise.checker}\n"
        f"    feedback = {exercise.call}\n"
        f"    assert feedback.ok, str(feedback)\n"
        f"\n"
        f"test_{exercise.question}({names})"
    )


def _answer_cell(exercise: Exercise) -> nbformat.NotebookNode:
    """One code cell: the stub, then the book's solution in a block that the student edition drops.

    The stub runs in both editions (it may hold code the exercise needs besides the placeholders);
    in the instructor's edition the solution that follows it replaces the placeholders.
    """
    stub = exercise.prompt[1].source.strip("\n")
    solution = "\n\n".join(c.source.strip("\n") for c in exercise.solution if c.cell_type == "code")
    return new_code_cell(f"{stub}\n# BEGIN SOLUTION NO PROMPT\n{solution}\n# END SOLUTION")


LICENCE_NOTE = ("*From the book Multi-Task Learning, Hands On, by the mtl_lessons authors. Its text, "
                "figures and exercises are licensed under [CC BY 4.0]"
                "(https://creativecommons.org/licenses/by/4.0/), its code under the MIT licence: you "
                "may hand this notebook out and adapt it, with credit to the book.*")


TENSORFLOW_IMPORT = re.compile(r"^\s*(?:import|from)\s+(?:tensorflow|keras|mtl_lessons\.keras)\b",
                               re.MULTILINE)


def package_requirement(notebook: Path) -> str | None:
    """The pip requirement of ``mtl_lessons`` at the book's release, for the autograder's own
    environment (otter-grader's Docker image, Gradescope), with the ``keras`` extra for a chapter that
    imports TensorFlow; None for a notebook outside the book's repository."""
    import yaml

    from mtl_lessons import __version__

    root = book_root(notebook)
    if root is None:
        return None
    url = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))["repository"]["url"].rstrip("/")
    cells = nbformat.read(notebook, as_version=4).cells
    keras = any(TENSORFLOW_IMPORT.search(c.source) for c in cells if c.cell_type == "code")
    return f"mtl_lessons{'[keras]' if keras else ''} @ git+{url}@v{__version__}"


def otter_master(nb: nbformat.NotebookNode, name: str, book: Book | None = None,
                 docname: str | None = None, requirement: str | None = None) -> nbformat.NotebookNode:
    """The Otter Assign master notebook of one chapter: one question per exercise, one point each.

    Its Markdown is rewritten for a notebook interface as in the reader's edition
    (:mod:`mtl_lessons.editions`): exercises as numbered, titled headings, cross-references as links
    to the website (``book``, where the chapter is ``docname``); the setup cell and the hidden
    checks that stay are folded.
    """
    docname = docname or name
    book = book or Book.from_pages({docname: nb}, "./")
    cells, exercises = find_exercises(nb)

    def for_notebooks(cell: nbformat.NotebookNode) -> nbformat.NotebookNode:
        if cell.cell_type == "markdown":
            return new_markdown_cell(notebook_markdown(cell.source, docname, book))
        return fold_hidden(cell) if cell.cell_type == "code" else cell

    if not exercises:
        raise ValueError(f"{name} has no exercises")
    config = (f"# ASSIGNMENT CONFIG\nname: {name}\ninit_cell: false\ncheck_all_cell: false\n"
              "export_cell: false\nrun_tests: false\nsolutions_pdf: false\ngenerate: true\n"
              "tests:\n  ok_format: false\n")
    if requirement is not None:
        config += f"requirements:\n  - {json.dumps(requirement)}\n"
    master = [new_raw_cell(config), new_markdown_cell(LICENCE_NOTE)]
    for item in cells:
        if not isinstance(item, Exercise):
            master.append(for_notebooks(item))
            continue
        texts = [notebook_markdown(SOLUTION_START.sub("", c.source, count=1).strip(), docname, book)
                 for c in item.solution if c.cell_type == "markdown"]
        texts = [t for t in texts if t]
        explanation = [new_markdown_cell(("**Solution.** " if k == 0 else "") + text)
                       for k, text in enumerate(texts)]
        master += [new_raw_cell(f"# BEGIN QUESTION\nname: {item.question}\npoints: 1\ncheck_cell: false"),
                   for_notebooks(item.prompt[0]), new_raw_cell("# BEGIN SOLUTION"), _answer_cell(item),
                   *explanation, new_raw_cell("# END SOLUTION"), new_raw_cell("# BEGIN TESTS"),
                   _test_cell(item), new_raw_cell("# END TESTS"), new_raw_cell("# END QUESTION")]
    return nbformat.v4.new_notebook(cells=master, metadata=nb.metadata)


def write_editions(notebook: Path, out: Path, kernel: str | None = None) -> dict[str, Path]:
    """Run Otter Assign on a chapter; return the paths of the student notebook and the autograder.

    ``kernel`` names the Jupyter kernel the student and solution notebooks open in (for example the
    ``mtl`` kernel a JupyterHub registers for the book's environment); by default they keep the
    chapter's own (``python3``).
    """
    if kernel is not None and (not isinstance(kernel, str) or not re.fullmatch(r"[A-Za-z0-9._-]+", kernel)):
        raise ValueError("kernel must be a kernel name such as 'mtl' (letters, digits, '.', '_', '-'); "
                         f"got {kernel!r}")
    from otter.assign import main as otter_assign

    notebook, out = Path(notebook), Path(out)
    name = notebook.stem
    nb = nbformat.read(notebook, as_version=4)
    with tempfile.TemporaryDirectory() as work:
        master = Path(work) / f"{name}.ipynb"
        book, docname = Book.around(notebook)
        nbformat.write(otter_master(nb, name, book, docname, package_requirement(notebook)), master)
        target = out / name
        shutil.rmtree(target, ignore_errors=True)
        log = io.StringIO()
        try:  # in this process: the second and later chapters do not pay otter's import again
            with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
                otter_assign(str(master), str(target), no_run_tests=True)
        except Exception as error:
            raise RuntimeError(f"otter assign failed on {notebook.name}:\n{log.getvalue()}") from error
    _grade_in_place(target / "student" / f"{name}.ipynb", find_exercises(nb)[1])
    if kernel is not None:
        for edition in (target / "student" / f"{name}.ipynb", target / "autograder" / f"{name}.ipynb"):
            written = nbformat.read(edition, as_version=4)
            written.metadata["kernelspec"] = {"name": kernel, "display_name": f"Python ({kernel})",
                                              "language": "python"}
            nbformat.write(written, edition)
    zips = sorted((target / "autograder").glob("*.zip"))
    return {"student": target / "student" / f"{name}.ipynb",
            "solution": target / "autograder" / f"{name}.ipynb",
            "autograder": zips[0] if zips else target / "autograder" / "autograder.zip"}


def _grade_in_place(student: Path, exercises: list[Exercise]) -> None:
    """Make ``otter run`` grade each exercise of the student edition right after its stub cell.

    Otter Assign marks the last cell of a question for in-place grading; in our master that is
    the solution's explanation, which the student edition drops, so otter would grade those
    questions at the end of the notebook, after later stubs may have rebound the names a checker
    reads (``answer`` is the answer to several exercises of a chapter). The mark goes on the stub.
    """
    nb = nbformat.read(student, as_version=4)
    stubs = [c for c in nb.cells if "otter_answer_cell" in c.metadata.get("tags", [])]
    for cell, exercise in zip(stubs, exercises, strict=True):
        cell.metadata.setdefault("otter", {})["tests"] = [exercise.question]
    nbformat.write(nb, student)


def grade(autograder: Path, submission: Path) -> dict[str, tuple[float, float, str]]:
    """Grade one submitted notebook with otter-grader: ``{question: (score, possible, feedback)}``."""
    from otter.run import main as otter_run

    with tempfile.TemporaryDirectory() as work:
        results = otter_run(str(submission), autograder=str(autograder), output_dir=work, no_logo=True)
    report = {}
    for question, result in results.results.items():
        messages = [test.message or "" for test in getattr(result, "test_case_results", [])]
        report[question] = (float(result.score), float(result.possible), "\n".join(m for m in messages if m))
    return report


def grade_folder(autograder: Path, folder: Path) -> list[dict[str, object]]:
    """Grade every notebook of a folder of submissions: one row per notebook, a column per question.

    A row holds the notebook's name, each question's score, the total and the points possible; a
    notebook that cannot be graded (not a notebook, or it stops the grader) gets its error instead,
    and the others are still graded.
    """
    autograder, folder = Path(autograder), Path(folder)
    if not autograder.is_file():
        raise FileNotFoundError(f"autograder must be the zip that `make classroom` wrote; "
                                f"{autograder} is no file")
    if not folder.is_dir():
        raise NotADirectoryError(f"submissions must be a folder of .ipynb files; {folder} is no folder")
    submissions = sorted(folder.glob("*.ipynb"))
    if not submissions:
        raise ValueError(f"{folder} holds no .ipynb file to grade")
    rows: list[dict[str, object]] = []
    for submission in submissions:
        try:
            report = grade(autograder, submission)
        except Exception as error:  # one broken submission must not stop a class's grading
            rows.append({"submission": submission.name, "error": f"{type(error).__name__}: {error}"[:300]})
            continue
        rows.append({"submission": submission.name, **{q: score for q, (score, _, _) in report.items()},
                     "total": sum(score for score, _, _ in report.values()),
                     "possible": sum(possible for _, possible, _ in report.values())})
    return rows


def write_grades(rows: list[dict[str, object]], path: Path) -> Path:
    """Write the rows of ``grade_folder`` as a CSV table (a spreadsheet opens it)."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return Path(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="chapters (default: every chapter with exercises)")
    parser.add_argument("--out", type=Path, default=Path("_build/classroom"))
    parser.add_argument("--kernel", help="the Jupyter kernel the editions open in, e.g. mtl on a JupyterHub "
                                         "(default: the chapters' own, python3)")
    parser.add_argument("--grade", nargs=2, type=Path, metavar=("AUTOGRADER", "SUBMISSIONS"),
                        help="grade every notebook of the folder SUBMISSIONS with the autograder zip")
    parser.add_argument("--csv", type=Path, default=Path("grades.csv"), help="where --grade writes its table")
    args = parser.parse_args(argv)
    if args.grade:
        rows = grade_folder(*args.grade)
        write_grades(rows, args.csv)
        print(f"{len(rows)} submissions graded; the table, one row each, is in {args.csv}")
        return 0
    notebooks = args.notebooks or sorted(Path("book").glob("[0-9]*.ipynb"))
    for notebook in notebooks:
        paths = write_editions(notebook, args.out, kernel=args.kernel)
        print(f"{notebook.name}: student edition {paths['student']}, autograder {paths['autograder']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
