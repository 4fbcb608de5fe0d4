"""How long an explorer takes to answer one slider move, measured on the live widget itself."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mtl_lessons.explorers import AlphaExplorer, BalancingExplorer, SharingExplorer


def update_seconds(box, control: str, values: Sequence[object]) -> float:
    """Median seconds per update when ``box.controls[control]`` takes each of ``values`` in turn.

    Each value should be new to the explorer's cache, so that an update trains, draws and renders
    its figure, as a reader's first move to that setting does.
    """
    before = len(box.update_seconds)
    for value in values:
        box.controls[control].value = value
    times = box.update_seconds[before:]
    if len(times) != len(values):
        raise RuntimeError(f"{len(values)} slider moves gave {len(times)} updates")
    return float(np.median(times))


def alpha_explorer_update_s(repeats: int = 7) -> float:
    """The alpha explorer of the loss chapter: a move of alpha_1 to a share not trained yet."""
    explorer = AlphaExplorer()
    box = explorer.widget(p_values=(0.0, 0.5, 0.9))  # draws p = 0.9: the sweep of w is cached
    values = [round(0.15 + 0.2 * k, 2) for k in range(repeats)]  # shares 0.13, 0.26, ...: all new
    return update_seconds(box, "alpha1", values)


def sharing_explorer_update_s() -> float:
    """The sharing explorer: a move of lambda to a value not trained yet (four networks to train)."""
    explorer = SharingExplorer()
    box = explorer.widget()  # draws depth 3 at p = 1.0: the depth sweep is cached
    return update_seconds(box, "lam", list(box.controls["lam"].options)[1:])  # every other lambda


def balancing_explorer_update_s() -> float:
    """The balancing explorer: a move to a method not trained yet at this scale (one network to train)."""
    explorer = BalancingExplorer()
    box = explorer.widget()  # draws uncertainty weighting at scale 100, p = 0.5 (and equal weights)
    others = [m for m in explorer.methods if m not in ("equal weights", box.controls["method"].value)]
    return update_seconds(box, "method", others)


if __name__ == "__main__":
    print({"alpha_explorer_update_s": alpha_explorer_update_s(),
           "sharing_explorer_update_s": sharing_explorer_update_s(),
           "balancing_explorer_update_s": balancing_explorer_update_s()})
