"""How a chapter becomes an Otter Assign master notebook, and a tiny chapter graded by `otter run`
(tests/classroom checks the book's own editions)."""

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from mtl_lessons.classroom import Exercise, find_exercises, grade, otter_master, write_editions
from mtl_lessons.exercises.balancing import check_dwa_weights


def chapter(stub="weights = ...\ncheck_dwa_weights(weights)", label="tiny-ex-1", solution_label=None):
    cells = [new_markdown_cell("# Tiny"),
             new_code_cell("from mtl_lessons.exercises.balancing import check_dwa_weights"),
             new_markdown_cell(f"```{{exercise}} DWA\n:label: {label}\n\nCompute.\n```"),
             new_code_cell(stub),
             new_markdown_cell(f"```{{solution-start}} {solution_label or label}\n:class: dropdown\n```\n"
                               "Because."),
             new_code_cell("weights = [1.0, 1.0, 1.0]\ncheck_dwa_weights(weights)"),
             new_code_cell("assert True"),
             new_markdown_cell("```{solution-end}\n```\n\n## References\n\n- A paper.")]
    cells[6].metadata["tags"] = ["remove-cell"]
    return new_notebook(cells=cells)


def test_an_exercise_is_found_with_its_stub_solution_and_checker():
    cells, exercises = find_exercises(chapter())
    (exercise,) = exercises
    assert exercise.label == "tiny-ex-1" and exercise.question == "tiny_ex_1"
    assert exercise.checker == "check_dwa_weights" and exercise.arguments == ("weights",)
    assert exercise.module == "mtl_lessons.exercises.balancing"
    assert [c.cell_type for c in exercise.solution] == ["markdown", "code"]  # the hidden assert is left out
    assert cells[-1].source == "## References\n\n- A paper."  # text after {solution-end} is kept


def test_the_master_notebook_keeps_the_stub_and_puts_the_solution_in_a_block_students_do_not_get():
    master = otter_master(chapter(), "tiny")
    sources = [c.source for c in master.cells]
    assert sources[0].startswith("# ASSIGNMENT CONFIG\nname: tiny")
    answer = next(s for s in sources if "# BEGIN SOLUTION NO PROMPT" in s)
    assert answer.index("weights = ...") < answer.index("# BEGIN SOLUTION") < answer.index("weights = [1.0")
    test = next(s for s in sources if s.startswith("def test_tiny_ex_1(weights):"))
    assert "assert feedback.ok, str(feedback)" in test
    assert any(s.startswith("**Solution.** Because.") for s in sources)
    nbformat.validate(master)


@pytest.mark.parametrize("stub, message", [
    ("weights = ...", "must end with a call check_xxx"),
    ("weights = ...\nprint(weights)", "must end with a call check_xxx"),
    ("print(weights)", "must end with a call check_xxx"),
    ("weights = (", "not valid Python"),
])
def test_a_stub_that_does_not_end_in_a_checker_call_is_refused_with_the_reason(stub, message):
    with pytest.raises(ValueError, match=message):
        find_exercises(chapter(stub=stub))


def test_a_call_through_a_module_alias_or_with_expressions_is_graded_by_the_same_call():
    stub = ("import mtl_lessons.exercises.balancing as ex\nweights = ...\n"
            "ex.check_dwa_weights(weights[:3], scale=k)")
    nb = chapter(stub=stub)
    (exercise,) = find_exercises(nb)[1]
    assert exercise.module == "mtl_lessons.exercises.balancing"
    assert exercise.call == "check_dwa_weights(weights[:3], scale=k)"
    assert exercise.arguments == ("weights", "k")


def test_a_solution_labelled_for_another_exercise_is_refused():
    with pytest.raises(ValueError, match="labelled for another exercise"):
        find_exercises(chapter(solution_label="tiny-ex-2"))


def test_a_chapter_without_exercises_has_no_master():
    with pytest.raises(ValueError, match="has no exercises"):
        otter_master(new_notebook(cells=[new_markdown_cell("# Empty")]), "empty")


def test_an_exercise_that_shares_a_cell_with_the_previous_solution_end_is_found():
    nb = chapter()
    nb.cells[-1].source = "```{solution-end}\n```\n\n```{exercise} Again\n:label: tiny-ex-2\n\nMore.\n```"
    nb.cells += [new_code_cell("weights = ...\ncheck_dwa_weights(weights)"),
                 new_markdown_cell("```{solution-start} tiny-ex-2\n:class: dropdown\n```\nSame."),
                 new_code_cell("weights = [1.0]\ncheck_dwa_weights(weights)"),
                 new_markdown_cell("```{solution-end}\n```")]
    assert [e.label for e in find_exercises(nb)[1]] == ["tiny-ex-1", "tiny-ex-2"]


def test_hidden_checks_right_after_solution_end_are_left_out_like_those_before_it():
    nb = chapter()
    hidden = nb.cells.pop(6)
    later = new_code_cell("assert weights is not None")
    later.metadata["tags"] = ["remove-cell"]
    nb.cells[-1].source = "```{solution-end}\n```"
    nb.cells += [hidden, new_markdown_cell("## References"), later]
    cells = find_exercises(nb)[0]
    kept = [c.source for c in cells if not isinstance(c, Exercise)]
    assert "assert True" not in kept  # the solution's check
    assert kept[-2:] == ["## References", "assert weights is not None"]  # the chapter's own


