"""Every chapter's student edition and autograder, made and graded by otter-grader (`make test`).

For each chapter with exercises: the student edition runs with its stubs and scores zero, every
exercise reporting "not attempted yet"; the instructor's solution edition scores full marks. In
the balancing chapter one stub is replaced by a wrong answer, and the autograder's report for it
carries the checker's own feedback on that answer.
"""

import nbformat
import pytest

from mtl_lessons.classroom import find_exercises, grade, write_editions
from mtl_lessons.exercises.balancing import check_dwa_weights
from tools import notebooks as nbtools

CHAPTERS = [p for p in nbtools.chapter_paths() if find_exercises(nbtools.load(p))[1]]
WRONG = {"08_balancing": ("weights_epoch_4 = ...", "weights_epoch_4 = [1.0, 1.0, 1.0]", "balancing_ex_3",
                          str(check_dwa_weights([1.0, 1.0, 1.0])))}


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_student_edition_scores_zero_and_solution_edition_full_marks(chapter, tmp_path):
    editions = write_editions(chapter, tmp_path)
    questions = [e.question for e in find_exercises(nbtools.load(chapter))[1]]

    solution = grade(editions["autograder"], editions["solution"])
    assert sorted(solution) == sorted(questions)
    assert {q: r[0] for q, r in solution.items()} == {q: 1.0 for q in questions}, solution

    student = nbformat.read(editions["student"], as_version=4)
    assert not any("BEGIN SOLUTION" in c.source or "solution-start" in c.source for c in student.cells)
    wrong = WRONG.get(chapter.stem)
    if wrong:
        stub, answer, question, feedback = wrong
        (cell,) = [c for c in student.cells if c.cell_type == "code" and stub in c.source]
        cell.source = cell.source.replace(stub, answer)
        nbformat.write(student, editions["student"])
    report = grade(editions["autograder"], editions["student"])
    assert {q: r[0] for q, r in report.items()} == {q: 0.0 for q in questions}, report
    for question, (_, _, message) in report.items():
        if wrong and question == wrong[2]:
            assert wrong[3].removeprefix("Not yet. ") in message, message
        else:
            assert "Not attempted yet" in message, (question, message)
