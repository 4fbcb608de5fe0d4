"""Named speed figures reported in _build/bench.json under "metrics".

Each function returns ``{name: value}``; later chapters add theirs to ``METRICS``.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable


def _import_seconds(module: str, repeats: int = 3) -> float:
    """Median wall time of importing ``module`` in a fresh interpreter."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"import {module}"], check=True)
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def import_times() -> dict[str, float]:
    """How long a chapter waits for its imports (Python start-up included)."""
    return {
        "import_mtl_lessons_s": round(_import_seconds("mtl_lessons"), 3),
        "import_mtl_lessons_torch_s": round(_import_seconds("mtl_lessons.torch"), 3),
    }


def training_speed() -> dict[str, float]:
    """The training loop against a bare hand-written loop (benchmarks/fit_speed.py)."""
    from benchmarks.fit_speed import fit_speed

    return fit_speed()


def explorer_speed() -> dict[str, float]:
    """Median seconds per slider move of the interactive explorers (benchmarks/explorer_speed.py)."""
    from benchmarks.explorer_speed import (
        alpha_explorer_update_s,
        balancing_explorer_update_s,
        sharing_explorer_update_s,
    )

    return {"alpha_explorer_update_s": round(alpha_explorer_update_s(), 3),
            "sharing_explorer_update_s": round(sharing_explorer_update_s(), 3),
            "balancing_explorer_update_s": round(balancing_explorer_update_s(), 3)}


def sharing_cost() -> dict[str, float]:
    """What a hard-sharing step costs against separate networks (benchmarks/sharing_cost.py)."""
    from benchmarks.sharing_cost import alternating_vs_joint_epoch, step_time_ratios

    return {**step_time_ratios(), **alternating_vs_joint_epoch()}


def balancing_cost() -> dict[str, float]:
    """Each balancing method's step time over the plain sum, 2 and 5 tasks (benchmarks/balancing_cost.py)."""
    from benchmarks.balancing_cost import step_ratios

    return {**step_ratios(2), **step_ratios(5)}


METRICS: list[Callable[[], dict[str, float]]] = [import_times, training_speed, explorer_speed, sharing_cost,
                                                 balancing_cost]
