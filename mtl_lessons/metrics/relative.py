"""Δm: one number for a multi-task model against its single-task baselines, the mean relative change.

A multi-task model is scored on several tasks, often with metrics of different units and
directions (an accuracy rises, an error falls). Maninis et al. (2019) and Vandenhende et al. (2021)
sum it up by the mean, over the tasks, of each metric's relative change against the single-task
model, with the sign turned so that a gain is positive. The chapters that compare a multi-task
model with single-task ones on several tasks can report it next to the per-task numbers.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from mtl_lessons._checks import check_float


def delta_m(
    scores: Mapping[str, float], baselines: Mapping[str, float], higher_is_better: Mapping[str, bool] | bool
) -> float:
    r"""Δm in per cent: the mean relative gain of ``scores`` over the single-task ``baselines``.

    .. math::

        \Delta_m = \frac{100}{K} \sum_{k=1}^{K} (-1)^{l_k} \frac{M_k - B_k}{B_k},

    where ``M_k = scores[k]``, ``B_k = baselines[k]`` and ``l_k = 1`` where a lower value is better
    (``higher_is_better[k]`` false), else 0: Maninis et al. (2019), Vandenhende et al. (2021, their
    ``Δ_MTL``). Positive means the multi-task model is better on average. The keys are the measures,
    one per task in those papers; a task scored by several metrics gets one key per metric, and
    each counts once in the mean. ``higher_is_better`` names every key, or is one bool for all.
    Baselines must be > 0: the metrics this is meant for (accuracy, IoU, F1, AUC, errors) are
    positive, and a negative baseline would turn the sign of its change.
    """
    for name, values in (("scores", scores), ("baselines", baselines)):
        if not isinstance(values, Mapping):
            raise TypeError(f"{name} must be a dict {{measure: value}}; got {type(values).__name__}")
    if not scores:
        raise ValueError("scores must name at least one measure: a dict {measure: value}")
    if set(scores) != set(baselines):
        raise ValueError(f"scores and baselines must name the same measures; only in scores: "
                         f"{sorted(set(scores) - set(baselines))}, only in baselines: "
                         f"{sorted(set(baselines) - set(scores))}")
    if isinstance(higher_is_better, bool):
        higher_is_better = dict.fromkeys(scores, higher_is_better)
    elif not isinstance(higher_is_better, Mapping):
        raise TypeError(f"higher_is_better must be a bool or a dict {{measure: bool}}; got "
                        f"{type(higher_is_better).__name__}")
    elif set(higher_is_better) != set(scores):
        raise ValueError(f"higher_is_better must name exactly the measures {sorted(scores)}; got "
                         f"{sorted(higher_is_better)}")
    total = 0.0
    for key, score in scores.items():
        direction = higher_is_better[key]
        if not isinstance(direction, (bool, np.bool_)):
            raise TypeError(f"higher_is_better[{key!r}] must be True or False; got {direction!r}")
        value = check_float(f"scores[{key!r}]", score)
        baseline = check_float(f"baselines[{key!r}]", baselines[key], minimum=0.0, strict_minimum=True)
        change = (value - baseline) / baseline
        total += change if bool(direction) else -change
    return 100.0 * total / len(scores)
