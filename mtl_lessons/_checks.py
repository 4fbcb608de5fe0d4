"""Argument checks shared by the public functions: each error names the bad value and what is allowed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from numbers import Integral, Real


def check_int(name: str, value: object, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as an int, or raise ``ValueError``/``TypeError`` saying what was expected."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def check_float(
    name: str, value: object, minimum: float | None = None, maximum: float | None = None,
    strict_minimum: bool = False,
) -> float:
    """Return ``value`` as a finite float inside the allowed interval, or raise a clear error."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number, got {value!r} ({type(value).__name__})")
    value = float(value)
    if value != value:
        raise ValueError(f"{name} must be a number, got NaN")
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"{name} must be a finite number, got {value}")
    if minimum is not None:
        if strict_minimum and value <= minimum:
            raise ValueError(f"{name} must be > {minimum}, got {value}")
        if value < minimum:
            raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def check_choice(name: str, value: object, allowed: Iterable[object]) -> object:
    """Return ``value`` if it is one of ``allowed``, else raise ``ValueError`` listing the choices."""
    allowed = list(allowed)
    if value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name} must be one of {choices}; got {value!r}")
    return value


def check_task_weights(
    name: str, weights: object, tasks: Iterable[str] | None = None
) -> dict[str, float]:
    """``{task: weight}`` with finite weights >= 0 and, given ``tasks``, only known task names."""
    if not isinstance(weights, Mapping):
        raise TypeError(f"{name} must be a dict {{task: weight}}; got {type(weights).__name__}")
    if tasks is not None:
        tasks = list(tasks)
        unknown = set(weights) - set(tasks)
        if unknown:
            raise ValueError(f"{name} names unknown tasks {sorted(unknown)}; the tasks are {tasks}")
    return {task: check_float(f"{name}[{task!r}]", value, minimum=0.0) for task, value in weights.items()}


def check_kinds(kinds: object, allowed: Iterable[str]) -> dict[str, str]:
    """``{task: kind}``, non-empty, every kind one of ``allowed``."""
    allowed = tuple(allowed)
    if not isinstance(kinds, Mapping) or not kinds:
        raise ValueError(f"kinds must be a non-empty dict {{task: kind}}; got {kinds!r}")
    for task, kind in kinds.items():
        if kind not in allowed:
            choices = ", ".join(map(repr, allowed))
            raise ValueError(f"kind of task {task!r} must be one of {choices}; got {kind!r}")
    return dict(kinds)
