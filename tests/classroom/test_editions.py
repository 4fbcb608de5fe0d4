"""Every chapter's student edition and autograder, as otter-grader writes them (`make test`).

Executing a chapter takes 9 to 28 CPU seconds, and the same run of `make test` executes every
chapter once (nbval): each stub's checker call runs there, and after each solution a hidden cell
asserts that the checker said correct. So only one chapter runs here, graded end to end by
``otter run``; the editions of every chapter are compared, without running them, with the book's
own cells. What proves each promise of the editions:

1. An untouched student edition scores zero, every exercise "Not attempted yet": the student
   edition runs the book's code cells, stubs included, unchanged and without any solution; each
   question's test makes the stub's own checker call, right after the stub; and that call, on the
   stub's placeholders, says "Not attempted yet".
2. The solution edition scores full marks: it runs the book's code but the hidden cells; each
   question's test, right after the solution, makes the call whose verdict a hidden cell of the
   book asserts, and nothing in between rebinds what that call reads.
3. A wrong answer is reported with the checker's own feedback: end to end on one chapter, where
   the next stubs then rebind the wrong `answer` to `...` (and on a tiny synthetic chapter in
   tests/test_classroom.py).
4. The editions never stop for lack of a solution: no cell they keep reads a name that only the
   cells they leave out (solutions, hidden checks) bind.

The chapter run end to end is one of the cheapest: timed with nbclient, its kernel takes 9 CPU
seconds, as do 03_loss and 15_challenges; the others take 10 to 28 s. Its three multiple-choice
and counting exercises all name their answer `answer`, so it also shows in-place grading.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import multiprocessing
import re
import symtable
import zipfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import nbformat
import pytest

from mtl_lessons.classroom import (
    SOLUTION_END,
    SOLUTION_START,
    Exercise,
    find_exercises,
    grade,
    write_editions,
)
from mtl_lessons.editions import leftover_markup, unfold
from mtl_lessons.exercises import Feedback
from mtl_lessons.exercises.algorithm import check_parameter_count
from tools import notebooks as nbtools

CHEAPEST = nbtools.ROOT / "book" / "02_algorithm.ipynb"
# There the student gets one exercise wrong, the biases left out of the count: (the stub's line,
# the student's line, the question, what the checker says to that answer).
WRONG = ("answer = ...  # your number of parameters", "answer = 6256", "algorithm_ex_1",
         str(check_parameter_count(6256)))
SOLUTION_TEXT = ("BEGIN SOLUTION", "END SOLUTION", "{solution-start}", "{solution-end}", "**Solution.**")


# ------------------------------------------------------------------------ the book, read statically


@dataclass(frozen=True)
class Chapter:
    """A chapter's code cells in order, each with its role, and its exercises."""

    cells: tuple[tuple[str, str], ...]  # (role, source); role: "chapter", "stub", "solution" or "hidden"
    exercises: tuple[Exercise, ...]

    def sources(self, *roles: str) -> list[str]:
        """The sources of the code cells that have one of ``roles``, in order."""
        return [source for role, source in self.cells if role in roles]


@cache
def chapter(path: Path) -> Chapter:
    """Read a chapter: the cell after an exercise is its stub; a code cell between {solution-start}
    and {solution-end} is the solution's, ``hidden`` if tagged remove-cell, and so are the hidden
    cells right after {solution-end} (the book's asserts that the solution is right)."""
    nb = nbtools.load(path)
    exercises = find_exercises(nb)[1]
    stubs = {id(e.prompt[1]) for e in exercises}
    cells, inside, ended = [], False, False
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            end = SOLUTION_END.search(cell.source)
            inside = (inside or bool(SOLUTION_START.search(cell.source))) and not end
            ended = bool(end) and not cell.source[end.end():].strip()
            continue
        hidden = "remove-cell" in cell.metadata.get("tags", [])
        ended = ended and hidden
        role = "stub" if id(cell) in stubs else "chapter" if not (inside or ended) else \
            "hidden" if hidden else "solution"
        cells.append((role, cell.source))
    return Chapter(tuple(cells), tuple(exercises))