def two_exercises_on_answer() -> nbformat.NotebookNode:
    """A chapter whose two exercises both name their answer `answer`, as many chapters do."""

    def exercise(label: str, stub: str, solution: str) -> list:
        return [new_markdown_cell(f"```{{exercise}} E\n:label: {label}\n\nDo it.\n```"), new_code_cell(stub),
                new_markdown_cell(f"```{{solution-start}} {label}\n:class: dropdown\n```\nBecause."),
                new_code_cell(solution), new_markdown_cell("```{solution-end}\n```")]

    dwa = ("import numpy as np\n\nrates = np.array([0.8 / 1.0, 0.44 / 0.45, 0.6 / 0.9])\n"
           "answer = 3 * np.exp(rates / 2) / np.exp(rates / 2).sum()\ncheck_dwa_weights(answer)")
    imports = "from mtl_lessons.exercises.balancing import check_dwa_weights, check_rebalancing_plan"
    cells = [new_markdown_cell("# Tiny"), new_code_cell(imports),
             *exercise("tiny-ex-1", "answer = ...\ncheck_dwa_weights(answer)", dwa),
             *exercise("tiny-ex-2", "answer = ...\ncheck_rebalancing_plan(answer)",
                       'answer = "b"\ncheck_rebalancing_plan(answer)')]
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return new_notebook(cells=cells, metadata={"kernelspec": kernel, "language_info": {"name": "python"}})


def test_otter_run_grades_each_exercise_where_it_is_answered_with_the_checkers_feedback(tmp_path):
    """End to end in seconds: the solutions score full marks; a wrong first answer gets the checker's
    own feedback although the second stub then sets `answer = ...`; an untouched stub is not attempted."""
    nbformat.write(two_exercises_on_answer(), tmp_path / "tiny.ipynb")
    editions = write_editions(tmp_path / "tiny.ipynb", tmp_path / "editions")
    solution = grade(editions["autograder"], editions["solution"])
    assert {q: r[0] for q, r in solution.items()} == {"tiny_ex_1": 1.0, "tiny_ex_2": 1.0}, solution

    student = nbformat.read(editions["student"], as_version=4)
    stub = next(c for c in student.cells if "check_dwa_weights(answer)" in c.source)
    stub.source = stub.source.replace("answer = ...", "answer = [1.0, 1.0, 1.0]")
    nbformat.write(student, editions["student"])
    report = grade(editions["autograder"], editions["student"])
    assert {q: r[0] for q, r in report.items()} == {"tiny_ex_1": 0.0, "tiny_ex_2": 0.0}, report
    assert str(check_dwa_weights([1.0, 1.0, 1.0])).removeprefix("Not yet. ") in report["tiny_ex_1"][2]
    assert "Not attempted yet" in report["tiny_ex_2"][2]


def test_the_editions_open_in_the_kernel_a_jupyterhub_registers(tmp_path):
    nbformat.write(two_exercises_on_answer(), tmp_path / "tiny.ipynb")
    editions = write_editions(tmp_path / "tiny.ipynb", tmp_path / "editions", kernel="mtl")
    for edition in (editions["student"], editions["solution"]):
        assert nbformat.read(edition, as_version=4).metadata["kernelspec"]["name"] == "mtl"
    assert "CC BY 4.0" in nbformat.read(editions["student"], as_version=4).cells[0].source
    with pytest.raises(ValueError, match="kernel must be a kernel name"):
        write_editions(tmp_path / "tiny.ipynb", tmp_path / "editions", kernel="my kernel")


def test_a_folder_of_submissions_is_graded_into_one_table(tmp_path):
    """The solution scores full marks, the untouched student edition zero, and a file that is not a
    notebook gets its error in its row while the others are graded."""
    import csv
    import shutil

    from mtl_lessons.classroom import grade_folder, main

    nbformat.write(two_exercises_on_answer(), tmp_path / "tiny.ipynb")
    editions = write_editions(tmp_path / "tiny.ipynb", tmp_path / "editions")
    folder = tmp_path / "submissions"
    folder.mkdir()
    shutil.copy(editions["solution"], folder / "ada.ipynb")
    shutil.copy(editions["student"], folder / "bob.ipynb")
    (folder / "carl.ipynb").write_text("not a notebook")
    table = tmp_path / "grades.csv"
    assert main(["--grade", str(editions["autograder"]), str(folder), "--csv", str(table)]) == 0
    rows = {row["submission"]: row for row in csv.DictReader(table.open())}
    assert (rows["ada.ipynb"]["total"], rows["ada.ipynb"]["possible"]) == ("2.0", "2.0")
    assert (rows["bob.ipynb"]["tiny_ex_1"], rows["bob.ipynb"]["total"]) == ("0.0", "0.0")
    assert rows["carl.ipynb"]["error"] and not rows["carl.ipynb"]["total"]
    with pytest.raises(ValueError, match="holds no .ipynb file"):
        grade_folder(editions["autograder"], tmp_path / "editions" / "tiny")
    with pytest.raises(FileNotFoundError, match="autograder must be the zip"):
        grade_folder(tmp_path / "missing.zip", folder)
