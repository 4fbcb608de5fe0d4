"""Exercise checkers: each returns a :class:`Feedback` that tells a student what is wrong.

A checker never crashes on an unfinished answer: a stub that still raises
``NotImplementedError``, ``None`` or ``...`` gets "not attempted yet"; an answer of the wrong type
or shape is told what was expected.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps


@dataclass(frozen=True)
class Feedback:
    """The verdict of a checker: ``ok`` and a message; shows as a coloured line in a notebook.

    ``attempted`` is False only for an untouched stub, which is told so instead of "not yet".
    """

    ok: bool
    message: str
    attempted: bool = True

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        if not self.attempted:
            return self.message
        return ("Correct. " if self.ok else "Not yet. ") + self.message

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.ok else "#b35900"
        mark = "&#10004;" if self.ok else "&#9888;"
        return f'<p style="color:{colour}"><b>{mark} {str(self)}</b></p>'

    def __repr__(self) -> str:
        return str(self)


NOT_ANSWERED = Feedback(False, "Not attempted yet: replace the `...` (or the NotImplementedError) with your "
                                "answer, then run the cell again.", attempted=False)


def unanswered(answer: object) -> bool:
    """True for the placeholders a stub leaves: ``None`` and ``...``."""
    return answer is None or answer is Ellipsis


def checker(function: Callable[..., Feedback]) -> Callable[..., Feedback]:
    """Make a checker robust: placeholders and a student's own errors become feedback."""

    @wraps(function)
    def wrapper(*args, **kwargs) -> Feedback:
        if any(unanswered(a) for a in args) or any(unanswered(v) for v in kwargs.values()):
            return NOT_ANSWERED
        try:
            return function(*args, **kwargs)
        except NotImplementedError:
            return NOT_ANSWERED
        except Exception as error:  # the student's code raised: report it, do not crash
            return Feedback(False, f"Your code raised {type(error).__name__}: {error}")

    return wrapper


def attempt(function: Callable[..., object], *args, **kwargs) -> object:
    """Call a student's function; a stub that raises NotImplementedError yields ``None``."""
    try:
        return function(*args, **kwargs)
    except NotImplementedError:
        return None


def as_number(answer: object, what: str = "the answer") -> float | Feedback:
    """``answer`` as a float, or the Feedback that tells the student a number was expected."""
    try:
        return float(answer)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return Feedback(False, f"{what} should be a number; got {answer!r} ({type(answer).__name__}).")


def close_to(value: object, expected: float, tolerance: float, what: str) -> Feedback:
    """Feedback on a number: is ``value`` within ``tolerance`` of ``expected``?"""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return Feedback(False, f"{what} should be a number; got {value!r} ({type(value).__name__}).")
    if abs(number - expected) <= tolerance:
        return Feedback(True, f"{what} = {number:.4g}.")
    direction = "too large" if number > expected else "too small"
    return Feedback(False, f"{what} = {number:.4g} is {direction}; check your computation.")


def multiple_choice(answer: object, right: str, explanations: dict[str, str]) -> Feedback:
    """Feedback on a one-letter answer: ``explanations`` says, for every letter, why it is or is not right."""
    letters = ", ".join(repr(k) for k in explanations)
    if not isinstance(answer, str) or answer.strip().lower() not in explanations:
        return Feedback(False, f"Answer with one letter out of {letters}; got {answer!r}.")
    letter = answer.strip().lower()
    if letter == right:
        return Feedback(True, explanations[letter])
    return Feedback(False, f"({letter}) does not fit: {explanations[letter]}")