def binds_and_reads(source: str) -> tuple[set[str], set[str]]:
    """The global names some code binds, and those it reads without binding them itself.

    Names read inside a function count, as the function may run. The order of the statements is
    not followed: ``x = x + 1`` binds ``x`` and does not count as reading it.
    """
    binds, reads = set(), set()

    def visit(table: symtable.SymbolTable, top: bool) -> None:
        for symbol in table.get_symbols():
            assigned = symbol.is_assigned() or symbol.is_imported()
            if assigned and (top or symbol.is_declared_global()):
                binds.add(symbol.get_name())
            elif symbol.is_referenced() and (top or symbol.is_global()):
                reads.add(symbol.get_name())
        for child in table.get_children():
            visit(child, top=False)

    visit(symtable.symtable(source, "<cell>", "exec"), top=True)
    return binds, reads - binds


def calls_checker(node: ast.AST, checker: str) -> bool:
    """Whether ``node`` calls ``checker``, by its name or through a module (``ex.check_x(...)``)."""
    return isinstance(node, ast.Call) and checker in (getattr(node.func, "id", None),
                                                      getattr(node.func, "attr", None))


def plain_call(call: ast.Call) -> str:
    """A checker call as text, the checker by its plain name: ``ex.check_x(a)`` reads ``check_x(a)``."""
    function = call.func.attr if isinstance(call.func, ast.Attribute) else call.func.id
    return ast.unparse(ast.Call(ast.Name(function), call.args, call.keywords))


def stub_call(exercise: Exercise) -> ast.Call:
    """The checker call that ends the stub cell (read here independently of mtl_lessons.classroom)."""
    last = ast.parse(exercise.prompt[1].source).body[-1]
    assert isinstance(last, ast.Expr) and calls_checker(last.value, exercise.checker), exercise.label
    return last.value


def call_reads(call: ast.Call) -> list[str]:
    """The variables a checker call passes to the checker, in order."""
    return list(dict.fromkeys(n.id for arg in [*call.args, *call.keywords] for n in ast.walk(arg)
                              if isinstance(n, ast.Name)))


def code(cells: list[nbformat.NotebookNode]) -> list[nbformat.NotebookNode]:
    """The code cells among ``cells``."""
    return [c for c in cells if c.cell_type == "code"]


CHAPTERS = [p for p in nbtools.chapter_paths() if chapter(p).exercises]
EXERCISES = [(p, e) for p in CHAPTERS for e in chapter(p).exercises]


# ---------------------------------------------------- end to end through `otter run`, on one chapter


def test_end_to_end_stubs_score_zero_a_wrong_answer_gets_its_feedback_and_solutions_full_marks(tmp_path):
    """The student edition, one stub answered wrongly, and the solution edition, graded side by side."""
    editions = write_editions(CHEAPEST, tmp_path)
    questions = [e.question for e in chapter(CHEAPEST).exercises]
    stub, answer, wrong_question, feedback = WRONG
    student = nbformat.read(editions["student"], as_version=4)
    (cell,) = [c for c in code(student.cells) if stub in c.source]
    cell.source = cell.source.replace(stub, answer)
    nbformat.write(student, editions["student"])
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        graded = pool.submit(grade, editions["autograder"], editions["student"])
        solution = grade(editions["autograder"], editions["solution"])
        report = graded.result()

    assert {q: r[0] for q, r in solution.items()} == {q: 1.0 for q in questions}, solution
    assert {q: r[0] for q, r in report.items()} == {q: 0.0 for q in questions}, report
    assert feedback.removeprefix("Not yet. ") in report.pop(wrong_question)[2]
    assert all("Not attempted yet" in message for _, _, message in report.values()), report


# ------------------------------------------------------------------ every chapter, without running it


def check_student_edition(book: Chapter, student: nbformat.NotebookNode) -> None:
    """The book's code cells, stubs unchanged (the setup cell and hidden checks folded under a title),
    no solution, neither its code nor its text, and no markup that a notebook would show raw."""
    assert [unfold(c.source).rstrip("\n") for c in code(student.cells)] == [
        s.rstrip("\n") for s in book.sources("chapter", "stub")]
    assert not [c.source for c in student.cells if any(t in c.source for t in SOLUTION_TEXT)]
    assert not [leftover_markup(c.source) for c in student.cells if leftover_markup(c.source)]


