"""Wall-clock cost of a hard-sharing step against separate single-task networks, on this machine.

The chapter on how much to share prints these times but does not assert them (they depend on the
machine and its load); `make bench` records them on every run.
"""

from __future__ import annotations

from mtl_lessons import set_seed
from mtl_lessons.data import related_tasks, select_tasks
from mtl_lessons.torch import HardSharingNet, seconds_per_step

HIDDEN = (32, 32, 32)


def step_time_ratios(rounds: int = 7) -> dict[str, float]:
    """Step time of hard sharing over 8 tasks, against 8 separate networks and against one network."""
    data = related_tasks(n_train=200, p=0.9, n_tasks=8, dim=10, seed=0)
    set_seed(0)
    shared = HardSharingNet(10, data.output_sizes(), HIDDEN)
    single = HardSharingNet(10, {"task1": 1}, HIDDEN)
    one_task = select_tasks(data, ["task1"])
    best_shared = best_single = float("inf")
    for _ in range(rounds):  # interleaved, the fastest of each: a busy machine only slows a run down
        best_shared = min(best_shared, seconds_per_step(shared, data, steps=10, repeats=1))
        best_single = min(best_single, seconds_per_step(single, one_task, steps=10, repeats=1))
    return {"shared_step_vs_8_networks": round(best_shared / (8 * best_single), 3),
            "shared_step_vs_one_network": round(best_shared / best_single, 3)}


if __name__ == "__main__":
    print(step_time_ratios())
