"""Argument checks shared by the public functions: each error names the bad value and what is allowed."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from numbers import Integral, Real

import numpy as np


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


def check_finite(name: str, values: object) -> None:
    """Raise ``ValueError`` unless every entry of ``values`` (a tensor, an array, numbers) is finite."""
    if hasattr(values, "isfinite"):  # a torch tensor: checked where it lives, without a copy
        finite = bool(values.isfinite().all())
    else:
        finite = bool(np.all(np.isfinite(np.asarray(values, dtype=float))))
    if not finite:
        raise ValueError(f"{name} holds NaN or infinite values; every entry must be a finite number")


def check_matrix(name: str, values: object, layout: str, square: bool = False) -> None:
    """Raise unless ``values`` is a finite 2-D tensor or array with at least one row (square if asked).

    ``layout`` says what the rows and columns are, such as ``"(tasks, parameters)"``.
    """
    shape = getattr(values, "shape", None)
    if shape is None:
        raise TypeError(f"{name} must be a {layout} tensor; got {type(values).__name__}")
    shape = tuple(shape)
    if len(shape) != 2 or shape[0] == 0 or (square and shape[0] != shape[1]):
        raise ValueError(f"{name} must be a {'square ' if square else ''}{layout} matrix; got shape {shape}")
    check_finite(name, values)


def check_scalar_losses(losses: object) -> None:
    """Raise unless ``losses`` maps at least one task to a scalar loss (a number or a 0-d tensor)."""
    if not isinstance(losses, Mapping):
        raise TypeError(f"losses must be a dict {{task: scalar loss}}; got {type(losses).__name__}")
    if not losses:
        raise ValueError("losses must name at least one task: a dict {task: scalar loss}")
    for task, loss in losses.items():
        if getattr(loss, "ndim", 0) not in (0, None):  # None: a traced tensor of unknown rank
            raise ValueError(f"losses[{task!r}] must be a scalar, the batch's mean loss; "
                             f"got shape {tuple(loss.shape)}")


DIVERGED = "training diverged. Lower the learning rate, scale the targets or check the data."


def check_epoch_values(what: str, values: Mapping[str, float], epoch: int) -> None:
    """Stop ``fit`` (``FloatingPointError``) when a task's ``what`` (training loss, metric) is not finite."""
    for task, value in values.items():
        if not math.isfinite(value):
            raise FloatingPointError(f"the {what} of task {task!r} became {value} in epoch {epoch}: "
                                     f"{DIVERGED}")


def check_weights_finite(finite: bool, epoch: int) -> None:
    """Stop ``fit`` with ``FloatingPointError`` unless the weights are ``finite`` after epoch ``epoch``."""
    if not finite:
        raise FloatingPointError(f"the model's weights became NaN or infinite in epoch {epoch}: {DIVERGED}")


def check_choice(name: str, value: object, allowed: Iterable[object]) -> object:
    """Return ``value`` if it is one of ``allowed``, else raise ``ValueError`` listing the choices."""
    allowed = list(allowed)
    if value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name} must be one of {choices}; got {value!r}")
    return value


def check_widths(name: str, widths: object, at_least: int = 0) -> list[int]:
    """Layer widths (a sequence such as ``(64, 64)``) as positive ints, at least ``at_least`` of them."""
    if isinstance(widths, (int, str)) or not isinstance(widths, Sequence):
        raise TypeError(f"{name} must be a sequence of layer widths such as (64, 64); got {widths!r}")
    checked = [check_int(f"{name} width", w, minimum=1) for w in widths]
    if len(checked) < at_least:
        count = "one layer width" if at_least == 1 else f"{at_least} layer widths"
        raise ValueError(f"{name} must list at least {count}; got {list(widths)}")
    return checked


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


def check_one_kind(what: str, kinds: Mapping[str, str], kind: str) -> None:
    """Raise ``ValueError`` unless every task of ``kinds`` is of ``kind``; ``what`` says who needs that."""
    others = [task for task, k in kinds.items() if k != kind]
    if others:
        raise ValueError(f"{what}: every task must be a {kind} task; {others} are not")


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