def check_solution_edition(book: Chapter, solution: nbformat.NotebookNode) -> None:
    """The book's code without the hidden cells, each stub and its solution in one cell (compared
    as syntax trees: otter's solution markers are comments)."""
    merged: list[str] = []
    for role, source in book.cells:
        if role == "solution":
            merged[-1] += "\n" + source
        elif role != "hidden":
            merged.append(source)
    assert [ast.dump(ast.parse(unfold(c.source))) for c in code(solution.cells)] == [
        ast.dump(ast.parse(s)) for s in merged]


def check_autograder(book: Chapter, autograder: Path) -> None:
    """One test per exercise: it imports the exercise's checker and makes the stub's own call, with
    the variables that call reads as its parameters, and fails with the checker's feedback."""
    with zipfile.ZipFile(autograder) as archive:
        tests = {Path(n).stem: archive.read(n).decode() for n in archive.namelist() if n.startswith("tests/")}
        environment = archive.read("environment.yml").decode()
    url, _ = nbtools.repository()
    imports_tf = re.compile(r"^\s*(import|from) (tensorflow|keras|mtl_lessons\.keras)\b", re.MULTILINE)
    keras = "[keras]" if any(imports_tf.search(s) for s in book.sources("chapter")) else ""
    assert f"- mtl_lessons{keras} @ git+{url}@{nbtools.package_ref()}\n" in environment, (
        "the autograder's environment must install the package at the book's release")
    assert sorted(tests) == sorted(e.question for e in book.exercises)
    for exercise in book.exercises:
        call = stub_call(exercise)
        (test,) = [n for n in ast.parse(tests[exercise.question]).body if isinstance(n, ast.FunctionDef)]
        assert [a.arg for a in test.args.args] == call_reads(call), exercise.label
        assert [(n.module, [a.name for a in n.names]) for n in test.body if isinstance(n, ast.ImportFrom)] \
            == [(exercise.module, [exercise.checker])], exercise.label
        made = [plain_call(n) for n in ast.walk(test) if calls_checker(n, exercise.checker)]
        assert made == [plain_call(call)], exercise.label
        assert "assert feedback.ok, str(feedback)" in ast.unparse(test), exercise.label


def check_graded_in_place(book: Chapter, student: nbformat.NotebookNode,
                          solution: nbformat.NotebookNode) -> None:
    """``otter run`` grades a question after the cell whose metadata names it: in the student
    edition right after the stub, in the solution edition after the solution, no code between.
    (Graded at the end, a stub's ``answer`` would be whatever a later stub left in it.)"""

    def graded_after(nb: nbformat.NotebookNode, q: str) -> int:
        found = [i for i, c in enumerate(nb.cells) if c.metadata.get("otter", {}).get("tests") == [q]]
        assert len(found) == 1, f"otter run would grade {q} at the end of the notebook, not in place"
        return found[0]

    answers = [i for i, c in enumerate(solution.cells) if "BEGIN SOLUTION" in c.source]
    for exercise, answer in zip(book.exercises, answers, strict=True):
        stub = student.cells[graded_after(student, exercise.question)]
        assert stub.source.rstrip("\n") == exercise.prompt[1].source.rstrip("\n"), exercise.label
        after = graded_after(solution, exercise.question)
        assert after >= answer and not code(solution.cells[answer + 1: after + 1]), exercise.label


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_the_editions_run_the_books_code_and_each_test_makes_its_stubs_call_in_place(path, tmp_path):
    book = chapter(path)
    editions = write_editions(path, tmp_path)
    student = nbformat.read(editions["student"], as_version=4)
    solution = nbformat.read(editions["solution"], as_version=4)
    assert "CC BY 4.0" in student.cells[0].source, "the student edition opens without its licence"
    check_student_edition(book, student)
    check_solution_edition(book, solution)
    check_autograder(book, editions["autograder"])
    check_graded_in_place(book, student, solution)


def solution_statements(book: Chapter) -> list[list[tuple[str, ast.stmt]]]:
    """For each exercise, the statements of its solution and hidden cells in order, with their role."""
    found: list[list[tuple[str, ast.stmt]]] = []
    current = None
    for role, source in book.cells:
        if role == "stub":
            found.append(current := [])
        elif role == "chapter":
            current = None
        elif current is not None:
            current += [(role, statement) for statement in ast.parse(source).body]
    return found


