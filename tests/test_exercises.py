import pytest

from mtl_lessons.exercises import Feedback, attempt, checker, close_to


@checker
def check_square(function):
    value = function(3)
    if value == 9:
        return Feedback(True, "square(3) is 9.")
    return Feedback(False, f"square(3) returned {value!r}; expected 9.")


def stub(x):
    raise NotImplementedError


def test_checker_handles_unfinished_wrong_broken_and_right_answers():
    assert not check_square(stub) and "Not attempted yet" in str(check_square(stub))
    assert not check_square(...) and not check_square(None)
    wrong = check_square(lambda x: x + x)
    assert not wrong and "returned 6; expected 9" in str(wrong)
    broken = check_square(lambda x: x / 0)
    assert not broken and "ZeroDivisionError" in str(broken)
    assert check_square(lambda x: x * x)
    assert "Correct" in check_square(lambda x: x * x)._repr_html_()


def test_close_to_and_attempt():
    assert close_to(0.51, 0.5, 0.02, "r")
    assert "too large" in str(close_to(0.9, 0.5, 0.02, "r"))
    assert "should be a number" in str(close_to("half", 0.5, 0.02, "r"))
    assert attempt(stub, 1) is None and attempt(abs, -2) == 2


@pytest.mark.parametrize("module, name, right", [
    ("algorithm", "check_unequal_loaders", "c"),
    ("pytorch", "check_choose_lambda", "c"),
    ("keras", "check_learned_weights_design", "b"),
])
def test_design_questions_explain_every_choice(module, name, right):
    import importlib

    check = getattr(importlib.import_module(f"mtl_lessons.exercises.{module}"), name)
    assert check(right).ok and check(f" {right.upper()} ").ok
    for letter in "abcd":
        if letter != right:
            feedback = check(letter)
            assert not feedback.ok and feedback.message.startswith(f"({letter}) does not fit:")
            assert len(feedback.message) > 40
    assert "Not attempted yet" in check(...).message
    assert "one letter" in check("e").message and "one letter" in check(3).message