def checked_call(statements: list[tuple[str, ast.stmt]], exercise: Exercise) -> int | None:
    """The index of the statement that makes the stub's checker call whose verdict a hidden assert
    tests: the assert itself (``assert check_x(a).ok``), or the solution's statement that set a
    variable to the call (``feedback = check_x(a)``, then ``assert feedback.ok``)."""
    wanted, made, checked = plain_call(stub_call(exercise)), {}, None

    def is_wanted(node: ast.AST) -> bool:
        return calls_checker(node, exercise.checker) and plain_call(node) == wanted

    for k, (role, statement) in enumerate(statements):
        if role == "hidden" and isinstance(statement, ast.Assert):
            tests = statement.test.values if isinstance(statement.test, ast.BoolOp) else [statement.test]
            for test in tests:
                test = test.value if isinstance(test, ast.Attribute) and test.attr == "ok" else test
                checked = k if is_wanted(test) else made.get(ast.unparse(test), checked)
        for name in binds_and_reads(ast.unparse(statement))[0]:
            made.pop(name, None)
        if role == "solution" and isinstance(statement, ast.Assign) and is_wanted(statement.value):
            made.update({ast.unparse(t): k for t in statement.targets})
    return checked


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_the_book_asserts_that_each_solution_passes_the_call_its_test_makes(path):
    """A hidden cell after each solution asserts the checker's verdict on the stub's own call (the
    autograder's test), and nothing later in the solution rebinds a variable that call reads."""
    book = chapter(path)
    for exercise, statements in zip(book.exercises, solution_statements(book), strict=True):
        checked = checked_call(statements, exercise)
        assert checked is not None, f"{exercise.label}: no hidden cell asserts the verdict of the stub's call"
        later = "\n".join(ast.unparse(s) for role, s in statements[checked + 1:] if role == "solution")
        rebound = binds_and_reads(later)[0] & set(call_reads(stub_call(exercise)))
        assert not rebound, f"{exercise.label}: the solution rebinds {rebound} after the checked call"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_the_editions_never_read_a_name_that_only_the_cells_they_leave_out_bind(path):
    book = chapter(path)
    for edition, left_out in [("student", {"solution", "hidden"}), ("solution", {"hidden"})]:
        bound, only_left_out, problems = set(dir(builtins)), set(), []
        for role, source in book.cells:
            binds, reads = binds_and_reads(source)
            if role in left_out:
                only_left_out |= binds - bound
                continue
            if missing := reads & only_left_out - bound:
                problems.append(f"{sorted(missing)} read by: {source.strip().splitlines()[0]}")
            bound |= binds
        assert not problems, f"the {edition} edition would raise NameError: {problems}"


class ChapterValue:
    """Stands for a value that the chapter computed before the stub (a call may index it)."""

    def __getitem__(self, key: object) -> ChapterValue:
        return self

    def __repr__(self) -> str:
        return "<a value of the chapter>"


def stub_values(exercise: Exercise) -> dict[str, object]:
    """What the stub leaves in each variable its checker call reads: its placeholder (a literal such
    as ``...`` or ``{1: ..., 2: ...}``, or a function, which raises NotImplementedError), or, for a
    variable the stub computes or does not set, a stand-in for the chapter's value."""
    values: dict[str, object] = {}
    for statement in ast.parse(exercise.prompt[1].source).body:
        if isinstance(statement, ast.FunctionDef):
            exec(compile(ast.Module([statement], []), "<stub>", "exec"), values)
            continue
        names = [n.id for n in ast.walk(statement)
                 if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)]
        values.update(dict.fromkeys(names, ChapterValue()))
        if isinstance(statement, ast.Assign) and [ast.unparse(t) for t in statement.targets] == names:
            try:
                values.update(dict.fromkeys(names, ast.literal_eval(statement.value)))
            except ValueError:  # not a literal: the chapter computes it
                pass
    return {name: values.get(name, ChapterValue()) for name in call_reads(stub_call(exercise))}


@pytest.mark.parametrize("path, exercise", EXERCISES, ids=[e.label for _, e in EXERCISES])
def test_an_untouched_stub_is_told_it_is_not_attempted_yet(path, exercise):
    check = getattr(importlib.import_module(exercise.module), exercise.checker)
    call = ast.Expression(ast.parse(plain_call(stub_call(exercise)), mode="eval").body)
    feedback = eval(compile(call, "<stub>", "eval"), {exercise.checker: check, **stub_values(exercise)})
    assert isinstance(feedback, Feedback) and not feedback.ok, feedback
    assert "Not attempted yet" in str(feedback), feedback
